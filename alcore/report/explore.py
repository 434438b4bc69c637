"""The results explorer: one small table, one view, drawn by Bokeh in the static book and in
Jupyter.

:func:`explorer_table` condenses the results store into one row per (dataset, encoder,
initial pool, strategy, cycle): the mean, seed range and confidence interval of accuracy,
macro-F1 and the accuracy gain over Random (paired by seed), the running area under the
learning curve, and each seed's best accuracy so far as a share of the full-data accuracy
(what "labels needed to reach X %" needs). :func:`explorer_data` selects one view from it
(learning curves with their seed range, the final ranking with CIs, labels to reach a share of
full-data accuracy); :func:`explorer_figure` draws that view, :func:`explorer_html` makes a
server-free page whose controls run the same selection in JavaScript (``_VIEW_JS`` mirrors
:func:`explorer_data` line by line, with BokehJS inlined: the page loads nothing from outside
itself) and :func:`explorer_widget` puts ``ipywidgets`` controls on :func:`explorer_figure`
in a live kernel.
"""

from __future__ import annotations

import numpy as np

from alcore.science import analysis as A
from alcore.science import stats as S

__all__ = [
    "METRICS",
    "explorer_data",
    "explorer_figure",
    "explorer_html",
    "explorer_table",
    "explorer_widget",
    "page_weight",
    "table_bytes",
]

KEYS = ["dataset", "encoder", "ips", "strategy"]
#: metric -> label; ``gain`` is accuracy minus Random's accuracy, paired by seed
METRICS = {"accuracy": "accuracy", "macro_f1": "macro-F1", "gain": "accuracy gain over Random"}
RANK_BY = {"final": "last cycle", "aulc": "area under the learning curve"}
SCALE = 10_000  # the table keeps 4 decimals; the page stores value * SCALE as int16
MISSING = -32768  # int16 code of NaN in the page
_CURVE = [f"{m}_{s}" for m in METRICS for s in ("mean", "min", "max")]
_RANK = [f"{p}{m}_{s}" for p in ("", "aulc_") for m in METRICS for s in ("mean", "lo", "hi")]


def _t_ci(g, ci):
    """Mean, lo, hi of a Student-t interval over the seeds (NaN bounds with one seed)."""
    mean = g.mean()
    lo, hi = S.t_interval(mean, g.std(ddof=1), g.count(), ci)
    return mean, type(mean)(lo, index=mean.index), type(mean)(hi, index=mean.index)


def explorer_table(results, upper_bounds, ci=0.95):
    """One row per (dataset, encoder, ips, strategy, cycle): what the explorer shows.

    Parameters
    ----------
    results : DataFrame
        The store's tidy table (:func:`alcore.runs.store.load_results`); only the active-learning
        runs (``cycles > 0``) are used.
    upper_bounds : DataFrame
        ``dataset, encoder, accuracy`` (:func:`alcore.runs.store.load_upper_bounds`).
    ci : float
        Level of the Student-t confidence intervals over seeds.

    Returns
    -------
    DataFrame
        ``dataset, encoder, ips, strategy, cycle, n_labelled, n_seeds, full_accuracy``; for
        each metric ``m`` in :data:`METRICS`: ``m_mean, m_min, m_max`` (over seeds), ``m_lo,
        m_hi`` (CI of the mean), ``aulc_m_mean, aulc_m_lo, aulc_m_hi`` (area under each
        seed's curve from cycle 0 to this cycle, normalised as `analysis.aulc`);
        and ``peak_seed<k>`` per seed ``k``: that seed's best accuracy up to this cycle divided
        by the full-data accuracy (NaN where the run is missing). Values are rounded to 4
        decimals, far below the seed noise. ``gain`` is NaN where Random has no paired run.
    """
    if not 0 < ci < 1:
        raise ValueError(f"ci must lie in (0, 1), got {ci}")
    al = A.al_part(results)
    A._check(al, ["cycle", "n_labelled", "accuracy", "macro_f1"])
    A._check(upper_bounds, ["dataset", "encoder", "accuracy"], "upper_bounds")
    per = al.groupby(KEYS + ["seed", "cycle"], observed=True)[
        ["n_labelled", "accuracy", "macro_f1"]
    ].mean()
    no_strat = per.index.droplevel("strategy")
    if "random" in per.index.get_level_values("strategy"):
        rnd = per.xs("random", level="strategy")["accuracy"]
        per["gain"] = per["accuracy"].to_numpy() - rnd.reindex(no_strat).to_numpy()
    else:  # no Random runs to pair with
        per["gain"] = np.nan
    per = per.reset_index().sort_values(KEYS + ["seed", "cycle"], ignore_index=True)

    # running trapezoid of each seed's curve over n_labelled, divided by the label range
    run = per.groupby(KEYS + ["seed"], observed=True, sort=False)
    dx = run["n_labelled"].diff()
    span = per["n_labelled"] - run["n_labelled"].transform("first")
    for m in METRICS:
        area = (dx * (per[m] + run[m].shift()) / 2).fillna(0.0)
        per[f"aulc_{m}"] = area.groupby(
            [per[k] for k in KEYS + ["seed"]], observed=True
        ).cumsum() / span.where(span > 0)
        per[f"aulc_{m}"] = per[f"aulc_{m}"].fillna(per[m])
    ub = upper_bounds.groupby(["dataset", "encoder"])["accuracy"].mean().rename("full_accuracy")
    per = per.join(ub, on=["dataset", "encoder"])
    per["peak"] = (
        (per["accuracy"] / per["full_accuracy"])
        .groupby([per[k] for k in KEYS + ["seed"]], observed=True)
        .cummax()
    )

    g = per.groupby(KEYS + ["cycle"], observed=True)
    out = g[["n_labelled", "full_accuracy"]].mean()
    out.insert(1, "n_seeds", g["accuracy"].count())
    for m in METRICS:
        out[f"{m}_mean"], out[f"{m}_lo"], out[f"{m}_hi"] = _t_ci(g[m], ci)
        out[f"{m}_min"], out[f"{m}_max"] = g[m].min(), g[m].max()
    for m in METRICS:
        out[f"aulc_{m}_mean"], out[f"aulc_{m}_lo"], out[f"aulc_{m}_hi"] = _t_ci(g[f"aulc_{m}"], ci)
    peaks = per.pivot_table(
        index=KEYS + ["cycle"], columns="seed", values="peak", aggfunc="first", observed=True
    )
    for seed in peaks.columns:
        out[f"peak_seed{seed}"] = peaks[seed]
    stats = [f"{m}_{s}" for m in METRICS for s in ("mean", "min", "max", "lo", "hi")]
    aulcs = [f"aulc_{m}_{s}" for m in METRICS for s in ("mean", "lo", "hi")]
    out = out[
        ["n_labelled", "n_seeds", "full_accuracy"]
        + stats
        + aulcs
        + [f"peak_seed{seed}" for seed in peaks.columns]
    ]
    out = out.reset_index()
    out["n_labelled"] = out["n_labelled"].round().astype("int64")
    out["n_seeds"] = out["n_seeds"].astype("int64")
    num = out.select_dtypes(include="float").columns
    out[num] = out[num].round(4)
    for k in KEYS:
        out[k] = out[k].astype(str)
    return out


def table_bytes(table):
    """Bytes the explorer table takes in memory (pandas, strings included)."""
    return int(table.memory_usage(index=True, deep=True).sum())


def page_weight(html):
    """Kilobytes of an :func:`explorer_html` page: ``total_kb``, ``bokehjs_kb`` (the inlined
    BokehJS bundles) and ``data_kb`` (the serialised document: table, figures, controls)."""
    import re

    scripts = re.findall(r"<script[^>]*>(.*?)</script>", html, flags=re.DOTALL)
    js = sum(len(s.encode()) for s in scripts if s.lstrip().startswith("/* BEGIN bokeh"))
    doc = sum(
        len(s.encode())
        for s in re.findall(
            r"<script type=\"application/json\"[^>]*>(.*?)</script>", html, flags=re.DOTALL
        )
    )
    return {"total_kb": len(html.encode()) / 1024, "bokehjs_kb": js / 1024, "data_kb": doc / 1024}


def _seed_columns(table):
    return [c for c in table.columns if c.startswith("peak_seed")]


def _order(names):
    from alcore.report.plots import _order as order

    return order(names)


def _colors(names):
    from matplotlib.colors import to_hex

    from alcore.report.plots import strategy_colors

    pal = strategy_colors(names)
    return {n: to_hex(pal[n]) for n in names}


def _options(table):
    """The values each control offers, in the report's order."""
    return {
        "dataset": sorted(table["dataset"].unique()),
        "encoder": sorted(table["encoder"].unique()),
        "ips": _order(table["ips"].unique()),
        "strategy": _order(table["strategy"].unique()),
    }


def _check_view(table, dataset, encoder, ips, strategies, metric, share, rank_by):
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {list(METRICS)}, got {metric!r}")
    if rank_by not in RANK_BY:
        raise ValueError(f"rank_by must be one of {list(RANK_BY)}, got {rank_by!r}")
    if not 0 < share <= 1.5:
        raise ValueError(f"share must lie in (0, 1.5], got {share}")
    opts = _options(table)
    for col, val in (("dataset", dataset), ("encoder", encoder), ("ips", ips)):
        if val not in opts[col]:
            raise ValueError(f"{col} {val!r} is not in the table; it holds {opts[col]}")
    strategies = list(opts["strategy"] if strategies is None else strategies)
    bad = [s for s in strategies if s not in opts["strategy"]]
    if bad:
        raise ValueError(f"strategies {bad} are not in the table; it holds {opts['strategy']}")
    return [s for s in opts["strategy"] if s in strategies]


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
        ``curves`` (per strategy: ``xs, ys, lo, hi`` lists, ``band_xs, band_ys`` polygons,
        ``strategy, color``), ``ranking`` (``strategy, mean, lo, hi, color``, best first;
        the CI collapses to the mean with one seed), ``reach`` (``strategy, labels`` (mean
        over the seeds that reach the share, NaN if none), ``reached, seeds, text, color``)
        and ``target`` (the full-data accuracy and the share, or NaN).
    """
    strategies = _check_view(table, dataset, encoder, ips, strategies, metric, share, rank_by)
    colors = _colors(_options(table)["strategy"])
    sub = table[
        (table["dataset"] == dataset) & (table["encoder"] == encoder) & (table["ips"] == ips)
    ].sort_values("cycle")
    curves = {k: [] for k in ("xs", "ys", "lo", "hi", "band_xs", "band_ys", "strategy", "color")}
    ranking = {k: [] for k in ("strategy", "mean", "lo", "hi", "color")}
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
                ("color", colors[s]),
            ):
                curves[k].append(v)
        last = rows.iloc[-1]
        mean = last[f"{key}_mean"]
        if np.isfinite(mean):
            lo_, hi_ = last[f"{key}_lo"], last[f"{key}_hi"]
            ranking["strategy"].append(s)
            ranking["mean"].append(float(mean))
            ranking["lo"].append(float(lo_) if np.isfinite(lo_) else float(mean))
            ranking["hi"].append(float(hi_) if np.isfinite(hi_) else float(mean))
            ranking["color"].append(colors[s])
        labels, seeds = [], 0
        for col in _seed_columns(rows):
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
        reach["text"].append(_reach_text(mean_labels, len(labels), seeds))
        reach["color"].append(colors[s])
    order = sorted(range(len(ranking["strategy"])), key=lambda i: -ranking["mean"][i])
    ranking = {k: [v[i] for i in order] for k, v in ranking.items()}
    full = sub["full_accuracy"].iloc[0] if len(sub) else float("nan")
    return {
        "curves": curves,
        "ranking": ranking,
        "reach": reach,
        "target": {"full_accuracy": float(full), "share": float(share)},
    }


def _reach_text(labels, reached, seeds):
    # mirrored in _VIEW_JS
    if reached == 0:
        return "not reached"
    text = f"{labels:.0f}"
    return text if reached == seeds else f"{text} ({reached}/{seeds})"


def _target_text(target):
    full, share = target["full_accuracy"], target["share"]
    if not np.isfinite(full):
        return "No runs for this selection."
    return f"Full-data accuracy {full:.3f}; target {share:.0%} of it = {share * full:.3f}."


# ----------------------------------------------------------------------------- drawing


def _figures(data, metric, share, rank_by):
    """The three Bokeh figures of one view and their data sources (named for the page)."""
    from bokeh.models import ColumnDataSource, Div, FactorRange, HoverTool
    from bokeh.plotting import figure

    curves = ColumnDataSource(data["curves"], name="explorer_curves")
    ranking = ColumnDataSource(data["ranking"], name="explorer_ranking")
    reach_data = dict(data["reach"])
    reach_data["bar"] = [0.0 if np.isnan(v) else v for v in reach_data["labels"]]
    reach = ColumnDataSource(reach_data, name="explorer_reach")

    fc = figure(
        width=760,
        height=330,
        name="explorer_curves_fig",
        title=f"Learning curves: {METRICS[metric]} (line: mean, band: seed range)",
        x_axis_label="labelled samples",
        y_axis_label=METRICS[metric],
        tools="pan,wheel_zoom,box_zoom,reset,save",
    )
    fc.patches(
        "band_xs", "band_ys", source=curves, fill_color="color", fill_alpha=0.18, line_alpha=0
    )
    lines = fc.multi_line(
        "xs", "ys", source=curves, line_color="color", line_width=2, legend_field="strategy"
    )
    fc.add_tools(HoverTool(renderers=[lines], tooltips=[("strategy", "@strategy")]))
    fc.legend.location = "top_left"  # curves rise to the right
    fc.legend.label_text_font_size = "8pt"

    def by_strategy(part, name, title, x_axis_label):
        """A panel with one row per strategy of ``data[part]``, the first on top."""
        factors = FactorRange(
            factors=list(reversed(data[part]["strategy"])), name=f"explorer_{name}_range"
        )
        return figure(
            width=380,
            height=280,
            y_range=factors,
            name=f"explorer_{name}_fig",
            title=title,
            x_axis_label=x_axis_label,
            tools="save",
        )

    fr = by_strategy(
        "ranking",
        "rank",
        "Ranking (mean, 95% CI over seeds)",
        f"{METRICS[metric]}, {RANK_BY[rank_by]}",
    )
    fr.segment("lo", "strategy", "hi", "strategy", source=ranking, line_color="color", line_width=3)
    fr.scatter("mean", "strategy", source=ranking, color="color", size=9)
    fr.title.text_font_size = "9pt"

    fl = by_strategy(
        "reach",
        "reach",
        f"Labels to reach {share:.0%} of full-data accuracy",
        "labelled samples (k/n: k of n seeds reach it)",
    )
    fl.hbar(y="strategy", right="bar", height=0.6, source=reach, fill_color="color", line_alpha=0)
    fl.text(
        x="bar",
        y="strategy",
        text="text",
        source=reach,
        text_font_size="8pt",
        text_baseline="middle",
        x_offset=4,
    )
    fl.x_range.start = 0
    fl.x_range.range_padding = 0.45  # room for the text beside the longest bar
    fl.title.text_font_size = "9pt"
    target = Div(text=_target_text(data["target"]), name="explorer_target")
    return {
        "curves": curves,
        "ranking": ranking,
        "reach": reach,
        "fc": fc,
        "fr": fr,
        "fl": fl,
        "rank_range": fr.y_range,
        "reach_range": fl.y_range,
        "target": target,
    }


def explorer_figure(
    table, dataset, encoder, ips, strategies=None, metric="accuracy", share=0.95, rank_by="final"
):
    """The explorer's view as a Bokeh layout: learning curves, ranking, labels to reach.

    Same parameters as :func:`explorer_data`, which computes what is drawn.
    """
    from bokeh.layouts import column, row
    from bokeh.models import Div

    data = explorer_data(table, dataset, encoder, ips, strategies, metric, share, rank_by)
    f = _figures(data, metric, share, rank_by)
    foot = Div(text="<small>drawn by alcore.report.explore.explorer_figure</small>")
    return column(f["fc"], row(f["fr"], f["fl"]), f["target"], foot)


def _encode(table, columns):
    """The page's copy of ``columns``: int16 codes of value * SCALE, MISSING for NaN.

    Values beyond +-3.2 (only CI bounds can be: two seeds give t = 12.7) are clipped.
    """
    out = {}
    for c in columns:
        v = table[c].to_numpy(dtype=float)
        code = np.round(np.clip(v, -3.2, 3.2) * SCALE)
        out[c] = np.where(np.isnan(v), MISSING, code).astype(np.int16)
    return out


_VIEW_JS = r"""
// Mirrors explore.explorer_data: select one view from the table and refresh the plots.
const S = scale, NA = missing;
const d = all.data, r = last.data;
const di = names.dataset.indexOf(dataset.value), ei = names.encoder.indexOf(encoder.value),
      ii = names.ips.indexOf(ips.value);
const m = metric.value, rb = rank_by.value, sh = share.value;
const chosen = names.strategy.filter(s => strategies.value.includes(s));
const val = (col, i) => (col[i] === NA ? NaN : col[i] / S);
const need = Math.round(sh * S);
const rows = {};
for (let i = 0; i < d.dataset.length; i++) {
  if (d.dataset[i] !== di || d.encoder[i] !== ei || d.ips[i] !== ii) continue;
  const s = names.strategy[d.strategy[i]];
  (rows[s] = rows[s] || []).push(i);   // the table is sorted by cycle
}
const finals = {};
for (let i = 0; i < r.dataset.length; i++) {
  if (r.dataset[i] === di && r.encoder[i] === ei && r.ips[i] === ii)
    finals[names.strategy[r.strategy[i]]] = i;
}
const cv = {xs: [], ys: [], lo: [], hi: [], band_xs: [], band_ys: [], strategy: [], color: []};
let rk = {strategy: [], mean: [], lo: [], hi: [], color: []};
const re = {strategy: [], labels: [], reached: [], seeds: [], text: [], color: [], bar: []};
const key = (rb === "aulc" ? "aulc_" : "") + m;
for (const s of chosen) {
  const idx = rows[s];
  if (!idx) continue;
  const xs = [], ys = [], lo = [], hi = [];
  for (const i of idx) {
    const y = val(d[m + "_mean"], i);
    if (Number.isNaN(y)) continue;
    xs.push(d.n_labelled[i]); ys.push(y);
    lo.push(val(d[m + "_min"], i)); hi.push(val(d[m + "_max"], i));
  }
  if (xs.length) {
    cv.xs.push(xs); cv.ys.push(ys); cv.lo.push(lo); cv.hi.push(hi);
    cv.band_xs.push(xs.concat(xs.slice().reverse()));
    cv.band_ys.push(hi.concat(lo.slice().reverse()));
    cv.strategy.push(s); cv.color.push(colors[s]);
  }
  const f = finals[s];
  const mean = f === undefined ? NaN : val(r[key + "_mean"], f);
  if (!Number.isNaN(mean)) {
    const l = val(r[key + "_lo"], f), h = val(r[key + "_hi"], f);
    rk.strategy.push(s); rk.mean.push(mean);
    rk.lo.push(Number.isNaN(l) ? mean : l); rk.hi.push(Number.isNaN(h) ? mean : h);
    rk.color.push(colors[s]);
  }
  const labels = []; let seeds = 0;
  for (const c of seed_cols) {
    const col = d[c];
    if (idx.every(i => col[i] === NA)) continue;
    seeds += 1;
    const hit = idx.find(i => col[i] !== NA && col[i] >= need);
    if (hit !== undefined) labels.push(d.n_labelled[hit]);
  }
  const ml = labels.length ? labels.reduce((a, b) => a + b, 0) / labels.length : NaN;
  re.strategy.push(s); re.labels.push(ml); re.reached.push(labels.length);
  re.seeds.push(seeds); re.color.push(colors[s]); re.bar.push(Number.isNaN(ml) ? 0 : ml);
  re.text.push(labels.length === 0 ? "not reached" : (labels.length === seeds ?
      ml.toFixed(0) : ml.toFixed(0) + " (" + labels.length + "/" + seeds + ")"));
}
const order = rk.mean.map((v, i) => i).sort((a, b) => rk.mean[b] - rk.mean[a] || a - b);
rk = Object.fromEntries(Object.entries(rk).map(([k, v]) => [k, order.map(i => v[i])]));
rank_range.factors = rk.strategy.slice().reverse();
reach_range.factors = re.strategy.slice().reverse();
curves.data = cv; ranking.data = rk; reach.data = re;
const lab = labels_of[m];
fc.title.text = "Learning curves: " + lab + " (line: mean, band: seed range)";
fc_y.axis_label = lab;
fr_x.axis_label = lab + ", " + rank_labels[rb];
fl.title.text = "Labels to reach " + Math.round(sh * 100) + "% of full-data accuracy";
const full = fulls[dataset.value + "|" + encoder.value];
target.text = full === undefined ? "No runs for this selection." :
  "Full-data accuracy " + full.toFixed(3) + "; target " + Math.round(sh * 100) +
  "% of it = " + (sh * full).toFixed(3) + ".";
"""


def explorer_html(
    table,
    dataset=None,
    encoder=None,
    ips=None,
    strategies=None,
    metric="accuracy",
    share=0.95,
    rank_by="final",
    fragment=False,
    title="Explore the results",
):
    """A server-free page of the explorer: controls, BokehJS and the data, all inline.

    The controls (dataset, encoder, initial pool, strategies, metric, rank by, share) run
    JavaScript that mirrors :func:`explorer_data` on a compact copy of ``table`` (int16
    codes, 4 decimals); nothing is loaded from outside the page.

    Parameters
    ----------
    table : DataFrame
        :func:`explorer_table`'s output.
    dataset, encoder, ips, strategies, metric, share, rank_by
        The view shown first (None: the first dataset, encoder and IPS; all strategies).
    fragment : bool
        False: a whole HTML document. True: a ``<div>`` with its scripts, for a notebook
        output (``IPython.display.HTML``) that the book embeds in its page.

    Returns
    -------
    str
    """
    from bokeh.core.templates import get_env
    from bokeh.embed import file_html
    from bokeh.layouts import column, row
    from bokeh.models import (
        ColumnDataSource,
        CustomJS,
        Div,
        MultiChoice,
        Select,
        Slider,
    )
    from bokeh.resources import INLINE

    if table.empty:
        raise ValueError(
            "the explorer table is empty: the store holds no active-learning "
            "runs for this selection"
        )
    names = _options(table)
    dataset = dataset or names["dataset"][0]
    encoder = encoder or names["encoder"][0]
    ips = ips or names["ips"][0]
    data = explorer_data(table, dataset, encoder, ips, strategies, metric, share, rank_by)
    shown = _check_view(table, dataset, encoder, ips, strategies, metric, share, rank_by)
    f = _figures(data, metric, share, rank_by)

    table = table.sort_values(KEYS + ["cycle"])
    codes = {
        k: table[k]
        .map({v: i for i, v in enumerate(names[k])})
        .to_numpy(np.int8 if len(names[k]) < 128 else np.int16)
        for k in KEYS
    }
    seed_cols = _seed_columns(table)
    all_rows = ColumnDataSource(
        {
            **codes,
            "n_labelled": table["n_labelled"].to_numpy(np.int32),
            **_encode(table, _CURVE + seed_cols),
        },
        name="explorer_table",
    )
    last = table.groupby(KEYS, observed=True).tail(1)
    last_rows = ColumnDataSource(
        {
            **{k: v[last.index.map(table.index.get_loc)] for k, v in codes.items()},
            **_encode(last, _RANK),
        },
        name="explorer_final",
    )
    fulls = table.drop_duplicates(["dataset", "encoder"])
    fulls = {
        f"{a}|{b}": float(c)
        for a, b, c in fulls[["dataset", "encoder", "full_accuracy"]].itertuples(index=False)
    }

    w = {"width": 180}  # four controls a row: the page fits the book's 780 px text column
    controls = {
        "dataset": Select(
            title="dataset", value=dataset, options=names["dataset"], name="explorer_dataset", **w
        ),
        "encoder": Select(
            title="encoder", value=encoder, options=names["encoder"], name="explorer_encoder", **w
        ),
        "ips": Select(
            title="initial pool (IPS)", value=ips, options=names["ips"], name="explorer_ips", **w
        ),
        "strategies": MultiChoice(
            title="strategies",
            value=shown,
            options=names["strategy"],
            name="explorer_strategies",
            width=370,
        ),
        "metric": Select(
            title="metric",
            value=metric,
            name="explorer_metric",
            options=[(k, v) for k, v in METRICS.items()],
            **w,
        ),
        "rank_by": Select(
            title="rank by",
            value=rank_by,
            name="explorer_rank_by",
            options=[(k, v) for k, v in RANK_BY.items()],
            **w,
        ),
        "share": Slider(
            title="share of full-data accuracy",
            start=0.5,
            end=1.0,
            step=0.01,
            value=share,
            name="explorer_share",
            **w,
        ),
    }
    cb = CustomJS(
        args=dict(
            all=all_rows,
            last=last_rows,
            names=names,
            colors=_colors(names["strategy"]),
            seed_cols=seed_cols,
            scale=SCALE,
            missing=MISSING,
            fulls=fulls,
            labels_of=METRICS,
            rank_labels=RANK_BY,
            curves=f["curves"],
            ranking=f["ranking"],
            reach=f["reach"],
            rank_range=f["rank_range"],
            reach_range=f["reach_range"],
            fc=f["fc"],
            fr=f["fr"],
            fl=f["fl"],
            fc_y=f["fc"].yaxis[0],
            fr_x=f["fr"].xaxis[0],
            target=f["target"],
            **controls,
        ),
        code=_VIEW_JS,
    )
    for c in controls.values():
        c.js_on_change("value", cb)
    foot = Div(
        text="<small>drawn by alcore.report.explore.explorer_html (the static page; "
        "alcore.report.explore.explorer_figure draws the same view in Jupyter)</small>"
    )
    c = controls
    layout = column(
        row(c["dataset"], c["encoder"], c["ips"], c["metric"]),
        row(c["strategies"], c["rank_by"], c["share"]),
        f["fc"],
        row(f["fr"], f["fl"]),
        f["target"],
        foot,
        name="explorer",
    )
    # a Template object (a str would be made to extend Bokeh's whole-page template)
    kw = {"template": get_env().from_string(_FRAGMENT)} if fragment else {}
    return file_html(layout, INLINE, title=title, **kw)


# a page fragment: BokehJS, the plot's div and its script (no <html>/<head>/<body>)
_FRAGMENT = """{{ bokeh_js | safe }}
{{ plot_div | safe }}
{{ plot_script | safe }}
"""


def explorer_widget(results=None, upper_bounds=None, table=None, **view):
    """The explorer as ``ipywidgets`` controls on :func:`explorer_figure` (live kernel only).

    Pass ``results`` and ``upper_bounds`` (the store's tables) or a ready ``table``
    (:func:`explorer_table`); ``view`` sets the first view (``dataset``, ``metric``, ...).
    Returns the widget box; its ``redraw()`` draws the current view and its ``view()`` gives
    the current arguments of :func:`explorer_figure`.
    """
    import ipywidgets as W
    from bokeh.io import output_notebook, show
    from bokeh.resources import INLINE

    if table is None:
        if results is None or upper_bounds is None:
            raise ValueError("pass results and upper_bounds, or table=explorer_table(...)")
        table = explorer_table(results, upper_bounds)
    if table.empty:
        raise ValueError("the explorer table is empty: no active-learning runs to show")
    names = _options(table)
    lay = W.Layout(width="230px")
    ctl = {
        "dataset": W.Dropdown(options=names["dataset"], description="dataset", layout=lay),
        "encoder": W.Dropdown(options=names["encoder"], description="encoder", layout=lay),
        "ips": W.Dropdown(options=names["ips"], description="IPS", layout=lay),
        "strategies": W.SelectMultiple(
            options=names["strategy"],
            value=names["strategy"],
            description="strategies",
            rows=min(8, len(names["strategy"])),
            layout=lay,
        ),
        "metric": W.Dropdown(
            options=[(v, k) for k, v in METRICS.items()], description="metric", layout=lay
        ),
        "rank_by": W.Dropdown(
            options=[(v, k) for k, v in RANK_BY.items()], description="rank by", layout=lay
        ),
        "share": W.FloatSlider(
            value=0.95, min=0.5, max=1.0, step=0.01, description="share", layout=lay
        ),
    }
    for k, v in view.items():
        if k not in ctl:
            raise ValueError(f"unknown view argument {k!r}; use {list(ctl)}")
        ctl[k].value = tuple(v) if k == "strategies" else v
    out = W.Output()

    def current():
        return {k: (list(c.value) if k == "strategies" else c.value) for k, c in ctl.items()}

    def redraw(*_):
        fig = explorer_figure(table, **current())
        box.figure = fig
        with out:
            out.clear_output(wait=True)
            show(fig)

    box = W.HBox([W.VBox(list(ctl.values())), out])
    box.view, box.redraw = current, redraw
    output_notebook(INLINE, hide_banner=True)
    for c in ctl.values():
        c.observe(redraw, names="value")
    redraw()
    return box
