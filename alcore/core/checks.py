"""Checks shared by every layer: integers, "did you mean" hints and random states."""

from __future__ import annotations

import difflib
from numbers import Integral

import numpy as np

__all__ = ["check_random_state", "did_you_mean", "is_int"]


def is_int(value) -> bool:
    """True for a Python or numpy integer; False for a bool (``True`` is an ``Integral``)."""
    return isinstance(value, Integral) and not isinstance(value, (bool, np.bool_))


def did_you_mean(name, valid) -> str:
    """``" Did you mean 'x'?"`` for the closest of ``valid`` to ``name``, else ``""``."""
    close = difflib.get_close_matches(str(name), [str(v) for v in valid], n=1)
    return f" Did you mean {close[0]!r}?" if close else ""


def check_random_state(random_state) -> np.random.Generator:
    """A ``np.random.Generator`` from an int, None, a Generator or a legacy ``RandomState``.

    A Generator is returned as it is (so the caller's stream advances); a ``RandomState``
    contributes one drawn integer; an int or None seeds a new Generator.
    """
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(0, 2**31 - 1))
    return np.random.default_rng(random_state)
