"""Frozen encoders, the embedding cache and its catalogue (imports data, engine and core).

Importing the package imports :mod:`~alcore.embedding.ladder`, whose quality-ladder rungs
register themselves in :data:`~alcore.embedding.encoders.ENCODERS`: every reader of the
registry sees them, whichever module it imports.
"""

from alcore.embedding import ladder  # noqa: F401  (registers the ladder's rungs)
