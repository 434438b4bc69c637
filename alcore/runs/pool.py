"""The training pool a run draws from: :func:`cap_pool`, applied when a run executes."""

from __future__ import annotations

import numpy as np

__all__ = ["cap_pool"]


def cap_pool(y, pool_cap, random_state=0) -> np.ndarray:
    """Indices of a stratified subsample of at most ``pool_cap`` of the labels ``y``.

    Every class keeps its share (largest remainders fill up) and at least one sample.
    Returns all indices (sorted) when ``pool_cap`` is None or not smaller than ``len(y)``.
    """
    y = np.asarray(y)
    if pool_cap is None or pool_cap >= len(y):
        return np.arange(len(y))
    rng = np.random.default_rng(random_state)
    classes, counts = np.unique(y, return_counts=True)
    if pool_cap < len(classes):
        raise ValueError(
            f"pool_cap={pool_cap} is smaller than the {len(classes)} classes; "
            "raise pool_cap so that every class keeps a sample"
        )
    share = counts * pool_cap / len(y)
    take = np.maximum(np.floor(share).astype(int), 1)
    for i in np.argsort(-(share - np.floor(share)), kind="stable"):
        if take.sum() >= pool_cap:
            break
        take[i] += take[i] < counts[i]
    while take.sum() > pool_cap:  # the at-least-one rule overshot: trim the largest classes
        take[np.argmax(take)] -= 1
    picks = [rng.permutation(np.flatnonzero(y == c))[:k] for c, k in zip(classes, take)]
    return np.sort(np.concatenate(picks))
