"""Execute the report notebooks with papermill and build the Jupyter Book.

    python -m alcore.report.build --profile quick            # results/quick -> book/_build/html
    python -m alcore.report.build --profile default --store /data/results/default
    python -m alcore.report.build --profile quick --no-build  # only execute the notebooks
    python -m alcore.report.build --only 02 --no-build        # one chapter

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
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from alcore.core.safe_yaml import read_yaml


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


def _fail(msg: str) -> None:
    print(f"build_book: ERROR: {msg}", file=sys.stderr)
    raise SystemExit(1)


def ensure_kernel() -> None:
    """Install the ``python3`` kernel spec into this interpreter's prefix if it is missing."""
    from jupyter_client.kernelspec import KernelSpecManager

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
    import pandas as pd

    from alcore.core.paths import atomic_write
    from alcore.data import list_datasets
    from alcore.embedding.embed import list_encoders

    ds = list_datasets()[
        ["name", "offline", "rows_train", "rows_test", "classes", "stands_in_for", "budget"]
    ]
    enc = list_encoders()[
        ["name", "kind", "dim", "pooling", "mteb", "mteb_comparable", "mteb_source", "offline"]
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


def execute(notebooks, out: Path, params: dict, root: Path) -> None:
    """Convert (jupytext) and execute (papermill) each ``.md`` notebook into ``out/*.ipynb``.

    Exits 1 on the first notebook that raises, naming it and the cell.
    """
    import jupytext
    import papermill as pm

    out.mkdir(parents=True, exist_ok=True)
    for src in notebooks:
        t0 = time.perf_counter()
        name = src.with_suffix(".ipynb").name
        print(f"build_book: executing {src.name} ...", flush=True)
        try:
            pm.execute_notebook(
                jupytext.read(src),
                str(out / name),
                parameters=params,
                kernel_name="python3",
                cwd=str(root),
                progress_bar=False,
            )
        except pm.PapermillExecutionError as exc:
            _fail(
                f"notebook {src.name} failed in cell {exc.exec_count}: {exc.ename}: "
                f"{exc.evalue}\n  see the executed copy {out / name}"
            )
        print(f"build_book: {name} done in {time.perf_counter() - t0:.1f} s", flush=True)


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
    p.add_argument("--no-build", action="store_true", help="execute the notebooks only")
    p.add_argument("--datasets", nargs="+", help="the notebooks' datasets (default: their own)")
    p.add_argument("--encoders", nargs="+", help="the notebooks' encoders (default: their own)")
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
    if args.store:
        params["store"] = str(Path(args.store).resolve())
    for key in ("datasets", "encoders"):  # a grid's book: only what the grid names is loaded
        if getattr(args, key):
            params[key] = list(getattr(args, key))
    execute(notebooks, out, params, root)
    if not args.no_build:
        build(book)


if __name__ == "__main__":
    main()
