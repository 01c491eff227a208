-- The one definition of the published knowledge base (data/processed/kb.duckdb).
-- Used by the publish stage and by the test fixtures. Every text column holds anonymised text.

CREATE TABLE cases (
    case_id        VARCHAR PRIMARY KEY,
    source_id      VARCHAR NOT NULL,
    source_file    VARCHAR NOT NULL,
    source_row     INTEGER,
    narrative      VARCHAR NOT NULL,
    knelpunt       VARCHAR,
    oplossing      VARCHAR,
    structureel    VARCHAR,
    municipality   VARCHAR,
    organisation   VARCHAR,
    case_date      DATE,
    year           INTEGER,
    year_source    VARCHAR,
    orde           INTEGER,
    outcome        VARCHAR,
    solution_type  VARCHAR,
    domains        VARCHAR[],
    barrier_types  VARCHAR[],
    primary_cluster_id INTEGER,
    n_words        INTEGER
);
COMMENT ON TABLE cases IS 'One row per ingested, anonymised case narrative';
COMMENT ON COLUMN cases.case_id IS 'Stable hash of source file name and source id (or text when no id)';
COMMENT ON COLUMN cases.source_id IS 'The id the input itself gave the case';
COMMENT ON COLUMN cases.narrative IS 'Anonymised narrative text (the situatie)';
COMMENT ON COLUMN cases.orde IS 'Order of learning reached: 1 case, 2 organisation, 3 system (given or inferred)';
COMMENT ON COLUMN cases.year_source IS 'Where the year comes from: datum (the input''s date), tekst (no date given: the latest year the text names) or NULL (unknown)';
COMMENT ON COLUMN cases.outcome IS 'opgelost | deels | niet | onbekend';
COMMENT ON COLUMN cases.primary_cluster_id IS 'Barrier cluster of the main barrier statement; -1 for none';

CREATE TABLE statements (
    statement_id   VARCHAR PRIMARY KEY,
    case_id        VARCHAR NOT NULL,
    kind           VARCHAR NOT NULL,
    text           VARCHAR NOT NULL,
    sent_index     INTEGER,
    is_main        BOOLEAN,
    barrier_type   VARCHAR
);
COMMENT ON TABLE statements IS 'Barrier, solution and outcome statements found in each case';
COMMENT ON COLUMN statements.kind IS 'barrier | solution | outcome';
COMMENT ON COLUMN statements.is_main IS 'True for the case''s main barrier statement';

CREATE TABLE case_embeddings (
    case_id VARCHAR PRIMARY KEY,
    vector  FLOAT[]
);
COMMENT ON TABLE case_embeddings IS 'L2-normalised passage vectors of the anonymised narratives';

CREATE TABLE statement_embeddings (
    statement_id VARCHAR PRIMARY KEY,
    vector       FLOAT[]
);
COMMENT ON TABLE statement_embeddings IS 'L2-normalised passage vectors of barrier/solution statements';

CREATE TABLE clusters (
    cluster_id      INTEGER PRIMARY KEY,
    label           VARCHAR NOT NULL,
    name            VARCHAR,
    keywords        VARCHAR[],
    representative  VARCHAR,
    n_statements    INTEGER,
    n_cases         INTEGER,
    n_municipalities INTEGER,
    n_organisations INTEGER,
    barrier_type    VARCHAR,
    share_maatwerk  DOUBLE,
    share_solved    DOUBLE,
    trend_slope     DOUBLE,
    systemic_score  DOUBLE,
    orde_candidate  INTEGER,
    evidence        VARCHAR
);
COMMENT ON TABLE clusters IS 'Recurring barrier clusters with stable ids across rebuilds';
COMMENT ON COLUMN clusters.label IS 'Automatic Dutch label (c-TF-IDF keywords)';
COMMENT ON COLUMN clusters.name IS 'Name given by a person in the app (survives rebuilds), else NULL';
COMMENT ON COLUMN clusters.systemic_score IS 'Orde-2/3 candidate score, see docs/ranking.md';
COMMENT ON COLUMN clusters.orde_candidate IS '2 or 3: which order of learning the evidence points to';

CREATE TABLE statement_clusters (
    statement_id VARCHAR PRIMARY KEY,
    cluster_id   INTEGER NOT NULL,
    probability  DOUBLE,
    x            DOUBLE,
    y            DOUBLE
);
COMMENT ON TABLE statement_clusters IS 'Cluster of every barrier statement (-1 = unclustered, kept for triage) and its 2-D map position';

CREATE TABLE case_clusters (
    case_id    VARCHAR NOT NULL,
    cluster_id INTEGER NOT NULL,
    is_primary BOOLEAN NOT NULL,
    PRIMARY KEY (case_id, cluster_id)
);
COMMENT ON TABLE case_clusters IS 'Every barrier cluster a case belongs to; one primary per clustered case';

CREATE TABLE cluster_years (
    cluster_id INTEGER NOT NULL,
    year       INTEGER NOT NULL,
    n_cases    INTEGER NOT NULL,
    PRIMARY KEY (cluster_id, year)
);
COMMENT ON TABLE cluster_years IS 'Cases per cluster per year (trend)';

CREATE TABLE quarantine (
    source_file VARCHAR NOT NULL,
    source_row  INTEGER,
    field       VARCHAR,
    action      VARCHAR NOT NULL,
    reason      VARCHAR NOT NULL
);
COMMENT ON COLUMN quarantine.action IS 'rejected (record left out) | collapsed (exact duplicate) | cleared (field emptied, record kept)';
COMMENT ON TABLE quarantine IS 'Rejected input records: where and why, never their text';

CREATE TABLE orphan_annotations (
    line        INTEGER NOT NULL,
    event_type  VARCHAR NOT NULL,
    cluster_id  INTEGER,
    target_id   VARCHAR,
    recorded_at VARCHAR,
    reason      VARCHAR NOT NULL
);
COMMENT ON TABLE orphan_annotations IS 'Annotations (data/annotations/events.jsonl) whose cluster or target no longer exists: listed, never attached to another cluster';
COMMENT ON COLUMN orphan_annotations.line IS 'Line number of the event in events.jsonl';
COMMENT ON COLUMN orphan_annotations.event_type IS 'cluster_name | cluster_merge | escalation | solution_feedback';
COMMENT ON COLUMN orphan_annotations.cluster_id IS 'The cluster the event names (NULL for solution feedback)';
COMMENT ON COLUMN orphan_annotations.target_id IS 'The statement or case a solution_feedback event names, else NULL';
COMMENT ON COLUMN orphan_annotations.recorded_at IS 'When the event was recorded (UTC, ISO 8601)';
COMMENT ON COLUMN orphan_annotations.reason IS 'Why it no longer attaches (Dutch)';

CREATE TABLE validations (
    suite      VARCHAR NOT NULL,
    success    BOOLEAN NOT NULL,
    evaluated  INTEGER,
    successful INTEGER,
    details    JSON
);
COMMENT ON TABLE validations IS 'great-expectations results of the last build';

CREATE TABLE manifest (
    key   VARCHAR PRIMARY KEY,
    value JSON
);
COMMENT ON TABLE manifest IS 'The run manifest of the build that published this file';
