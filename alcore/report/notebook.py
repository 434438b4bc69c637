"""What the report notebooks share: loading the data, the banner, notes, figures, takeaways,
bench tables.

Each notebook's set-up cell is a few lines::

    from alcore.report import notebook as report
    from alcore.report.notebook import note, show, show_takeaways
    from alcore.report.tables import table

    report.setup()

and its loading cell calls :func:`load_report_data` and :func:`describe`. Everything here
displays through IPython (``IPython.display``); outside a notebook the Markdown shows as its
text.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import HTML, Markdown, display
from matplotlib_inline.backend_inline import set_matplotlib_formats

from alcore.embedding.catalog import embedding_table
from alcore.report.banner import banner_html, design_coverage, store_size
from alcore.report.tables import table as show_table
from alcore.runs import store as st
from alcore.science.analysis import (
    CONFIG,
    al_part,
    encoder_part,
    ips_part,
    ladder_part,
    select,
)

__all__ = [
    "banner",
    "describe",
    "display_path",
    "load_report_data",
    "note",
    "read_bench",
    "repo_root",
    "setup",
    "show",
    "show_takeaway_table",
    "show_takeaways",
]


def setup(precision=4):
    """Quiet the notebook and set the figure and table display every chapter uses.

    Figures are shown as SVG (sharp at any zoom, drawn for the book's column by
    :mod:`alcore.report.plots`). Silences tqdm's "IProgress not found" (``tqdm.auto``
    without ipywidgets would print it into the book) and sets pandas' column limit (30) and,
    unless ``precision`` is None, the digits shown after the decimal point.
    """
    set_matplotlib_formats("svg")
    warnings.filterwarnings("ignore", message="IProgress not found")
    if precision is not None:
        pd.set_option("display.precision", precision)
    pd.set_option("display.max_columns", 30)


def _display(obj):
    display(obj)


def _markdown(text):
    return Markdown(text)


def repo_root(start=None):
    """The alcore checkout that holds ``start`` (default: the working directory), or ``start``."""
    p = Path(start or Path.cwd()).resolve()
    for q in (p, *p.parents):
        if (q / "alcore" / "__init__.py").is_file() and (q / "notebooks").is_dir():
            return q
    return p


def display_path(path):
    """``path`` as a reader sees it: relative to the repository, else its last two parts
    (no absolute path of the machine that built the book)."""
    path = Path(path)
    root = repo_root()
    try:
        return str(path.resolve().relative_to(root))
    except ValueError:
        return str(Path(*path.parts[-2:])) if len(path.parts) > 1 else str(path)


def load_report_data(
    profile="quick", store=None, datasets=None, encoders=None, strategies=None, seeds=None
):
    """What a report notebook needs: the selected results, upper bounds and provenance.

    ``store`` defaults to ``results/<profile>``; a relative path is taken from the repo root.
    A missing store gives empty tables (the notebooks then say so) rather than an error.

    Returns
    -------
    dict
        ``results`` (the real encoders' runs: :func:`~alcore.science.analysis.encoder_part`),
        ``ladder`` (the quality ladder's: :func:`~alcore.science.analysis.ladder_part`;
        empty where the store has no rung), ``upper_bounds`` (every encoder's, the rungs'
        included), ``embeddings`` (the store's record of
        the embeddings its runs read, else the embedding cache's table:
        :func:`alcore.embedding.catalog.embedding_table`), ``provenance`` (dict, empty if none),
        ``store`` (the resolved Path), ``profile``, ``size`` (what the whole store holds:
        :func:`alcore.report.banner.store_size`) and ``message`` (selected names the store
        lacks, why the tables are empty, or "").
    """
    path = Path(store) if store else Path("results") / profile
    if not path.is_absolute():
        path = repo_root() / path
    out = {
        "store": path,
        "profile": profile,
        "provenance": {},
        "message": "",
        "results": pd.DataFrame(
            columns=CONFIG + ["run_key", "cycle", "n_labelled", "accuracy", "macro_f1"]
        ),
        "upper_bounds": pd.DataFrame(columns=["dataset", "encoder", "accuracy", "macro_f1"]),
    }
    out["ladder"] = out["results"]
    out["size"] = store_size(out["results"])
    record = st.load_embedding_record(path) if path.is_dir() else None
    out["embeddings"] = embedding_table() if record is None else record
    if not path.is_dir():
        out["message"] = (
            f"No results store at {display_path(path)}. Run the grid first, e.g. "
            f"`alcore run --profile {profile}`, or pass store=..."
        )
        return out
    res = st.load_results(path)
    out["size"] = dict(store_size(res), design=design_coverage(res, profile))
    chosen = select(res, datasets, encoders, strategies, seeds) if len(res) else res
    out["results"] = encoder_part(chosen) if len(chosen) else chosen
    out["ladder"] = ladder_part(chosen) if len(chosen) else chosen
    upper = st.load_upper_bounds(path)
    for col, wanted in (("dataset", datasets), ("encoder", encoders)):
        if wanted is not None and len(upper):
            upper = upper[upper[col].isin(wanted)]
    out["upper_bounds"] = upper  # the same selection as the runs: every table honours it
    try:
        out["provenance"] = st.load_provenance(path)
    except FileNotFoundError:
        pass
    notes = []
    if len(res):
        for col, wanted in (
            ("dataset", datasets),
            ("encoder", encoders),
            ("strategy", strategies),
            ("seed", seeds),
        ):
            absent = [w for w in (wanted or []) if w not in set(res[col])]
            if absent:
                notes.append(
                    f"{col} {absent} not in the store (it holds "
                    f"{sorted(map(str, res[col].unique()))}); left out"
                )
    if out["results"].empty:
        notes.append(f"The store {display_path(path)} holds no finished runs for this selection.")
    out["message"] = "; ".join(notes)
    return out


def banner(profile, size):
    """Show the banner of a build that is not the book's full design (nothing otherwise).

    Parameters
    ----------
    profile : str
        The profile the book was built from.
    size : dict
        :func:`alcore.report.banner.store_size` of its store.
    """
    text = banner_html(profile, size)
    if text:
        _display(HTML(text))


def describe(data):
    """Show the banner (:func:`banner`), a note if the data say one, and what was loaded.

    Parameters
    ----------
    data : dict
        :func:`load_report_data`'s result.
    """
    banner(data["profile"], data["size"])
    if data["message"]:
        note(data["message"])
    df = data["results"]
    al, ips_study = al_part(df), ips_part(df)
    print(f"store: {display_path(data['store'])}")
    print(
        f"{df['run_key'].nunique()} runs: {al['run_key'].nunique()} active-learning runs, "
        f"{ips_study['run_key'].nunique()} IPS-study runs"
    )
    for col in ("dataset", "encoder", "ips", "strategy", "seed"):
        print(f"{col:9s}", ", ".join(sorted(map(str, df[col].unique()))))


def note(msg):
    """Display a clearly marked message (e.g. data this notebook cannot find)."""
    _display(_markdown(f"> **Note.** {msg}"))


def show(fig):
    """Display a figure once and close it.

    The caption, the figure's number and its name for ``{numref}`` are the cell's
    ``mystnb: figure:`` metadata in the notebook's source; a figure with nothing to draw
    (:func:`alcore.report.plots.is_empty`) says why in itself, so the numbering and the
    references hold in every build.
    """
    _display(fig)
    plt.close(fig)


def show_takeaways(table, ids=None):
    """Display each takeaway of :func:`alcore.science.findings.takeaways` as Paper / Here /
    Verdict.

    Parameters
    ----------
    table : DataFrame
        ``findings.takeaways(...)``: one row per takeaway with ``id, paper, here, verdict``.
    ids : list of str, optional
        The takeaway ids to show (e.g. ``["T2", "T3"]``); None shows every row.
    """
    if ids is not None:
        table = table[table["id"].isin(list(ids))]
    for t in table.itertuples():
        text = f"**Paper:** {t.paper}  \n**Here:** {t.here}. **Verdict: {t.verdict}.**"
        _display(_markdown(text))


def show_takeaway_table(table):
    """The takeaways as a reader takes them in: one compact table of the numbers (verdict,
    estimate, 95% CI, p, and the rule's measured false-positive rate and power where the
    table has them), then each takeaway's claim, null, test, unit and effect as a list.

    Parameters
    ----------
    table : DataFrame
        :func:`alcore.science.findings.takeaways` (optionally with
        :func:`alcore.science.calibration.with_calibration`'s columns).
    """
    t = table.copy()
    bounds = zip(t["ci_low"], t["ci_high"])
    t["95% CI"] = ["–" if pd.isna(lo) else f"[{lo:+.3f}, {hi:+.3f}]" for lo, hi in bounds]
    cols = ["id", "verdict", "estimate", "95% CI", "p"]
    cols += [c for c in ("false_positive_rate", "power") if c in t]
    numbers = t[cols].rename(columns={"false_positive_rate": "false +", "power": "power"})
    show_table(
        numbers,
        caption="Each takeaway's verdict, effect with its 95% CI and p-value, and the rule's "
        "measured false-positive rate and power.",
        decimals={"estimate": 3, "p": 3},
        percent=("false +", "power"),
        signed=("estimate",),
    )

    def clause(text):
        return str(text).strip().rstrip(".")

    lines = [
        f"- **{r.id}** {r.paper} *Null:* {clause(r.null)}. *Test:* {clause(r.test)}; *unit:* "
        f"{clause(r.unit)}; *effect:* {clause(r.effect)}. *See:* {clause(r.figure)}."
        for r in t.itertuples()
    ]
    _display(_markdown("\n".join(lines)))


def read_bench(name, command):
    """A benchmark table of ``book/data/`` (``bench_strategies.csv``, ...), or an empty one.

    Where the file does not exist yet, a :func:`note` says which ``alcore bench <command>``
    writes it.
    """
    path = repo_root() / "book" / "data" / name
    if path.is_file():
        return pd.read_csv(path)
    note(f"`book/data/{name}` does not exist yet: run `alcore bench {command}`.")
    return pd.DataFrame()
