"""What the report notebooks share: loading the data, notes, figures, takeaways, bench tables.

Each notebook's set-up cell is a few lines::

    from alcore.report import notebook as report
    from alcore.report.notebook import note, show, show_takeaways

    report.setup()

and its loading cell calls :func:`load_report_data` and :func:`describe`. Everything here
displays through IPython (``IPython.display``); outside a notebook the Markdown shows as its
text.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd

__all__ = [
    "describe",
    "load_report_data",
    "note",
    "read_bench",
    "repo_root",
    "setup",
    "show",
    "show_takeaways",
]


def setup(precision=4):
    """Quiet the notebook and set the table display every chapter uses.

    Silences tqdm's "IProgress not found" (``tqdm.auto`` without ipywidgets would print it
    into the book) and sets pandas' column limit (30) and, unless ``precision`` is None,
    the digits shown after the decimal point.
    """
    warnings.filterwarnings("ignore", message="IProgress not found")
    if precision is not None:
        pd.set_option("display.precision", precision)
    pd.set_option("display.max_columns", 30)


def _display(obj):
    from IPython.display import display

    display(obj)


def _markdown(text):
    from IPython.display import Markdown

    return Markdown(text)


def repo_root(start=None):
    """The alcore checkout that holds ``start`` (default: the working directory), or ``start``."""
    p = Path(start or Path.cwd()).resolve()
    for q in (p, *p.parents):
        if (q / "alcore" / "__init__.py").is_file() and (q / "notebooks").is_dir():
            return q
    return p


def load_report_data(
    profile="quick", store=None, datasets=None, encoders=None, strategies=None, seeds=None
):
    """What a report notebook needs: the selected results, upper bounds and provenance.

    ``store`` defaults to ``results/<profile>``; a relative path is taken from the repo root.
    A missing store gives empty tables (the notebooks then say so) rather than an error.

    Returns
    -------
    dict
        ``results``, ``upper_bounds`` (DataFrames), ``provenance`` (dict, empty if none),
        ``store`` (the resolved Path) and ``message`` (selected names the store lacks, why
        the tables are empty, or "").
    """
    from alcore.runs import store as st
    from alcore.science.analysis import CONFIG, select

    path = Path(store) if store else Path("results") / profile
    if not path.is_absolute():
        path = repo_root() / path
    out = {
        "store": path,
        "provenance": {},
        "message": "",
        "results": pd.DataFrame(
            columns=CONFIG + ["run_key", "cycle", "n_labelled", "accuracy", "macro_f1"]
        ),
        "upper_bounds": pd.DataFrame(columns=["dataset", "encoder", "accuracy", "macro_f1"]),
    }
    if not path.is_dir():
        out["message"] = (
            f"No results store at {path}. Run the grid first, e.g. "
            f"`alcore run --profile {profile}`, or pass store=..."
        )
        return out
    res = st.load_results(path)
    out["results"] = select(res, datasets, encoders, strategies, seeds) if len(res) else res
    out["upper_bounds"] = st.load_upper_bounds(path)
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
        notes.append(f"The store {path} holds no finished runs for this selection.")
    out["message"] = "; ".join(notes)
    return out


def describe(data):
    """Print what :func:`load_report_data` found: a note if it says one, the store, the runs.

    Parameters
    ----------
    data : dict
        :func:`load_report_data`'s result.
    """
    from alcore.science.analysis import al_part, ips_part

    if data["message"]:
        note(data["message"])
    df = data["results"]
    al, ips_study = al_part(df), ips_part(df)
    print(f"store: {data['store']}")
    print(
        f"{df['run_key'].nunique()} runs: {al['run_key'].nunique()} active-learning runs, "
        f"{ips_study['run_key'].nunique()} IPS-study runs"
    )
    for col in ("dataset", "encoder", "ips", "strategy", "seed"):
        print(f"{col:9s}", sorted(map(str, df[col].unique())))


def note(msg):
    """Display a clearly marked message (e.g. data this notebook cannot find)."""
    _display(_markdown(f"> **Note.** {msg}"))


def show(fig, caption):
    """Display a figure once, with a caption naming the function that drew it.

    A figure that has nothing to draw (:func:`alcore.report.plots.is_empty`) is replaced by a
    :func:`note` that gives the caption's figure and the reason, so no empty figure appears
    under a caption that describes data.
    """
    import matplotlib.pyplot as plt

    from alcore.report.plots import is_empty

    why = is_empty(fig)
    drawn_by = fig.get_label() or "alcore.report.plots"
    if why:
        note(f"Not drawn: {caption.rstrip('.')}; {why} (`{drawn_by}`).")
    else:
        _display(fig)
        _display(_markdown(f"*{caption}* (drawn by `{drawn_by}`)"))
    plt.close(fig)


def show_takeaways(table, ids=None):
    """Display each takeaway of :func:`alcore.science.findings.takeaways` as Paper / Here / Verdict.

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
        _display(
            _markdown(f"**Paper:** {t.paper}  \n**Here:** {t.here}. **Verdict: {t.verdict}.**")
        )


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
