"""alcore: active learning on frozen text embeddings.

A small library behind the benchmark report: datasets (:mod:`alcore.data`),
frozen encoders and the embedding cache (:mod:`alcore.embedding.embed`), query strategies
(:mod:`alcore.engine.strategies`), the active-learning cycle (:mod:`alcore.engine.loop`), the
experiment grid (:mod:`alcore.runs.experiment`, :mod:`alcore.runs.store`,
:mod:`alcore.runs.grid`), and the analysis and figures of the book
(:mod:`alcore.science.analysis`, :mod:`alcore.report.plots`).
"""

__version__ = "0.1.0"
