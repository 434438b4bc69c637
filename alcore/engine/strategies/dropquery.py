"""DropQuery: dropout-inconsistency candidates, then k-means diversity (Gupte et al. 2024)."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from alcore.engine.strategies._kmeans import kmeans_f32
from alcore.engine.strategies.base import RANDOM_STATE, Float, Int, QueryStrategy, utility_rows

__all__ = ["DropQuery", "keep_mask"]

_CHUNK = 8192  # candidates per dropout-prediction chunk: memory O(chunk * d)


def _fast_predict(clf):
    """``clf.predict`` without its per-call input validation for scikit-learn's linear
    classifiers (the same ``X @ coef_.T + intercept_`` and argmax, so the same labels);
    the validation pass cost as much as the product on the 4 predictions a chunk needs."""
    from sklearn.linear_model._base import LinearClassifierMixin

    if type(clf).predict is not LinearClassifierMixin.predict or not hasattr(clf, "coef_"):
        return clf.predict  # other classifiers, and subclasses with a predict of their own
    coef_t, intercept, classes = clf.coef_.T, clf.intercept_, clf.classes_

    def predict(Xb):
        scores = Xb @ coef_t
        scores += intercept
        if scores.shape[1] == 1:
            return classes[(scores[:, 0] > 0).astype(int)]
        return classes[scores.argmax(axis=1)]

    return predict


def keep_mask(rng, shape, keep):
    """Dropout's keep mask: ``True`` where a uniform 16-bit integer is below ``round(keep *
    2^16)``, so each entry is kept with probability ``keep`` (exactly for the paper's 0.25,
    within ``2^-17`` otherwise): half the cost of float32 uniforms."""
    return rng.integers(0, 65536, size=shape, dtype=np.uint16) < round(keep * 65536)


class DropQuery(QueryStrategy):
    """DropQuery of Gupte et al. (2024), "Revisiting Active Learning in the Era of Vision
    Foundation Models" (TMLR 2024; code: github.com/sanketx/AL-foundation-models).

    1. Predict every candidate with the trained classifier (``yhat``), then ``n_dropout``
       more times with dropout (rate ``dropout_rate``) applied to the *input features*.
    2. The candidates whose dropout predictions disagree with ``yhat`` more than half of the
       time (``n_disagree > n_dropout // 2``, as the original code) form the uncertain set.
    3. k-means with ``k = batch_size`` on the uncertain set (in the input space); the sample
       nearest each centroid is picked.

    Defaults ``dropout_rate=0.75`` and ``n_dropout=3`` are the paper's (M=3; its code's
    ``num_iter: 3``; scikit-activeml 1.0.1 defaults to 5 samples).

    Choices the paper leaves open:

    - Dropout masks: a feature is kept when a uniform 16-bit integer is below
      ``round((1 - dropout_rate) * 2^16)``, so the keep rate is exact for the paper's
      dropout rate of 0.75 and within ``2^-17`` of ``1 - dropout_rate`` for any other
      rate (cheaper than float32 uniforms, which are themselves a 24-bit grid).
    - ``rescale=True``: inverted dropout as ``torch.nn.Dropout`` in the original code, kept
      features are scaled by ``1 / (1 - dropout_rate)``. scikit-activeml does not rescale
      (``rescale=False``).
    - Fewer uncertain samples than ``batch_size``: all of them are taken and the rest is
      drawn uniformly at random from the other candidates (the original code does not handle
      it; scikit-activeml instead takes the most-disagreeing ones).
    - k-means: Lloyd's algorithm from ``batch_size`` distinct uncertain samples drawn at
      random (faiss's start: the original code's single 100-iteration faiss run), at most
      100 iterations, stopping as scikit-learn's ``KMeans`` does, seeded from
      ``random_state`` (:func:`~._kmeans.kmeans_f32`, float32 BLAS; from the same start
      it ends at scikit-learn's centres, see the tests). The random start, not
      k-means++: on large uncertain sets the k-means++ start alone costs more than the
      Lloyd iterations, for the same inertia. Above ``minibatch_threshold`` uncertain
      samples scikit-learn's ``MiniBatchKMeans`` (batch 4096) bounds the query's time.
    - Nearest sample per centroid: centroids in order, each taking its nearest sample not yet
      picked.
    - ``return_utilities``: every row holds the disagreement rate (fraction of dropout
      predictions that differ from ``yhat``), ``nan`` for the samples picked before.

    Parameters
    ----------
    dropout_rate : float in (0, 1), default=0.75
    n_dropout : int >= 1, default=3
    rescale : bool, default=True
    minibatch_threshold : int, default=20000
    random_state : int, numpy Generator or None
    """

    name = "dropquery"
    order = 80

    needs_clf = True
    version = 2  # 2: 16-bit dropout masks; centres ranked without ||x||^2
    _parameter_constraints: ClassVar[dict] = {
        "dropout_rate": [Float(0, 1)],
        "n_dropout": [Int(1)],
        "rescale": ["boolean"],
        "minibatch_threshold": [Int(1)],
        "random_state": RANDOM_STATE,
    }

    def __init__(
        self,
        dropout_rate=0.75,
        n_dropout=3,
        rescale=True,
        minibatch_threshold=20000,
        random_state=None,
    ):
        self.dropout_rate = dropout_rate
        self.n_dropout = n_dropout
        self.rescale = rescale
        self.minibatch_threshold = minibatch_threshold
        self.random_state = random_state

    def _disagreement(self, clf, X, candidates, rng):
        keep = 1.0 - self.dropout_rate
        scale = 1.0 / keep if self.rescale else 1.0
        predict = _fast_predict(clf)
        n_dis = np.zeros(len(candidates), dtype=np.int64)
        for c0 in range(0, len(candidates), _CHUNK):
            Xb = np.asarray(X[candidates[c0 : c0 + _CHUNK]], dtype=np.float32)
            yhat = predict(Xb)
            # x * mask * scale == (x * scale) * mask exactly: mask is 0 or 1
            Xs, dropped = Xb * np.float32(scale), np.empty_like(Xb)
            for _ in range(self.n_dropout):
                mask = keep_mask(rng, Xb.shape, keep)
                np.multiply(Xs, mask, out=dropped)
                n_dis[c0 : c0 + _CHUNK] += predict(dropped) != yhat
        return n_dis

    def _query(self, X, y, labelled, candidates, batch_size, clf, rng, return_utilities):
        n_dis = self._disagreement(clf, X, candidates, rng)
        unc = candidates[n_dis > self.n_dropout // 2]
        if len(unc) <= batch_size:
            rest = np.setdiff1d(candidates, unc)
            picked = np.concatenate([unc, rng.choice(rest, batch_size - len(unc), replace=False)])
        else:
            picked = self._cluster(np.asarray(X[unc], dtype=np.float32), unc, batch_size, rng)
        rows = utility_rows(batch_size, len(X), return_utilities)
        rows[:, candidates] = n_dis / self.n_dropout
        for b in range(1, batch_size):
            rows[b:, picked[b - 1]] = np.nan
        return picked.astype(np.int64), rows

    def _cluster(self, Xu, unc, batch_size, rng):
        seed = int(rng.integers(2**31 - 1))
        if len(Xu) > self.minibatch_threshold:
            from sklearn.cluster import MiniBatchKMeans

            km = MiniBatchKMeans(batch_size, batch_size=4096, n_init=1, random_state=seed)
            dist = km.fit_transform(Xu)
        else:
            _, dist = kmeans_f32(
                Xu, batch_size, np.random.default_rng(seed), max_iter=100, init="random"
            )
        picked = []
        for k in range(batch_size):
            d = dist[:, k]
            d[picked] = np.inf
            picked.append(int(np.argmin(d)))
        return unc[np.array(picked)]
