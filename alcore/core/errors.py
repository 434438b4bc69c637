"""The errors alcore raises for bad input: each says what is wrong and what to do."""

from __future__ import annotations

from alcore.core.checks import did_you_mean


class UnknownNameError(KeyError, ValueError):
    """An unknown dataset, encoder, strategy or profile name.

    The message lists the valid names and the closest match.
    """

    def __init__(self, kind: str, name: str, valid):
        valid = sorted(valid)
        hint = did_you_mean(name, valid)
        self.kind, self.name, self.valid = kind, name, valid
        msg = f"unknown {kind} {name!r}.{hint} Valid {kind} names: {', '.join(valid)}."
        super().__init__(msg)

    def __str__(self) -> str:  # KeyError would repr() the message
        return self.args[0]


class OfflineError(RuntimeError):
    """Something needs the network (the Hugging Face Hub) and it cannot be reached."""


def check_finite(X, what: str = "embeddings"):
    """Raise ``ValueError`` if ``X`` holds NaN or Inf, naming how many rows do."""
    import numpy as np

    X = np.asarray(X)
    if X.size and not np.isfinite(X).all():
        bad = ~np.isfinite(X).reshape(len(X), -1).all(axis=1)
        raise ValueError(
            f"{what} contain NaN or Inf in {int(bad.sum())} of {len(X)} rows "
            f"(first at row {int(np.flatnonzero(bad)[0])}). Re-embed them (delete the cache "
            "entry or pass recompute=True) or drop those rows before active learning."
        )
    return X
