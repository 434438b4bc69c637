"""What the cache holds: the tables of the "Data and encoders" chapter and of Table 4.

:func:`embedding_table` lists every cached embedding (from the JSON sidecars, so it loads no
array; the one reader of the embedding cache for the report); :func:`embedding_runtime_table`
sums its embedding times per encoder and dataset (paper Table 4); :func:`throughput_table`
measures each encoder's speed on this machine. The class-balance figure is
:func:`alcore.report.plots.class_balance`.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pandas as pd

from alcore.core.paths import home
from alcore.embedding.embed import get_encoder, measure_throughput

__all__ = ["embedding_runtime_table", "embedding_table", "throughput_table"]


def embedding_table(root: Path | str | None = None) -> pd.DataFrame:
    """One row per cached embedding (dataset, encoder, split).

    Columns: dataset, encoder, split, n_texts, dim, seconds, texts_per_second, device,
    created, path. Unreadable sidecars are skipped (the embedding cache reports and recomputes
    them when they are next used).
    """
    root = Path(root) if root else home() / "embeddings"
    rows = []
    for side in sorted(root.glob("*/*/*.json")):
        try:
            meta = json.loads(side.read_text())
            cfg = meta["config"]
            rows.append(
                dict(
                    dataset=cfg["dataset"],
                    encoder=cfg.get("encoder", side.parent.name),
                    split=cfg["split"],
                    n_texts=meta["n_texts"],
                    dim=meta["shape"][1],
                    seconds=meta.get("seconds"),
                    texts_per_second=meta.get("texts_per_second"),
                    device=meta.get("device"),
                    created=meta.get("created"),
                    path=str(side.with_suffix(".npy")),
                )
            )
        except (OSError, ValueError, KeyError, IndexError, TypeError):
            continue
    cols = [
        "dataset",
        "encoder",
        "split",
        "n_texts",
        "dim",
        "seconds",
        "texts_per_second",
        "device",
        "created",
        "path",
    ]
    df = pd.DataFrame(rows, columns=cols)
    # the newest entry wins where a config changed and an older file is still there
    return (
        df.sort_values("created")
        .drop_duplicates(["dataset", "encoder", "split"], keep="last")
        .sort_values(["dataset", "encoder", "split"])
        .reset_index(drop=True)
    )


def embedding_runtime_table(embeddings: pd.DataFrame) -> pd.DataFrame:
    """Embedding wall time per encoder and dataset, both splits summed (paper Table 4).

    ``embeddings`` is :func:`embedding_table`'s table (or any with ``dataset, encoder,
    seconds, n_texts``). Returns encoders x datasets seconds plus ``total`` (the encoder's
    seconds over all datasets, as the paper's Table 4 totals each model) and a
    ``texts_per_second`` column over all their texts.
    """
    missing = sorted({"dataset", "encoder", "seconds", "n_texts"} - set(embeddings.columns))
    if missing:
        raise ValueError(f"embeddings lack the column(s) {missing}; pass catalog.embedding_table()")
    s = embeddings.dropna(subset=["seconds"])
    table = s.pivot_table(index="encoder", columns="dataset", values="seconds", aggfunc="sum")
    tot = s.groupby("encoder")[["seconds", "n_texts"]].sum()
    table["total"] = tot["seconds"]
    table["texts_per_second"] = tot["n_texts"] / tot["seconds"].where(tot["seconds"] > 0)
    return table


def throughput_table(encoders, texts, *, batch_size=None, progress=True) -> pd.DataFrame:
    """Measure each encoder's texts per second on ``texts`` (loading time reported apart).

    Returns one row per encoder: encoder, dim, load_seconds, texts_per_second, n_texts.
    """
    from tqdm.auto import tqdm

    rows = []
    for name in tqdm(list(encoders), desc="throughput", disable=not progress):
        enc = get_encoder(name)
        start = time.perf_counter()
        enc.load()
        load_seconds = time.perf_counter() - start
        tps = measure_throughput(enc, texts, batch_size=batch_size)
        dim = enc.encode(list(texts[:1]), progress=False).shape[1]
        rows.append(
            dict(
                encoder=name,
                dim=dim,
                load_seconds=round(load_seconds, 2),
                texts_per_second=round(tps, 1),
                n_texts=len(texts),
            )
        )
    return pd.DataFrame(rows)
