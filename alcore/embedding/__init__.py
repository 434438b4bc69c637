"""Frozen encoders, the embedding cache and its catalogue (imports data, engine and core)."""
