"""The build side: ingest, structure, embed, cluster, publish. Each imports pipeline.core only."""
