"""The value checks of a grid YAML: keys, integers in range, lists of names, pool caps.

Every check raises ``ValueError`` (or :class:`~alcore.core.errors.UnknownNameError`) naming
the key and what to write instead, so a grid is refused before any work.
"""

from __future__ import annotations

from alcore.core.checks import did_you_mean, is_int
from alcore.core.errors import UnknownNameError

__all__ = [
    "CYCLES_MAX",
    "SEED_MAX",
    "SIZE_MAX",
    "as_mapping",
    "cap_for",
    "check_cap",
    "check_int",
    "check_keys",
    "int_list",
    "str_list",
]

#: seeds feed numpy's SeedSequence and are stored as int64: 32 bits is plenty and safe
SEED_MAX = 2**32 - 1
#: each cycle refits the classifier; beyond this a typo (1000000) is far likelier than intent
CYCLES_MAX = 1000
#: pool sizes, budgets, k0 and caps: int64-safe and far above any pool
SIZE_MAX = 2**31 - 1


def check_keys(mapping, valid, where) -> None:
    """Refuse keys of ``mapping`` not in ``valid``, naming the closest valid key."""
    for key in mapping:
        if key not in valid:
            raise ValueError(
                f"unknown key {key!r} in {where}.{did_you_mean(key, valid)} "
                f"Valid keys: {', '.join(map(str, valid))}."
            )


def check_int(value, name: str, lo: int, hi: int) -> int:
    """``value`` as an int in ``[lo, hi]``; booleans, floats and strings are refused.

    A quoted number (``"500"``) gets a message saying to drop the quotes.
    """
    if isinstance(value, str):
        text = value.strip()
        looks = text.lstrip("+-").replace("e", "").replace(".", "").isdigit()
        hint = f"; write {text} without quotes" if looks else ""
        raise ValueError(f"{name} must be an integer, got the string {value!r}{hint}")
    if not is_int(value):
        raise ValueError(
            f"{name} must be an integer in [{lo}, {hi}], got {value!r} ({type(value).__name__})"
        )
    if not lo <= value <= hi:
        raise ValueError(f"{name} must be in [{lo}, {hi}], got {value}")
    return int(value)


def str_list(value, name, valid=None) -> list:
    """A list of names; ``"all"`` (for strategies and IPS) is every valid name, in order."""
    if value == "all" and valid is not None:
        return list(valid)
    items = value if isinstance(value, list) else [value]
    if not items:
        raise ValueError(f"{name} must not be empty")
    for item in items:
        if not isinstance(item, str):
            raise ValueError(f"{name} must be a list of names (strings), got {item!r} in {value!r}")
        if valid is not None and item not in valid:
            raise UnknownNameError(name.rsplit(".", 1)[-1].rstrip("s"), item, valid)
    return list(dict.fromkeys(items))


def int_list(value, name, lo, hi, allow=()) -> list:
    items = value if isinstance(value, list) else [value]
    if not items:
        raise ValueError(f"{name} must not be empty")
    return list(
        dict.fromkeys(v if v in allow else check_int(v, f"{name} entry", lo, hi) for v in items)
    )


def as_mapping(value, name) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError(f"{name} must be a mapping, got {value!r}")
    return value


def cap_for(pool_cap, dataset):
    if isinstance(pool_cap, dict):
        return pool_cap.get(dataset)
    return pool_cap


def check_cap(pool_cap, datasets, name):
    """``None``, an int >= 2, or a mapping from datasets of the grid to such ints."""
    if pool_cap is None:
        return None
    if isinstance(pool_cap, dict):
        check_keys(pool_cap, datasets, f"{name} (keys are datasets of the grid)")
        return {d: check_int(v, f"{name}.{d}", 2, SIZE_MAX) for d, v in pool_cap.items()}
    return check_int(pool_cap, name, 2, SIZE_MAX)
