"""Casuswijzer's Streamlit app (read-only on the published knowledge base)."""
