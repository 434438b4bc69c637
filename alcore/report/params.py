"""Check the parameters of a report notebook (the cell tagged ``parameters``).

Each notebook calls :func:`check_params` in the cell right after its parameters cell, so a
wrong-typed value (``papermill -p seeds 3``) stops the notebook at once with a message that
names the parameter and the expected type, instead of failing cells later.

papermill's ``-p`` passes a value that is not a number, ``True``/``False`` or ``None`` as a
string; a list parameter given as a JSON list string (``-p datasets '["trec6"]'``) is
therefore parsed here. ``-y 'datasets: [trec6]'`` passes a real list.
"""

from __future__ import annotations

import json
import os
from numbers import Real

from alcore.core.checks import is_int

__all__ = ["NOTEBOOK_PARAMS", "check_params"]


def _list_of(kind):
    def check(v):
        if isinstance(v, str) and v.lstrip().startswith("["):
            try:
                v = json.loads(v)
            except json.JSONDecodeError:
                return False, v
        if isinstance(v, tuple):
            v = list(v)
        ok = v is None or (
            isinstance(v, list)
            and all(is_int(x) if kind is int else isinstance(x, kind) for x in v)
        )
        return ok, v

    return check


def _check(pred):
    return lambda v: (bool(pred(v)), v)


#: name -> (expected, checker returning (ok, normalised value))
NOTEBOOK_PARAMS = {
    "profile": ("a profile name (str), e.g. 'quick'", _check(lambda v: isinstance(v, str) and v)),
    "store": (
        "None or a directory path (str)",
        _check(lambda v: v is None or isinstance(v, (str, os.PathLike))),
    ),
    "datasets": ("None or a list of dataset names (list of str)", _list_of(str)),
    "encoders": ("None or a list of encoder names (list of str)", _list_of(str)),
    "strategies": ("None or a list of strategy names (list of str)", _list_of(str)),
    "seeds": ("None or a list of seeds (list of int)", _list_of(int)),
    "tol": (
        "a number >= 0 (float)",
        _check(lambda v: isinstance(v, Real) and not isinstance(v, bool) and v >= 0),
    ),
    "random_state": ("an int >= 0", _check(lambda v: is_int(v) and v >= 0)),
    "throughput_texts": ("an int >= 1", _check(lambda v: is_int(v) and v >= 1)),
    "live_widget": ("True or False", _check(lambda v: isinstance(v, bool))),
}


def check_params(**params) -> dict:
    """Validate notebook parameters; return them (JSON list strings parsed into lists).

    Parameters
    ----------
    **params
        The values of the notebook's parameters cell, by name (names of
        :data:`NOTEBOOK_PARAMS`).

    Returns
    -------
    dict
        The same names with their checked (and, for list strings, parsed) values.

    Raises
    ------
    TypeError
        A value of the wrong type; the message names the parameter, the expected type and
        the value received.
    ValueError
        An unknown parameter name.
    """
    out = {}
    for name, value in params.items():
        if name not in NOTEBOOK_PARAMS:
            raise ValueError(
                f"unknown notebook parameter {name!r}; known: {', '.join(sorted(NOTEBOOK_PARAMS))}"
            )
        expected, check = NOTEBOOK_PARAMS[name]
        ok, value_out = check(value)
        if not ok:
            hint = f" (papermill: -y '{name}: [a, b]' passes a list)" if "list" in expected else ""
            raise TypeError(
                f"notebook parameter {name!r} must be {expected}, got {value!r} "
                f"({type(value).__name__}). Fix it in the parameters cell or on the "
                f"papermill command line{hint}."
            )
        out[name] = value_out
    return out
