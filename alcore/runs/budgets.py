"""The budget ``B`` of any dataset: the registry's, the user's number, or the budget rule's."""

from __future__ import annotations

from alcore.core.checks import is_int
from alcore.core.paths import atomic_write_json
from alcore.data.fingerprint import _user_fingerprint
from alcore.data.records import _log, _read_entry, user_dir
from alcore.data.registry import get_spec
from alcore.embedding.embed import load_embeddings
from alcore.engine.budget import derive_budget

__all__ = ["dataset_budget"]


def dataset_budget(name: str) -> int:
    """The budget ``B`` of a dataset.

    The registry's budget (Table 2 for the ActiveGLAE sets, the calibrated rule's for the
    offline sets), a user dataset's number, or, for a user dataset registered with
    ``budget="rule"`` (or none), the budget rule (:func:`alcore.engine.budget.derive_budget` on
    glove50 embeddings), computed once per content fingerprint and kept in its record.

    Raises
    ------
    UnknownNameError
        For an unknown name.
    ValueError
        For a registry dataset without a known budget.
    """
    spec = get_spec(name)
    if spec.source != "file":
        if spec.budget is None:
            raise ValueError(f"dataset {name!r} has no known budget; give budget as an int")
        return int(spec.budget)
    entry = _read_entry(name)
    if is_int(entry.get("budget")):
        return int(entry["budget"])
    fingerprint = _user_fingerprint(name, entry)
    entry = _read_entry(name)
    if entry.get("rule_fingerprint") == fingerprint and is_int(entry.get("rule_budget")):
        return int(entry["rule_budget"])
    _log(f"deriving the budget of {name!r} with the budget rule (glove50 learning curve)")
    res = derive_budget(load_embeddings(name, "glove50", progress=False))
    entry.update(rule_budget=int(res["budget"]), rule_fingerprint=fingerprint)
    atomic_write_json(user_dir() / f"{name}.json", entry)
    return int(res["budget"])
