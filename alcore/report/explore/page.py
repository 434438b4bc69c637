"""The explorer as a server-free page: controls, BokehJS and the data, all inline."""

from __future__ import annotations

import re
from importlib.resources import files

import numpy as np
from bokeh.core.templates import get_env
from bokeh.document import Document
from bokeh.embed import file_html
from bokeh.events import DocumentReady
from bokeh.layouts import column, row
from bokeh.models import (
    Button,
    ColumnDataSource,
    CustomJS,
    Div,
    InlineStyleSheet,
    MultiChoice,
    Select,
    Slider,
)
from bokeh.resources import INLINE

from alcore.report.explore.draw import figures
from alcore.report.explore.table import KEYS, METRICS, RANGES, RANK_BY
from alcore.report.explore.view import (
    MISSING,
    SCALE,
    check_view,
    colors,
    explorer_data,
    options,
    seed_columns,
)

__all__ = ["explorer_html", "page_weight"]

_CURVE = [f"{m}_{s}" for m in METRICS for s in ("mean", "min", "max")]
_RANK = [f"{p}{m}_{s}" for p in ("", "aulc_") for m in METRICS for s in ("mean", "lo", "hi")]

#: the page's JavaScript, beside this module (it mirrors view.py)
VIEW_JS = files("alcore.report.explore").joinpath("view.js").read_text(encoding="utf-8")

# The book's theme (pydata-sphinx-theme) sets its colours as CSS variables on <html>; they
# reach into the widgets' shadow roots, so the controls follow light and dark mode. Without
# this, dark mode gives white text (inherited) on the widgets' white inputs.
_THEMED_CSS = """
select, input, option, .bk-input, .bk-btn, .choices__inner, .choices__input,
.choices__list--dropdown, .choices__list[aria-expanded] {
  background-color: var(--pst-color-surface, #fff) !important;
  color: var(--pst-color-text-base, #222) !important;
  border-color: var(--pst-color-border, #ccc) !important;
}
.choices__list--dropdown .choices__item--selectable.is-highlighted {
  background-color: var(--pst-color-primary-bg, #f2f2f2) !important;
}
"""

# reads ?dataset=...&encoder=...&ips=...&strategies=a,b&metric=...&rank_by=...&share=0.9
_URL_JS = """
const q = new URLSearchParams(window.location.search);
const ok = (w, v) => w.options.some(o => (Array.isArray(o) ? o[0] : o) === v);
for (const [k, w] of Object.entries(ctl)) {
  const v = q.get(k);
  if (v === null) continue;
  if (k === "strategies") {
    const want = v.split(",").filter(s => w.options.includes(s));
    if (want.length) w.value = want;
  } else if (k === "share") {
    const x = parseFloat(v);
    if (x >= w.start && x <= w.end) w.value = x;
  } else if (ok(w, v)) {
    w.value = v;
  }
}
"""

# saves the shown learning curves; mirrors view.explorer_csv
_CSV_JS = """
const c = curves.data, m = metric.value;
const lines = ["strategy,labelled_samples," + m + "_mean," + m + "_seed_min," + m + "_seed_max"];
c.strategy.forEach((s, i) => c.xs[i].forEach((x, j) => lines.push([s, x.toFixed(0),
  c.ys[i][j].toFixed(4), c.lo[i][j].toFixed(4), c.hi[i][j].toFixed(4)].join(","))));
const text = lines.join("\\n") + "\\n";
window.alcoreExplorerCSV = text;
const a = document.createElement("a");
a.href = URL.createObjectURL(new Blob([text], {type: "text/csv"}));
a.download = ["explorer", dataset.value, encoder.value, ips.value, m].join("_") + ".csv";
document.body.appendChild(a);
a.click();
a.remove();
"""

# a page fragment: BokehJS, the plot's div and its script (no <html>/<head>/<body>); the
# class lets the book's stylesheet give it the page's own colours in dark mode
_FRAGMENT = """{{ bokeh_js | safe }}
<div class="alcore-explorer">{{ plot_div | safe }}</div>
{{ plot_script | safe }}
"""


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


def _controls(names, dataset, encoder, ips, shown, metric, rank_by, share, themed):
    common = {"sizing_mode": "stretch_width", "min_width": 120, "stylesheets": [themed]}
    return {
        "dataset": Select(
            title="dataset",
            value=dataset,
            options=names["dataset"],
            name="explorer_dataset",
            **common,
        ),
        "encoder": Select(
            title="encoder",
            value=encoder,
            options=names["encoder"],
            name="explorer_encoder",
            **common,
        ),
        "ips": Select(
            title="initial pool (IPS)",
            value=ips,
            options=names["ips"],
            name="explorer_ips",
            **common,
        ),
        "metric": Select(
            title="metric",
            value=metric,
            name="explorer_metric",
            options=[(k, v) for k, v in METRICS.items()],
            **common,
        ),
        "strategies": MultiChoice(
            title="strategies",
            value=shown,
            options=names["strategy"],
            name="explorer_strategies",
            **common,
        ),
        "rank_by": Select(
            title="rank by",
            value=rank_by,
            name="explorer_rank_by",
            options=[(k, v) for k, v in RANK_BY.items()],
            **common,
        ),
        "share": Slider(
            title="share of full-data accuracy",
            start=0.5,
            end=1.0,
            step=0.01,
            value=share,
            name="explorer_share",
            **common,
        ),
    }


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
    codes, 4 decimals); nothing is loaded from outside the page. The page fills the width of
    its container, opens on the view its URL's query names (``?dataset=trec6&ips=random``;
    also ``encoder``, ``strategies`` (comma-separated), ``metric``, ``rank_by``, ``share``),
    a click on a legend entry hides that strategy, and a button saves the shown curves as
    CSV (:func:`explorer_csv`).

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
    if table.empty:
        raise ValueError(
            "the explorer table is empty: the store holds no active-learning "
            "runs for this selection"
        )
    names = options(table)
    dataset = dataset or names["dataset"][0]
    encoder = encoder or names["encoder"][0]
    ips = ips or names["ips"][0]
    data = explorer_data(table, dataset, encoder, ips, strategies, metric, share, rank_by)
    shown = check_view(table, dataset, encoder, ips, strategies, metric, share, rank_by)
    f = figures(data, metric, share, rank_by, names["strategy"])

    table = table.sort_values(KEYS + ["cycle"])
    codes = {
        k: table[k]
        .map({v: i for i, v in enumerate(names[k])})
        .to_numpy(np.int8 if len(names[k]) < 128 else np.int16)
        for k in KEYS
    }
    seed_cols = seed_columns(table)
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
            "n_seeds": last["n_seeds"].to_numpy(np.int16),
            **_encode(last, _RANK),
        },
        name="explorer_final",
    )
    fulls = table.drop_duplicates(["dataset", "encoder"])
    fulls = {
        f"{a}|{b}": float(c)
        for a, b, c in fulls[["dataset", "encoder", "full_accuracy"]].itertuples(index=False)
        if np.isfinite(c)
    }
    themed = InlineStyleSheet(css=_THEMED_CSS)  # a model: one per document
    ctl = _controls(names, dataset, encoder, ips, shown, metric, rank_by, share, themed)
    cb = CustomJS(
        args=dict(
            all=all_rows,
            last=last_rows,
            names=names,
            colors=colors(names["strategy"]),
            seed_cols=seed_cols,
            scale=SCALE,
            missing=MISSING,
            fulls=fulls,
            ranges={k: list(v) for k, v in RANGES.items()},
            labels_of=METRICS,
            rank_labels=RANK_BY,
            curves=f["curves"],
            points=f["points"],
            ranking=f["ranking"],
            reach=f["reach"],
            legend=f["legend"],
            rank_range=f["rank_range"],
            reach_range=f["reach_range"],
            fc=f["fc"],
            fr=f["fr"],
            fl=f["fl"],
            fc_y=f["fc"].yaxis[0],
            fr_x=f["fr"].xaxis[0],
            target=f["target"],
            notes=f["notes"],
            **ctl,
        ),
        code=VIEW_JS,
    )
    for c in ctl.values():
        c.js_on_change("value", cb)
    download = Button(
        label="Download the shown curves (CSV)",
        name="explorer_download",
        stylesheets=[themed],
        width=260,
    )
    download.js_on_event(
        "button_click",
        CustomJS(
            args=dict(
                curves=f["curves"],
                metric=ctl["metric"],
                dataset=ctl["dataset"],
                encoder=ctl["encoder"],
                ips=ctl["ips"],
            ),
            code=_CSV_JS,
        ),
    )
    foot = Div(
        text="<small>drawn by alcore.report.explore.explorer_html (the static page; "
        "alcore.report.explore.explorer_figure draws the same view in Jupyter)</small>"
    )
    stretch = {"sizing_mode": "stretch_width"}
    layout = column(
        row(ctl["dataset"], ctl["encoder"], ctl["ips"], ctl["metric"], **stretch),
        row(ctl["strategies"], ctl["rank_by"], ctl["share"], **stretch),
        f["fc"],
        row(f["fr"], f["fl"], **stretch),
        f["notes"],
        f["target"],
        download,
        foot,
        name="explorer",
        **stretch,
    )
    doc = Document()
    doc.add_root(layout)
    doc.js_on_event(DocumentReady, CustomJS(args=dict(ctl=ctl), code=_URL_JS))
    # a Template object (a str would be made to extend Bokeh's whole-page template)
    kw = {"template": get_env().from_string(_FRAGMENT)} if fragment else {}
    return file_html(doc, INLINE, title=title, **kw)


def page_weight(html):
    """Kilobytes of an :func:`explorer_html` page: ``total_kb``, ``bokehjs_kb`` (the inlined
    BokehJS bundles) and ``data_kb`` (the serialised document: table, figures, controls)."""
    scripts = re.findall(r"<script[^>]*>(.*?)</script>", html, flags=re.DOTALL)
    js = sum(len(s.encode()) for s in scripts if s.lstrip().startswith("/* BEGIN bokeh"))
    doc = sum(
        len(s.encode())
        for s in re.findall(
            r"<script type=\"application/json\"[^>]*>(.*?)</script>", html, flags=re.DOTALL
        )
    )
    return {"total_kb": len(html.encode()) / 1024, "bokehjs_kb": js / 1024, "data_kb": doc / 1024}
