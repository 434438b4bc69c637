"""The classifier the AL cycle falls back to while its labelled pool holds a single class."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

__all__ = ["ConstantClassifier"]


class ConstantClassifier(ClassifierMixin, BaseEstimator):
    """Predicts the single class of its training labels, over the full class set.

    Parameters
    ----------
    n_classes : int
        Size of the full class set ``0..n_classes-1``; ``predict_proba`` has that many columns.
    """

    def __init__(self, n_classes=2):
        self.n_classes = n_classes

    def fit(self, X, y):
        """Remember the (single) most frequent label of ``y``."""
        y = np.asarray(y).astype(np.int64)
        if y.size == 0:
            raise ValueError("ConstantClassifier needs at least one labelled sample")
        self.classes_ = np.arange(self.n_classes)
        self.constant_ = int(np.bincount(y, minlength=self.n_classes).argmax())
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def predict_proba(self, X):
        """One-hot rows on the constant class, shape ``(n_samples, n_classes)``."""
        proba = np.zeros((len(X), self.n_classes))
        proba[:, self.constant_] = 1.0
        return proba

    def predict(self, X):
        """The constant class for every sample."""
        return np.full(len(X), self.constant_, dtype=np.int64)
