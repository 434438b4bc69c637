"""The labelling budget ``B`` of a dataset: where Random sampling with the weakest encoder converges.

Rauch et al. (2025), following ActiveGLAE (Rauch et al. 2023), fix each dataset's budget at
the number of labels at which *random sampling* with the *weakest* encoder has converged, so
that every strategy and encoder is compared over the same stretch of the learning curve, up
to the point where more labels stop paying off even for the weakest model. The papers state
the rule in words; alcore makes it operational as follows (:func:`derive_budget`):

1. Reference: the full-data accuracy ``A*`` of the logistic regression trained on the whole
   training split (:func:`alcore.loop.full_data_accuracy`).
2. Learning curve: for each seed a random permutation of the pool; the first ``n`` samples
   (nested pools, exactly what Random sampling labels) train the logistic regression for every
   ``n`` of a geometric grid of label counts (default: the 1-1.5-2-3-5-7 series times powers
   of ten, from ``2 * C`` up to the pool size). Scores are on the test split.
3. ``B`` is the smallest grid count from which on the mean accuracy over the seeds stays at
   or above ``target * A*`` (default ``target=0.95``: 95 % of the full-data accuracy) at every
   larger grid count. If only the whole pool gets there, ``B`` is the pool size and
   ``converged`` is False.

Why a relative target rather than "within one point of ``A*``": with a weak encoder the
learning curve of a linear model keeps creeping up by a point per doubling of the labels
until the whole pool is used (TREC-6 with GloVe-50d: 0.63 at 1,000 labels, 0.66 at 3,000,
0.69 at all 5,452), so an absolute one-point rule returns the pool size, which is no budget
at all. 95 % of the full-data accuracy marks where the curve has flattened out; "stays
above" guards against a noisy early crossing.

The numbers are computed with the weakest offline encoder (``glove50``) by
``alcore bench budget`` and stored in the dataset registry.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .loop import CLF_DEFAULTS, _fit, _scores, _validate, full_data_accuracy

__all__ = ["derive_budget", "budget_grid"]

_SERIES = (1, 1.5, 2, 3, 5, 7)


def budget_grid(n_pool: int, start: int = 10) -> np.ndarray:
    """Label counts ``1, 1.5, 2, 3, 5, 7 x 10^k`` from ``start`` to ``n_pool`` (included).

    >>> budget_grid(1000, start=10).tolist()
    [10, 15, 20, 30, 50, 70, 100, 150, 200, 300, 500, 700, 1000]
    """
    if n_pool < 1:
        raise ValueError(f"n_pool must be positive, got {n_pool}")
    values = {int(round(s * 10**k)) for k in range(0, 8) for s in _SERIES}
    grid = sorted(v for v in values if start <= v < n_pool)
    return np.asarray(grid + [int(n_pool)], dtype=np.int64)


def derive_budget(emb, seeds=(0, 1, 2), grid=None, target=0.95, clf_params=None,
                  progress=False) -> dict:
    """Derive the budget ``B``: the label count at which Random sampling has converged.

    Parameters
    ----------
    emb : Embeddings
        Anything with ``X_train, y_train, X_test, y_test`` (see :mod:`alcore.embed`).
    seeds : sequence of int, default=(0, 1, 2)
        One random permutation of the pool per seed; the curve is averaged over them.
    grid : sequence of int, optional
        Label counts to evaluate; default :func:`budget_grid` from ``2 * C``.
    target : float, default=0.95
        Fraction of the full-data accuracy that counts as converged, in (0, 1].
    clf_params : dict, optional
        Overrides for the logistic regression.
    progress : bool, default=False
        Show a progress bar.

    Returns
    -------
    dict
        ``budget`` (int), ``converged`` (bool), ``full_accuracy`` (float), ``target``,
        ``threshold`` (``target * full_accuracy``) and
        ``curve``: a DataFrame with columns ``n_labelled, seed, accuracy, macro_f1``.
    """
    from tqdm.auto import tqdm

    X, y, Xt, yt, n_classes = _validate(emb.X_train, emb.y_train, emb.X_test, emb.y_test)
    if not 0 < target <= 1:
        raise ValueError(f"target must be a fraction of the full-data accuracy in (0, 1], "
                         f"got {target}")
    seeds = list(seeds)
    if not seeds:
        raise ValueError("seeds must hold at least one seed")
    grid = budget_grid(len(X), start=2 * n_classes) if grid is None else np.asarray(grid)
    if grid.ndim != 1 or grid.size == 0 or grid.min() < 1 or grid.max() > len(X):
        raise ValueError(f"grid must be label counts between 1 and the pool size {len(X)}")
    grid = np.unique(grid.astype(np.int64))
    params = {**CLF_DEFAULTS, **(clf_params or {})}
    full = full_data_accuracy(X, y, Xt, yt, clf_params=clf_params)["accuracy"]
    rows = []
    with tqdm(total=len(seeds) * len(grid), desc="budget", disable=not progress) as bar:
        for seed in seeds:
            order = np.random.default_rng(seed).permutation(len(X))
            for n in grid:
                idx = order[:n]
                clf = _fit(X[idx], y[idx], n_classes, {**params, "random_state": seed})
                acc, f1 = _scores(clf, Xt, yt)
                rows.append({"n_labelled": int(n), "seed": seed, "accuracy": acc,
                             "macro_f1": f1})
                bar.update()
    curve = pd.DataFrame(rows)
    mean = curve.groupby("n_labelled")["accuracy"].mean()
    threshold = target * full
    below = np.flatnonzero(mean.to_numpy() < threshold)       # grid points under the bar
    first = 0 if below.size == 0 else below[-1] + 1           # stays above from here on
    budget = int(mean.index[first]) if first < len(mean) else int(len(X))
    return {"budget": budget, "converged": budget < len(X), "full_accuracy": float(full),
            "target": float(target), "threshold": float(threshold), "curve": curve}
