"""A controlled quality ladder: one encoder's embeddings reduced by PCA to fewer dimensions.

The real encoders differ in quality and in everything else (family, training data, size).
A rung of the ladder keeps the model fixed and varies quality alone: the base encoder's
vectors projected onto their first ``k`` principal components. The encoder name
``<base>-pca<k>`` (``minilm-pca16``, ``glove50-pca32``, ...) is such a rung for any encoder
:func:`alcore.embedding.encoders.get_encoder` resolves; the rungs of :data:`LADDER_BASE` at
:data:`LADDER_KS` are registered in :data:`~alcore.embedding.encoders.ENCODERS` so that
experiment profiles can name them.

How a rung is made (:class:`PCAReducer`):

* The PCA is fitted on the base encoder's vectors of the dataset's **training split** only:
  the unlabelled pool active learning draws from. Labels and the test split are never read
  by the fit; the test split is only projected.
* Centred, not whitened, exact SVD (``svd_solver="full"``, float64), so the projection is
  deterministic (scikit-learn fixes the components' signs); the output is float32.
* ``k`` must be below the base's dimension (a reduction) and at most the training split's
  size.

The embedding cache (:mod:`alcore.embedding.embed`) keeps a rung's vectors like any others,
under ``embeddings/<dataset>/<base>-pca<k>/``; their key holds :meth:`RungEncoder.config`
(the base encoder's whole config, ``k`` and the PCA settings) and the sha256 of the base's
training vectors the PCA was fitted on. Each rung's quality is its linear-probe accuracy,
measured like any encoder's (:func:`alcore.engine.loop.full_data_accuracy`, the runs' upper
bounds).
"""

from __future__ import annotations

import dataclasses
import re

import numpy as np

from alcore.core.constraints import Int, validate_params
from alcore.embedding.encoders import ENCODERS, Encoder
from alcore.embedding.encoders import get_encoder as _get_base_encoder

__all__ = [
    "LADDER_BASE",
    "LADDER_KS",
    "PCAReducer",
    "RungEncoder",
    "get_encoder",
    "parse_rung",
    "rung_name",
]

#: The encoder the registered ladder reduces, and its rungs' dimensions.
LADDER_BASE = "minilm"
LADDER_KS = (16, 32, 64, 128)

_RUNG = re.compile(r"(?P<base>.+)-pca(?P<k>[0-9]+)")


def rung_name(base: str, k: int) -> str:
    """The encoder name of the rung ``k`` of ``base``: ``f"{base}-pca{k}"``."""
    return f"{base}-pca{int(k)}"


def parse_rung(name) -> tuple[str, int] | None:
    """``(base, k)`` of a rung name ``<base>-pca<k>``, or None for any other name."""
    m = _RUNG.fullmatch(str(name))
    return (m["base"], int(m["k"])) if m else None


class PCAReducer:
    """PCA to ``n_components`` dimensions, fitted on one matrix, applied to any.

    Parameters
    ----------
    n_components : int
        Dimensions kept (``k``); at least 1.
    random_state : int, default=0
        Passed to scikit-learn's PCA (the exact SVD does not draw from it).

    Attributes
    ----------
    pca_ : sklearn.decomposition.PCA
        The fitted PCA.
    """

    _parameter_constraints = {
        "n_components": [Int(1, None)],
        "random_state": [Int(0, None)],
    }

    def __init__(self, n_components, random_state=0):
        self.n_components = n_components
        self.random_state = random_state

    def fit(self, X):
        """Fit on ``X`` (n_samples, n_features): the training split's base vectors."""
        from sklearn.decomposition import PCA

        validate_params(type(self).__name__, self._parameter_constraints, self.get_params())
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2:
            raise ValueError(f"PCAReducer.fit needs a 2-d array, got shape {X.shape}")
        n, d = X.shape
        if not self.n_components < d:
            raise ValueError(
                f"n_components={self.n_components} is not below the base dimension {d}: "
                f"a rung reduces; use k < {d}"
            )
        if self.n_components > n:
            raise ValueError(
                f"n_components={self.n_components} exceeds the {n} training vectors; use k <= {n}"
            )
        self.pca_ = PCA(
            n_components=self.n_components,
            svd_solver="full",
            whiten=False,
            random_state=self.random_state,
        ).fit(X)
        return self

    def transform(self, X) -> np.ndarray:
        """Project ``X`` onto the fitted components -> float32 ``(n_samples, n_components)``."""
        if not hasattr(self, "pca_"):
            raise ValueError("PCAReducer is not fitted: call fit(X_train) first")
        out = self.pca_.transform(np.asarray(X, dtype=np.float64))
        return np.ascontiguousarray(out, dtype=np.float32)

    def get_params(self, deep=True) -> dict:
        return {"n_components": self.n_components, "random_state": self.random_state}


class RungEncoder(Encoder):
    """A rung ``<base>-pca<k>``: the base encoder's vectors reduced by :class:`PCAReducer`.

    Its vectors depend on a dataset's training split, so it does not embed texts alone:
    :func:`alcore.embedding.embed.embed` and ``load_embeddings`` make them (and cache them)
    from the base encoder's cached vectors with :meth:`reduce`.

    Parameters
    ----------
    spec : EncoderSpec
        The rung's record (``kind="pca"``, ``dim=k``).
    base : Encoder
        The encoder whose vectors are reduced.
    """

    def __init__(self, spec, base):
        super().__init__(
            spec, None, base.pooling, base.max_length, base.device, base.trust_remote_code
        )
        self.base = base

    @property
    def n_components(self) -> int:
        return int(self.spec.params["n_components"])

    def config(self) -> dict:
        """The base encoder's config, ``k`` and the PCA settings: part of the cache key."""
        return {
            "encoder": self.name,
            "kind": "pca",
            "n_components": self.n_components,
            "base": self.base.config(),
            "fit": "training split",
            "pca": {"svd_solver": "full", "whiten": False, "dtype": "float64"},
        }

    def load(self) -> RungEncoder:
        return self  # the base's vectors come from the cache, which loads the base if needed

    def _device(self) -> str:
        return "cpu"

    def encode(self, texts, batch_size=None, progress=True) -> np.ndarray:
        raise TypeError(
            f"{self.name} is fitted on a dataset's training split and cannot embed texts "
            f"alone; use alcore.embedding.embed.embed(dataset, {self.name!r}, split) or "
            "load_embeddings(dataset, ...)"
        )

    def reduce(self, X_fit, X) -> np.ndarray:
        """``X`` (base vectors) projected by the PCA fitted on ``X_fit`` (the training split's)."""
        return PCAReducer(self.n_components).fit(X_fit).transform(X)


def _rung_spec(base_spec, k: int):
    return dataclasses.replace(
        base_spec,
        name=rung_name(base_spec.name, k),
        kind="pca",
        dim=int(k),
        mteb=None,
        mteb_comparable=False,
        mteb_source=f"PCA of {base_spec.name} to {int(k)} dimensions (quality ladder): "
        "ranked by its measured linear-probe accuracy",
        n_params_source=f"{base_spec.name}'s weights, which the rung runs (the PCA, fitted "
        "on each dataset's training split, not counted)",
        notes=f"{base_spec.name}'s vectors projected on their first {int(k)} principal "
        "components, fitted on each dataset's training split",
        params={"base": base_spec.name, "n_components": int(k)},
    )


def get_encoder(
    name_or_path, pooling=None, max_length=None, device=None, trust_remote_code=False
) -> Encoder:
    """:func:`alcore.embedding.encoders.get_encoder`, plus the rungs ``<base>-pca<k>``.

    A rung's base is resolved (and its ``pooling``, ``max_length``, ``device`` and
    ``trust_remote_code`` applied) by the plain resolver, so any base it knows works.

    Raises
    ------
    ValueError
        If ``k`` is not below the base encoder's dimension.
    """
    rung = parse_rung(name_or_path)
    if rung is None:
        return _get_base_encoder(name_or_path, pooling, max_length, device, trust_remote_code)
    base_name, k = rung
    base = _get_base_encoder(base_name, pooling, max_length, device, trust_remote_code)
    if base.dim and not 1 <= k < base.dim:
        raise ValueError(
            f"{name_or_path!r}: k={k} must be between 1 and {base.dim - 1}, below the "
            f"dimension of {base_name} ({base.dim})"
        )
    spec = _rung_spec(base.spec, k)
    if base.dim == 0:  # a Hub id whose dimension is learnt on encoding
        spec = dataclasses.replace(spec, dim=int(k))
    return RungEncoder(spec, base)


# Rungs register themselves, as strategies do: profiles name them like any encoder.
ENCODERS.update({s.name: s for s in (_rung_spec(ENCODERS[LADDER_BASE], k) for k in LADDER_KS)})
