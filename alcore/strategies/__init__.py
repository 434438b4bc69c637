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
"""

from __future__ import annotations

import importlib

from ..errors import UnknownNameError

__all__ = ["IPS_NAMES", "NAMES", "code_identity", "get"]

_REGISTRY = {
    "random": ("random", "RandomSampling"),
    "margin": ("uncertainty", "MarginSampling"),
    "entropy": ("uncertainty", "EntropySampling"),
    "coreset": ("coreset", "CoreSet"),
    "probcover": ("probcover", "ProbCover"),
    "typiclust": ("typiclust", "TypiClust"),
    "badge": ("badge", "Badge"),
    "dropquery": ("dropquery", "DropQuery"),
}

NAMES = tuple(_REGISTRY)
IPS_NAMES = ("random", "coreset", "typiclust")


def get_class(name: str):
    """The strategy class registered under ``name``."""
    key = str(name).lower()
    if key not in _REGISTRY:
        raise UnknownNameError("strategy", name, NAMES)
    module, cls = _REGISTRY[key]
    return getattr(importlib.import_module(f"{__name__}.{module}"), cls)


def get(name: str, random_state=None, **params):
    """Build the query strategy ``name``.

    Parameters
    ----------
    name : str
        One of :data:`NAMES` (case-insensitive).
    random_state : int, numpy Generator or None
        Seed for every random choice the strategy makes.
    **params
        Strategy-specific parameters (see each class).

    Returns
    -------
    QueryStrategy
    """
    return get_class(name)(random_state=random_state, **params)


def code_identity(ips: str, strategy: str) -> str:
    """What a run's picks depend on in alcore's code: the versions of its IPS, its query
    strategy (``"none"``: an IPS-only run) and the AL loop (:data:`alcore.loop.LOOP_VERSION`),
    e.g. ``"loop=1 ips:typiclust=1 strategy:margin=1"``. The grid stores it with each run: a
    run recorded under another string is stale and runs again."""
    from ..loop import LOOP_VERSION

    parts = [f"loop={LOOP_VERSION}", f"ips:{ips}={get_class(ips).version}"]
    if str(strategy).lower() != "none":
        parts.append(f"strategy:{strategy}={get_class(strategy).version}")
    return " ".join(parts)
