"""The AL engine: query strategies, initial-pool selection, the AL cycle and the budget rule.

Pure computation on arrays (no files, no network); imports only :mod:`alcore.core`.
"""
