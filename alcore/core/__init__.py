"""The lowest layer: the cache root and atomic writes, pinned archives, errors and shared checks."""
