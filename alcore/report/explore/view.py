"""One view of the explorer: the data of its three panels and the notes under them.

``view.js`` mirrors :func:`explorer_data`, :func:`view_notes` and :func:`explorer_csv` line by
line, so that the static page shows what Python computes.
"""

from __future__ import annotations

import numpy as np
from matplotlib.colors import to_hex

from alcore.report.explore.table import METRICS, RANGES, RANK_BY
from alcore.report.plots import order_names, strategy_colors

__all__ = ["SCALE", "explorer_csv", "explorer_data", "view_notes"]

SCALE = 10_000  # the table keeps 4 decimals; the page stores value * SCALE as int16
MISSING = -32768  # int16 code of NaN in the page


def seed_columns(table):
    """The ``peak_seed<k>`` columns of an :func:`explorer_table`."""
    return [c for c in table.columns if c.startswith("peak_seed")]


def colors(names):
    """Hex colour per strategy, the matplotlib figures' colours."""
    pal = strategy_colors(names)
    return {n: to_hex(pal[n]) for n in names}


def options(table):
    """The values each control offers, in the report's order."""
    return {
        "dataset": sorted(table["dataset"].unique()),
        "encoder": sorted(table["encoder"].unique()),
        "ips": order_names(table["ips"].unique()),
        "strategy": order_names(table["strategy"].unique()),
    }


def check_view(table, dataset, encoder, ips, strategies, metric, share, rank_by):
    """The chosen strategies in the report's order; ValueError naming the valid values."""
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {list(METRICS)}, got {metric!r}")
    if rank_by not in RANK_BY:
        raise ValueError(f"rank_by must be one of {list(RANK_BY)}, got {rank_by!r}")
    if not 0 < share <= 1.5:
        raise ValueError(f"share must lie in (0, 1.5], got {share}")
    opts = options(table)
    for col, val in (("dataset", dataset), ("encoder", encoder), ("ips", ips)):
        if val not in opts[col]:
            raise ValueError(f"{col} {val!r} is not in the table; it holds {opts[col]}")
    strategies = list(opts["strategy"] if strategies is None else strategies)
    bad = [s for s in strategies if s not in opts["strategy"]]
    if bad:
        raise ValueError(f"strategies {bad} are not in the table; it holds {opts['strategy']}")
    return [s for s in opts["strategy"] if s in strategies]


def _clip(v, metric):
    lo, hi = RANGES[metric]
    return float(min(max(v, lo), hi))


def explorer_data(
    table, dataset, encoder, ips, strategies=None, metric="accuracy", share=0.95, rank_by="final"
):
    """The data of one view of the explorer (what the page's JavaScript computes too).

    Parameters
    ----------
    table : DataFrame
        :func:`explorer_table`'s output.
    dataset, encoder, ips : str
        The slice to show.
    strategies : list of str or None
        Strategies to show (None: all in the table), drawn in the report's order.
    metric : {"accuracy", "macro_f1", "gain"}
    share : float
        Labels needed to reach this share of the full-data accuracy.
    rank_by : {"final", "aulc"}
        Rank on the last cycle's ``metric`` or on the area under its learning curve.

    Returns
    -------
    dict
        ``curves`` (per strategy: ``xs, ys, lo, hi`` lists (mean and seed range),
        ``band_xs, band_ys`` polygons, ``strategy, color``), ``ranking`` (``strategy, mean,
        lo, hi, seeds, color``, best first; the CI is clipped to the metric's range
        (:data:`RANGES`) and collapses to the mean with one seed), ``reach`` (``strategy,
        labels`` (mean over the seeds that reach the share, NaN if none), ``reached, seeds,
        text, color``), ``target`` (the full-data accuracy and the share, or NaN) and
        ``notes`` (:func:`view_notes`).
    """
    strategies = check_view(table, dataset, encoder, ips, strategies, metric, share, rank_by)
    palette = colors(options(table)["strategy"])
    sub = table[
        (table["dataset"] == dataset) & (table["encoder"] == encoder) & (table["ips"] == ips)
    ].sort_values("cycle")
    curves = {k: [] for k in ("xs", "ys", "lo", "hi", "band_xs", "band_ys", "strategy", "color")}
    ranking = {k: [] for k in ("strategy", "mean", "lo", "hi", "seeds", "color")}
    reach = {k: [] for k in ("strategy", "labels", "reached", "seeds", "text", "color")}
    need = round(share * SCALE)
    key = ("aulc_" if rank_by == "aulc" else "") + metric
    for s in strategies:
        rows = sub[sub["strategy"] == s]
        if rows.empty:
            continue
        ok = rows[f"{metric}_mean"].notna()
        xs = rows.loc[ok, "n_labelled"].astype(float).tolist()
        ys, lo, hi = (rows.loc[ok, f"{metric}_{p}"].tolist() for p in ("mean", "min", "max"))
        if xs:
            for k, v in (
                ("xs", xs),
                ("ys", ys),
                ("lo", lo),
                ("hi", hi),
                ("band_xs", xs + xs[::-1]),
                ("band_ys", hi + lo[::-1]),
                ("strategy", s),
                ("color", palette[s]),
            ):
                curves[k].append(v)
        last = rows.iloc[-1]
        mean = last[f"{key}_mean"]
        if np.isfinite(mean):
            lo_, hi_ = last[f"{key}_lo"], last[f"{key}_hi"]
            ranking["strategy"].append(s)
            ranking["mean"].append(float(mean))
            ranking["lo"].append(_clip(lo_ if np.isfinite(lo_) else mean, metric))
            ranking["hi"].append(_clip(hi_ if np.isfinite(hi_) else mean, metric))
            ranking["seeds"].append(int(last["n_seeds"]))
            ranking["color"].append(palette[s])
        labels, seeds = [], 0
        for col in seed_columns(rows):
            peak = rows[col].to_numpy(dtype=float)
            if np.isnan(peak).all():
                continue
            seeds += 1
            # integer codes, as in the page: no float32/float64 disagreement at the boundary
            hit = np.flatnonzero(np.nan_to_num(np.round(peak * SCALE), nan=MISSING) >= need)
            if len(hit):
                labels.append(float(rows["n_labelled"].iloc[hit[0]]))
        mean_labels = float(np.mean(labels)) if labels else float("nan")
        reach["strategy"].append(s)
        reach["labels"].append(mean_labels)
        reach["reached"].append(len(labels))
        reach["seeds"].append(seeds)
        reach["text"].append(reach_text(mean_labels, len(labels), seeds))
        reach["color"].append(palette[s])
    order = sorted(range(len(ranking["strategy"])), key=lambda i: -ranking["mean"][i])
    ranking = {k: [v[i] for i in order] for k, v in ranking.items()}
    full = sub["full_accuracy"].iloc[0] if len(sub) else float("nan")
    target = {"full_accuracy": float(full), "share": float(share)}
    view = {"curves": curves, "ranking": ranking, "reach": reach, "target": target}
    view["notes"] = view_notes(view, dataset, encoder, ips, metric, bool(strategies))
    return view


def reach_text(labels, reached, seeds):
    """The label beside a bar of the "labels to reach" panel."""
    if reached == 0:
        return "not reached"
    text = f"{labels:.0f}"
    return text if reached == seeds else f"{text} ({reached}/{seeds})"


def target_text(target):
    """The line under the panels: the full-data accuracy and the target share of it."""
    full, share = target["full_accuracy"], target["share"]
    if not np.isfinite(full):
        return "No full-data accuracy for this dataset and encoder."
    return f"Full-data accuracy {full:.3f}; target {share:.0%} of it = {share * full:.3f}."


def view_notes(view, dataset, encoder, ips, metric, chosen=True):
    """Why a panel is empty, and how far to trust the intervals, as sentences (a str)."""
    if not chosen:
        return "Pick at least one strategy."
    if not view["curves"]["strategy"]:
        return (
            f"The store holds no runs of these strategies on {dataset} with {encoder} "
            f"from a {ips} initial pool."
        )
    notes = []
    seeds = view["ranking"]["seeds"]
    few = min(seeds) if seeds else 0
    if few == 1:
        notes.append("One seed: the ranking shows no interval, only the one run.")
    elif few == 2:
        lo, hi = RANGES[metric]
        notes.append(
            f"Only 2 seeds: a 95% t-interval from 2 seeds is very wide (t = 12.7), so the "
            f"ranking's intervals are clipped to the metric's range [{lo:g}, {hi:g}]."
        )
    reach = view["reach"]
    if reach["strategy"] and not any(reach["reached"]):
        share = view["target"]["share"]
        notes.append(
            f"No strategy reaches {share:.0%} of the full-data accuracy within the budget "
            "of these runs: the labels-to-reach panel is empty."
        )
    return " ".join(notes)


def explorer_csv(view, metric="accuracy"):
    """The shown learning curves as CSV text (what the page's download button saves)."""
    lab = metric
    lines = [f"strategy,labelled_samples,{lab}_mean,{lab}_seed_min,{lab}_seed_max"]
    c = view["curves"]
    for s, xs, ys, lo, hi in zip(c["strategy"], c["xs"], c["ys"], c["lo"], c["hi"]):
        for row in zip(xs, ys, lo, hi):
            lines.append(f"{s},{row[0]:.0f}," + ",".join(f"{v:.4f}" for v in row[1:]))
    return "\n".join(lines) + "\n"
