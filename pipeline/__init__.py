"""Casuswijzer pipeline."""
