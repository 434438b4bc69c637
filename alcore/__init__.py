"""alcore: active learning on frozen text embeddings.

A small library behind the benchmark report: datasets (:mod:`alcore.data`),
frozen encoders and the embedding cache (:mod:`alcore.embed`), query strategies
(:mod:`alcore.strategies`), the active-learning cycle (:mod:`alcore.loop`), the
experiment grid (:mod:`alcore.experiment`, :mod:`alcore.store`,
:mod:`alcore.grid`), and the analysis and figures of the book
(:mod:`alcore.analysis`, :mod:`alcore.plots`).
"""

__version__ = "0.1.0"
