"""Query strategies and initial-pool selection (IPS), with scikit-activeml's query API.

``get(name, random_state=..., **params)`` returns a strategy object whose
``query(X, y, clf=None, fit_clf=True, candidates=None, batch_size=1, return_utilities=False)``
picks indices into ``X`` among the unlabelled samples (``y`` is ``np.nan`` there). With every
label missing the same call is an initial-pool selection.

==========  =====================================================  =======================
name        strategy                                               module
==========  =====================================================  =======================
random      uniform sampling                                       :mod:`.random`
margin      smallest top-2 probability margin                      :mod:`.uncertainty`
entropy     largest predictive entropy                             :mod:`.uncertainty`
coreset     greedy k-center (Sener & Savarese 2018)                :mod:`.coreset`
probcover   greedy delta-ball coverage (Yehuda et al. 2022)        :mod:`.probcover`
typiclust   typical points of uncovered clusters (Hacohen 2022)    :mod:`.typiclust`
badge       k-means++ on gradient embeddings (Ash et al. 2020)     :mod:`.badge`
dropquery   dropout inconsistency + k-means (Gupte et al. 2024)    :mod:`.dropquery`
==========  =====================================================  =======================

A strategy is registered by its module alone: every module of this package (other than
``base`` and the private helpers) is imported, and each :class:`~.base.QueryStrategy`
subclass with a ``name`` joins :data:`NAMES` at its ``order``; ``initial_pool = True`` adds
it to :data:`IPS_NAMES`.
"""

from __future__ import annotations

import importlib
import pkgutil

from alcore.core.errors import UnknownNameError
from alcore.engine.strategies.base import QueryStrategy

__all__ = ["IPS_NAMES", "NAMES", "get", "get_class"]


def _discover() -> dict[str, type]:
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_") and info.name != "base":
            importlib.import_module(f"{__name__}.{info.name}")
    found: dict[str, type] = {}
    todo = list(QueryStrategy.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.name is None or not cls.__module__.startswith(__name__ + "."):
            continue
        if cls.name in found and found[cls.name] is not cls:
            raise RuntimeError(f"two strategies are named {cls.name!r}: {found[cls.name]}, {cls}")
        found[cls.name] = cls
    return dict(sorted(found.items(), key=lambda kv: (kv[1].order, kv[0])))


_REGISTRY = _discover()

#: every query strategy, in the paper's order
NAMES = tuple(_REGISTRY)
#: the strategies the study also uses as initial-pool selection
IPS_NAMES = tuple(n for n, cls in _REGISTRY.items() if cls.initial_pool)


def get_class(name: str) -> type[QueryStrategy]:
    """The strategy class registered under ``name`` (case-insensitive)."""
    key = str(name).lower()
    if key not in _REGISTRY:
        raise UnknownNameError("strategy", name, NAMES)
    return _REGISTRY[key]


def get(name: str, random_state=None, **params) -> QueryStrategy:
    """Build the query strategy ``name``.

    Parameters
    ----------
    name : str
        One of :data:`NAMES` (case-insensitive).
    random_state : int, numpy Generator, RandomState or None
        Seed for every random choice the strategy makes.
    **params
        Strategy-specific parameters (see each class).

    Returns
    -------
    QueryStrategy
    """
    return get_class(name)(random_state=random_state, **params)
