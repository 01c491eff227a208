"""The read side over the published knowledge base: search, report, atelier.

Imports pipeline.core only."""
