"""Execute the report notebooks with papermill and build the Jupyter Book.

    python -m alcore.report.build --profile quick            # results/quick -> book/_build/html
    python -m alcore.report.build --profile default --store /data/results/default
    python -m alcore.report.build --profile quick --no-build  # only execute the notebooks
    python -m alcore.report.build --only 02 --no-build        # one chapter
    python -m alcore.report.build --only 03 -p datasets '["trec6"]' -p tol 0.01

The book's sources (``notebooks/`` and ``book/``) live in the repository, not in the package:
``--root`` names the checkout (default: the one this alcore was imported from, else the
working directory).

The notebooks' sources are MyST Markdown notebooks, ``notebooks/NN_*.md`` (jupytext's
``myst`` format). Each is converted to ``.ipynb`` (jupytext) and executed (papermill, kernel
``python3`` of this interpreter) with the parameters ``profile`` and ``store`` into
``<book>/notebooks/NN_*.ipynb``, a build product; the dataset and encoder tables of the
Methods chapter are written there too. Then ``jupyter-book build <book> -n -W --keep-going``
runs: any warning fails it. A notebook that raises fails the build and names the notebook
and the cell.

Each executed notebook is made fit to read and to download (:func:`tidy`): papermill's
injected cell is hidden, no absolute path of this machine is left in it, and alcore's log
lines go to this build's log instead of the page. ``_profile.md`` (what this build ran and
its store holds, with the banner of a build smaller than the full design) and
``_exec_stats.md`` (when and how long each chapter ran) are written beside the notebooks for
the book's Markdown pages to include.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import jupytext
import nbformat
import pandas as pd
import papermill as pm
from jupyter_client.kernelspec import KernelSpecManager

from alcore.core.paths import atomic_write
from alcore.core.safe_yaml import read_yaml
from alcore.data import list_datasets
from alcore.embedding.embed import list_encoders
from alcore.report.banner import banner_markdown, design_coverage, size_sentence, store_size
from alcore.runs.experiment import load_profile
from alcore.runs.store import load_results
from alcore.science.analysis import CONFIG


def find_root(root=None) -> Path:
    """The checkout holding ``notebooks/NN_*.md`` and ``book/``: ``root`` if given, else the
    one this package was imported from, else the working directory."""
    candidates = (
        [Path(root)] if root is not None else [Path(__file__).resolve().parents[2], Path.cwd()]
    )
    for c in candidates:
        if (c / "notebooks").is_dir() and (c / "book" / "_config.yml").is_file():
            return c.resolve()
    _fail(
        f"no book sources (notebooks/ and book/_config.yml) in {', '.join(map(str, candidates))}; "
        "run from a clone of the repository or pass --root"
    )


def display_store(store: Path, root: Path) -> str:
    """The store's path as the book shows it: relative to the checkout, else its last two
    parts (no absolute path of the build machine in a page or a download)."""
    try:
        return str(store.relative_to(root))
    except ValueError:
        return str(Path(*store.parts[-2:]))


def _fail(msg: str) -> None:
    print(f"build_book: ERROR: {msg}", file=sys.stderr)
    raise SystemExit(1)


def ensure_kernel() -> None:
    """Install the ``python3`` kernel spec into this interpreter's prefix if it is missing."""
    if "python3" not in KernelSpecManager().find_kernel_specs():
        subprocess.run([sys.executable, "-m", "ipykernel", "install", "--sys-prefix"], check=True)


def _markdown_table(table) -> str:
    return table.astype(object).where(table.notna(), "").to_markdown(index=False) + "\n"


def write_tables(out: Path, root: Path) -> None:
    """The Methods chapter's tables, as Markdown includes, into ``out``.

    ``_datasets.md`` and ``_encoders.md`` from the registries; ``_budgets.md`` (every
    dataset's budget by the rule) and ``_budget_calibration.md`` (the rule's learning curve
    on TREC-6 x glove50) from ``book/data/budgets.csv`` and ``budget_calibration.csv``
    (written by ``alcore bench budget``; a one-line note where a file is missing).
    """
    ds = list_datasets()[
        ["name", "offline", "rows_train", "rows_test", "classes", "stands_in_for", "budget"]
    ]
    enc = list_encoders()[
        [
            "name",
            "kind",
            "dim",
            "pooling",
            "n_params",
            "mteb",
            "mteb_rank",
            "mteb_comparable",
            "mteb_source",
            "n_params_source",
            "offline",
        ]
    ]
    tables = {"_datasets.md": _markdown_table(ds), "_encoders.md": _markdown_table(enc)}
    data = root / "book" / "data"
    for name, src, cols in (
        (
            "_budgets.md",
            "budgets.csv",
            [
                "dataset",
                "encoder",
                "pool",
                "classes",
                "full_score",
                "threshold",
                "score_at_budget",
                "budget",
                "converged",
                "registry_budget",
            ],
        ),
        (
            "_budget_calibration.md",
            "budget_calibration.csv",
            ["n_labelled", "macro_f1_mean", "macro_f1_sd", "share_of_full", "min_share_from_here"],
        ),
    ):
        path = data / src
        if path.is_file():
            df = pd.read_csv(path)
            tables[name] = _markdown_table(df[[c for c in cols if c in df]].round(3))
        else:
            tables[name] = f"*`book/data/{src}` does not exist yet: run `alcore bench budget`.*\n"
    for name, text in tables.items():
        with atomic_write(out / name, "w") as fh:
            fh.write(text)


#: seconds a cell may run before its notebook is executed again from the start (the longest
#: cell of the paper store's book takes about a minute): a guard against a kernel and its
#: client both waiting on each other, as the explorer's widget cell did (:data:`BUILD_PARAMS`)
CELL_TIMEOUT = 600

#: parameters the build passes to one notebook only: the explorer's live ipywidgets view is
#: not shown on its page (``remove-output``), and executing a widget's comm messages
#: headless has left nbclient waiting on an idle kernel (jupyter/nbclient#312)
BUILD_PARAMS = {"07_explore": {"live_widget": False}}


def _execute_with_retry(src: Path, dest: Path, params: dict, root: Path, tries: int = 2):
    """Execute one notebook (papermill); on a cell that outlasts :data:`CELL_TIMEOUT`, say so
    and execute it once more in a fresh kernel before giving up."""
    for attempt in range(1, tries + 1):
        try:
            return pm.execute_notebook(
                jupytext.read(src),
                str(dest),
                parameters=params,
                kernel_name="python3",
                cwd=str(root),
                progress_bar=False,
                execution_timeout=CELL_TIMEOUT,
            )
        except TimeoutError:
            if attempt == tries:
                raise
            print(
                f"build_book: a cell of {src.name} ran over {CELL_TIMEOUT} s; executing it "
                "again in a fresh kernel",
                flush=True,
            )


def execute(notebooks, out: Path, params: dict, root: Path, store: Path | None = None) -> None:
    """Convert (jupytext) and execute (papermill) each ``.md`` notebook into ``out/*.ipynb``,
    then :func:`tidy` it (``store``: the results store, whose path is shown relative).

    Exits 1 on the first notebook that raises, naming it and the cell.
    """
    out.mkdir(parents=True, exist_ok=True)
    for src in notebooks:
        t0 = time.perf_counter()
        name = src.with_suffix(".ipynb").name
        print(f"build_book: executing {src.name} ...", flush=True)
        try:
            _execute_with_retry(src, out / name, {**params, **BUILD_PARAMS.get(src.stem, {})}, root)
        except pm.PapermillExecutionError as exc:
            _fail(
                f"notebook {src.name} failed in cell {exc.exec_count}: {exc.ename}: "
                f"{exc.evalue}\n  see the executed copy {out / name}"
            )
        tidy(out / name, root, store)
        print(f"build_book: {name} done in {time.perf_counter() - t0:.1f} s", flush=True)


def parse_value(text):
    """A ``-p`` value as papermill reads it: int, float, True/False/None, else the string."""
    if text in ("True", "False", "None"):
        return {"True": True, "False": False, "None": None}[text]
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def tidy(path: Path, root: Path, store: Path | None) -> None:
    """Make an executed notebook fit to read and to download.

    papermill's injected-parameters cell is tagged ``remove-cell`` (the chapter shows its own
    parameters cell); the absolute paths of this machine (the checkout, the store, the home
    directory) become relative ones; alcore's log lines on stderr ("alcore: downloading ...")
    are printed here, in the build's log, instead of in the page.
    """
    nb = nbformat.read(path, as_version=4)
    swaps = []
    if store is not None:
        swaps.append((str(store), display_store(store, root)))
    swaps += [(str(root) + os.sep, ""), (str(root), "."), (str(Path.home()), "~")]

    def scrub(text):
        for old, new in swaps:
            text = text.replace(old, new)
        return text

    for cell in nb.cells:
        tags = cell.metadata.setdefault("tags", [])
        if "injected-parameters" in tags and "remove-cell" not in tags:
            tags.append("remove-cell")
        cell.source = scrub(cell.source)
        if cell.cell_type != "code":
            continue
        kept = []
        for out in cell.outputs:
            if out.output_type == "stream" and out.name == "stderr":
                lines = out.text.splitlines(keepends=True)
                logs = [ln for ln in lines if ln.startswith("alcore: ")]
                for ln in logs:
                    print(f"build_book: {path.stem}: {ln.rstrip()}", flush=True)
                out.text = "".join(ln for ln in lines if not ln.startswith("alcore: "))
                if not out.text:
                    continue
            if out.output_type == "stream":
                out.text = scrub(out.text)
            for mime, value in out.get("data", {}).items():
                if mime.startswith("text/") or mime == "image/svg+xml":
                    out.data[mime] = scrub(value)
            kept.append(out)
        cell.outputs = kept
    # papermill's metadata holds paths too, and the whole source notebook as its "input"
    meta = nb.metadata.get("papermill", {})
    meta["input_path"] = f"notebooks/{path.stem}.md"
    meta["output_path"] = path.name
    nb.metadata = nbformat.from_dict(json.loads(scrub(json.dumps(nb.metadata))))
    nbformat.write(nb, path)


def write_exec_stats(out: Path) -> None:
    """``_exec_stats.md``: when each chapter was executed, in how long, with which status.

    Read from the papermill metadata of every executed notebook in ``out`` (a chapter
    executed by an earlier ``--only`` build keeps its own row).
    """
    rows = []
    for path in sorted(out.glob("[0-9][0-9]_*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        pm = nb.metadata.get("papermill", {})
        code = [c for c in nb.cells if c.cell_type == "code"]
        rows.append(
            {
                "chapter": f"{{doc}}`notebooks/{path.stem}`",
                "executed (UTC)": str(pm.get("end_time", ""))[:19].replace("T", " "),
                "seconds": f"{pm['duration']:.1f}" if pm.get("duration") is not None else "",
                "code cells": len(code),
                "status": "failed" if pm.get("exception") else "ok",
            }
        )
    if not rows:
        text = "*No chapter has been executed yet.*\n"
    else:
        total = sum(float(r["seconds"] or 0) for r in rows)
        text = (
            pd.DataFrame(rows).to_markdown(index=False)
            + f"\n\nAll chapters together: {total:.0f} s.\n"
        )
    with atomic_write(out / "_exec_stats.md", "w") as fh:
        fh.write(text)


def write_profile(out: Path, profile: str, store: Path | None, root: Path) -> None:
    """``_profile.md``: the front page's account of this build, computed from its store.

    The banner of a build that is not the full design (:mod:`alcore.report.banner`), then
    the design's sizes (``experiments/<profile>.yaml``) beside what the store holds.
    """
    path = store if store is not None else root / "results" / profile
    if path.is_dir():
        results = load_results(path)
    else:
        results = pd.DataFrame(columns=CONFIG + ["run_key", "cycle"])
    size = dict(store_size(results), design=design_coverage(results, profile))
    text = banner_markdown(profile, size) or (
        f"This build ran the `{profile}` profile; its store ({display_store(path, root)}) holds "
        f"{size_sentence(size)}.\n"
    )
    with atomic_write(out / "_profile.md", "w") as fh:
        fh.write(text)


def write_design(out: Path, profiles=("default", "paper")) -> None:
    """``_design.md``: the size of each full-design profile, read from its YAML (never typed).

    One row per profile: its datasets, encoders, seeds and active-learning runs.
    """
    rows = []
    for name in profiles:
        configs = load_profile(name).configs(check_names=False)
        al = [c for c in configs if c.cycles and c.study == "main"]
        names = {k: sorted({str(getattr(c, k)) for c in al}) for k in ("dataset", "encoder")}
        seeds = sorted({c.seed for c in al})
        rows.append(
            {
                "profile": f"`{name}`",
                "datasets": f"{len(names['dataset'])}: {', '.join(names['dataset'])}",
                "encoders": f"{len(names['encoder'])}: {', '.join(names['encoder'])}",
                "seeds": len(seeds),
                "AL runs": f"{len(al):,}",
            }
        )
    with atomic_write(out / "_design.md", "w") as fh:
        fh.write(pd.DataFrame(rows).to_markdown(index=False) + "\n")


def check_toc(book: Path) -> None:
    """Fail clearly if the table of contents names a chapter that does not exist."""
    toc = read_yaml(book / "_toc.yml")
    files = [toc["root"]]
    stack = list(toc.get("chapters", [])) + [
        c for p in toc.get("parts", []) for c in p.get("chapters", [])
    ]
    while stack:
        entry = stack.pop()
        if "file" in entry:
            files.append(entry["file"])
        stack += entry.get("sections", [])
    missing = [
        f for f in files if not any((book / f).with_suffix(s).is_file() for s in (".md", ".ipynb"))
    ]
    if missing:
        _fail(
            f"the book's _toc.yml names missing chapter(s) {missing}; execute their "
            "notebooks first (or add its source notebooks/NN_name.md)"
        )


def build(book: Path) -> None:
    """``jupyter-book build <book> -n -W --keep-going``; exit 1 on warnings or errors."""
    check_toc(book)
    jb = Path(sys.executable).parent / "jupyter-book"
    cmd = [
        str(jb) if jb.exists() else "jupyter-book",
        "build",
        str(book),
        "-n",
        "-W",
        "--keep-going",
    ]
    print("build_book:", " ".join(cmd), flush=True)
    if subprocess.run(cmd).returncode:
        _fail("jupyter-book build failed (warnings count as errors); see the log above")
    print(f"build_book: HTML in {book / '_build' / 'html' / 'index.html'}")


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--profile", default="quick", help="results/<PROFILE> (default quick)")
    p.add_argument("--store", help="results directory (default results/<profile>)")
    p.add_argument("--root", type=Path, help="the checkout with notebooks/ and book/")
    p.add_argument("--book", type=Path, help="the book's source dir (default ROOT/book)")
    p.add_argument("--only", nargs="*", help="notebook name prefixes to run (default all)")
    p.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help="a notebook parameter, as papermill's -p (e.g. -p datasets '[\"trec6\"]')",
    )
    p.add_argument("--datasets", nargs="+", help="the notebooks' datasets (default: their own)")
    p.add_argument("--encoders", nargs="+", help="the notebooks' encoders (default: their own)")
    p.add_argument("--no-build", action="store_true", help="execute the notebooks only")
    args = p.parse_args(argv)
    root = find_root(args.root)
    book = args.book or root / "book"

    os.environ.pop("MPLBACKEND", None)  # with agg the figures vanish from executed notebooks
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    notebooks = sorted((root / "notebooks").glob("[0-9][0-9]_*.md"))
    if args.only:
        notebooks = [nb for nb in notebooks if nb.name.startswith(tuple(args.only))]
    if not notebooks:
        _fail("no notebooks to execute in notebooks/")
    out = book / "notebooks"
    ensure_kernel()
    write_tables(out, root)
    params = {"profile": args.profile}
    store = Path(args.store).resolve() if args.store else None
    if store is not None:
        params["store"] = display_store(store, root) if store.is_relative_to(root) else str(store)
    for name, value in args.parameter:
        if name in ("profile", "store"):
            _fail(f"pass {name} as --{name}, not as -p {name}")
        params[name] = parse_value(value)
    for key in ("datasets", "encoders"):  # a grid's book: only what the grid names is loaded
        if getattr(args, key):
            params[key] = list(getattr(args, key))
    execute(notebooks, out, params, root, store)
    write_profile(out, args.profile, store, root)
    write_design(out)
    write_exec_stats(out)
    if not args.no_build:
        build(book)


if __name__ == "__main__":
    main()
