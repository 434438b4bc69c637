"""What the cache holds: the tables of the "Data and encoders" chapter.

:func:`embedding_table` lists every cached embedding (from the JSON sidecars, so it loads no
array); :func:`throughput_table` measures each encoder's speed on this machine;
:func:`fig_class_balance` draws the class shares of each dataset.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pandas as pd

from .paths import home

__all__ = ["embedding_table", "throughput_table", "fig_class_balance"]


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
            rows.append(dict(dataset=cfg["dataset"], encoder=cfg.get("encoder", side.parent.name),
                             split=cfg["split"], n_texts=meta["n_texts"], dim=meta["shape"][1],
                             seconds=meta.get("seconds"), texts_per_second=meta.get("texts_per_second"),
                             device=meta.get("device"), created=meta.get("created"),
                             path=str(side.with_suffix(".npy"))))
        except (OSError, ValueError, KeyError, IndexError, TypeError):
            continue
    cols = ["dataset", "encoder", "split", "n_texts", "dim", "seconds", "texts_per_second",
            "device", "created", "path"]
    df = pd.DataFrame(rows, columns=cols)
    # the newest entry wins where a config changed and an older file is still there
    return df.sort_values("created").drop_duplicates(["dataset", "encoder", "split"], keep="last") \
             .sort_values(["dataset", "encoder", "split"]).reset_index(drop=True)


def throughput_table(encoders, texts, *, batch_size=None, progress=True) -> pd.DataFrame:
    """Measure each encoder's texts per second on ``texts`` (loading time reported apart).

    Returns one row per encoder: encoder, dim, load_seconds, texts_per_second, n_texts.
    """
    from tqdm.auto import tqdm

    from .embed import get_encoder, measure_throughput

    rows = []
    for name in tqdm(list(encoders), desc="throughput", disable=not progress):
        enc = get_encoder(name)
        start = time.perf_counter()
        enc.load()
        load_seconds = time.perf_counter() - start
        tps = measure_throughput(enc, texts, batch_size=batch_size)
        dim = enc.encode(list(texts[:1]), progress=False).shape[1]
        rows.append(dict(encoder=name, dim=dim, load_seconds=round(load_seconds, 2),
                         texts_per_second=round(tps, 1), n_texts=len(texts)))
    return pd.DataFrame(rows)


def fig_class_balance(datasets):
    """Share of each class per dataset, classes sorted by size (one line per dataset).

    Parameters
    ----------
    datasets : list of TextDataset

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.6))
    for ds in datasets:
        counts = np.bincount(ds.labels("train"), minlength=len(ds.classes))
        share = np.sort(counts)[::-1] / counts.sum()
        ax.plot(np.arange(1, len(share) + 1), share, marker="o", ms=3, label=ds.name)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("class rank (largest first)")
    ax.set_ylabel("share of training rows")
    ax.set_title("Class balance of the offline datasets (alcore.catalog.fig_class_balance)")
    ax.legend(fontsize=8, ncol=2)
    fig.tight_layout()
    return fig
