"""Shared, stage-free building blocks: config, io, db + schema, text, vocab, embedder,
anonymise, annotations."""
