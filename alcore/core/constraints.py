"""Parameter constraints in scikit-learn's declarative style, without its private module.

A class declares ``_parameter_constraints`` (parameter name -> list of accepted constraints);
:func:`validate_params` raises :class:`InvalidParameterError` naming the parameter, what it
must be and the value got. A constraint is one of the objects below, a type (an instance of
it is accepted), ``"boolean"`` or ``None`` (``None`` is accepted).
"""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np

__all__ = [
    "Boolean",
    "Float",
    "HasMethods",
    "Int",
    "InvalidParameterError",
    "Satisfies",
    "StrOptions",
    "validate_params",
]


class InvalidParameterError(ValueError, TypeError):
    """A parameter with a value its constraints refuse (both a ValueError and a TypeError,
    as scikit-learn's)."""


class Constraint:
    """One accepted kind of value; ``str()`` completes "must be ..."."""

    def is_satisfied_by(self, value) -> bool:
        raise NotImplementedError


class _Interval(Constraint):
    def __init__(self, kind, low, high, closed: str):
        self.kind, self.low, self.high, self.closed = kind, low, high, closed

    def is_satisfied_by(self, value) -> bool:
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, self.kind):
            return False
        if isinstance(value, Real) and math.isnan(value):
            return False
        left = self.closed in ("left", "both")
        right = self.closed in ("right", "both")
        if self.low is not None and (value < self.low or (value == self.low and not left)):
            return False
        return self.high is None or value < self.high or (value == self.high and right)

    def __str__(self) -> str:
        what = "an int" if self.kind is Integral else "a float"
        lo = "-inf" if self.low is None else self.low
        hi = "inf" if self.high is None else self.high
        left = "[" if self.closed in ("left", "both") and self.low is not None else "("
        right = "]" if self.closed in ("right", "both") and self.high is not None else ")"
        return f"{what} in the range {left}{lo}, {hi}{right}"


def Int(low=None, high=None) -> Constraint:
    """An int (not a bool) in ``[low, high]`` (``None``: unbounded)."""
    return _Interval(Integral, low, high, closed="both")


def Float(low=None, high=None, closed: str = "neither") -> Constraint:
    """A real number (not a bool, not NaN) in ``low..high``, open unless ``closed`` says."""
    return _Interval(Real, low, high, closed=closed)


class StrOptions(Constraint):
    """One of a set of strings."""

    def __init__(self, options):
        self.options = set(options)

    def is_satisfied_by(self, value) -> bool:
        return isinstance(value, str) and value in self.options

    def __str__(self) -> str:
        return "a str among " + str(sorted(self.options))


class HasMethods(Constraint):
    """An object with every one of ``methods`` callable."""

    def __init__(self, methods):
        self.methods = list(methods)

    def is_satisfied_by(self, value) -> bool:
        return all(callable(getattr(value, m, None)) for m in self.methods)

    def __str__(self) -> str:
        return f"an object implementing {', '.join(map(repr, self.methods))}"


class Satisfies(Constraint):
    """A value for which ``predicate`` is true (a value it cannot handle fails);
    ``description`` completes "must be ..."."""

    def __init__(self, predicate, description: str):
        self.predicate, self.description = predicate, description

    def is_satisfied_by(self, value) -> bool:
        try:
            return bool(self.predicate(value))
        except (TypeError, ValueError):
            return False

    def __str__(self) -> str:
        return self.description


class _InstanceOf(Constraint):
    def __init__(self, kind):
        self.kind = kind

    def is_satisfied_by(self, value) -> bool:
        return isinstance(value, self.kind)

    def __str__(self) -> str:
        return f"an instance of {self.kind.__module__}.{self.kind.__qualname__}"


class Boolean(Constraint):
    """A Python or numpy bool."""

    def is_satisfied_by(self, value) -> bool:
        return isinstance(value, (bool, np.bool_))

    def __str__(self) -> str:
        return "an instance of 'bool'"


class _NoneOK(Constraint):
    def is_satisfied_by(self, value) -> bool:
        return value is None

    def __str__(self) -> str:
        return "None"


def _as_constraint(c) -> Constraint:
    if isinstance(c, Constraint):
        return c
    if c is None:
        return _NoneOK()
    if c == "boolean":
        return Boolean()
    if isinstance(c, type):
        return _InstanceOf(c)
    raise TypeError(f"not a parameter constraint: {c!r}")


def validate_params(owner, constraints: dict, values: dict) -> None:
    """Check each of ``values`` against ``constraints[name]``.

    Raises
    ------
    InvalidParameterError
        Naming the parameter, the class ``owner`` and what the value must be.
    KeyError
        For a parameter without declared constraints (a bug of the class).
    """
    for name, value in values.items():
        accepted = [_as_constraint(c) for c in constraints[name]]
        if any(c.is_satisfied_by(value) for c in accepted):
            continue
        must = " or ".join(str(c) for c in accepted)
        raise InvalidParameterError(
            f"The {name!r} parameter of {owner} must be {must}. Got {value!r} instead."
        )
