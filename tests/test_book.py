"""The report end to end: notebooks 01-03 run on a small store, the book builds with -W, and
every page and figure loads in headless Chromium. The one slow test module (about a minute
or two); the structural checks at the top are fast.

The notebooks' sources are MyST Markdown notebooks (``notebooks/NN_name.md``); the build
converts them with jupytext and executes them with papermill."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest
from _browser import chromium_driver
from _synth import make_results, write_store

from alcore.report import build as build_module

ROOT = Path(__file__).resolve().parent.parent

REPORT = ("01_ips_study", "02_ips_on_al", "03_embedding_quality")
BOOK_FILES = ("intro.md", "methods.md", "execution.md", "bibliography.md", "references.bib")
BOOK_FILES += ("_config.yml",)
CHAPTERS = ("00_data_encoders",) + REPORT + ("04_findings", "05_performance", "06_reproducibility")


@pytest.mark.parametrize("name", CHAPTERS)
def test_notebook_structure(name):
    path = ROOT / "notebooks" / f"{name}.md"
    assert jupytext.formats.guess_format(path.read_text(), ".md")[0] == "myst", name
    nb = jupytext.read(path)
    md = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    for section in ("## Overview", "## Setup", "## Parameters", "## Results", "## Summary"):
        assert section in md, f"{name} lacks the section {section}"
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and "profile" in tagged[0].source and "store" in tagged[0].source
    code = [c for c in nb.cells if c.cell_type == "code"]
    # the set-up cell (imports, report.setup) is left out of the book; every other cell but
    # the parameters is one click away
    assert "remove-input" in code[0].metadata.get("tags", []), name
    for c in code[1:]:
        tags = c.metadata.get("tags", [])
        assert "parameters" in tags or "hide-input" in tags, (name, c.source[:60])
    nbformat.validate(nb)


def _numrefs(text):
    return set(re.findall(r"\{numref\}`(?:[^`<]*<)?([\w-]+)>?`", text))


def test_every_figure_is_numbered_captioned_and_every_reference_resolves():
    """A cell that shows a figure carries ``mystnb: figure:`` (a caption and a name); every
    ``{numref}`` of the book names one of them."""
    names = []
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.md")):
        nb = jupytext.read(path)
        for c in nb.cells:
            if c.cell_type == "code" and "show(P." in c.source:
                fig = c.metadata.get("mystnb", {}).get("figure", {})
                assert fig.get("caption") and fig.get("name"), (path.name, c.source[:60])
                assert c.source.count("show(") == 1, (path.name, "one figure a cell")
                names.append(fig["name"])
    assert len(names) == len(set(names)), "figure names are unique"
    text = "".join(
        p.read_text() for p in [*(ROOT / "notebooks").glob("*.md"), *(ROOT / "book").glob("*.md")]
    )
    assert _numrefs(text) and _numrefs(text) <= set(names), _numrefs(text) - set(names)


def test_reader_text_cites_the_paper_and_names_no_issue():
    text = "".join(
        p.read_text() for p in [*(ROOT / "notebooks").glob("*.md"), *(ROOT / "book").glob("*.md")]
    )
    bib = (ROOT / "book" / "references.bib").read_text()
    keys = set(re.findall(r"@\w+\{([\w-]+),", bib))
    cited = set(re.findall(r"\{cite:?\w*\}`([^`]+)`", text))
    assert "rauch2025nofreelunch" in cited and cited <= keys, cited - keys
    assert not re.search(r"\bissue\s+#?\d+", text, flags=re.IGNORECASE)


def test_notebooks_are_text_only():
    """The .md sources are the notebooks; no generator, no committed .ipynb."""
    assert not list((ROOT / "notebooks").glob("*.ipynb"))
    for tool in (ROOT / "tools").glob("*.py"):
        assert "new_code_cell" not in tool.read_text(), tool.name


def test_build_fails_clearly_on_missing_chapter(tmp_path, capsys):
    bb = build_module
    (tmp_path / "intro.md").write_text("# Intro\n")
    (tmp_path / "_toc.yml").write_text(
        "format: jb-book\nroot: intro\nchapters:\n  - file: notebooks/99_missing\n"
    )
    with pytest.raises(SystemExit) as exc:
        bb.check_toc(tmp_path)
    assert exc.value.code == 1 and "99_missing" in capsys.readouterr().err


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    """Execute notebooks 01-03 on a small synthetic store and build the book with -W."""
    tmp = tmp_path_factory.mktemp("book")
    df, ub = make_results(
        seeds=(0, 1),
        cycles=4,
        ips_k0=(5, 20),
        datasets={"toy_binary": 2, "toy_topics": 8},
        encoders={"weak": 0.7, "strong": 0.9},
        strategies=("random", "margin", "typiclust"),
    )
    write_store(tmp / "store", df, ub)
    src = tmp / "book"
    src.mkdir()
    for f in BOOK_FILES:
        shutil.copy(ROOT / "book" / f, src / f)
    shutil.copytree(ROOT / "book" / "_static", src / "_static")
    chapters = "".join(f"  - file: notebooks/{n}\n" for n in REPORT)
    (src / "_toc.yml").write_text(
        f"format: jb-book\nroot: intro\nchapters:\n  - file: methods\n{chapters}"
        "  - file: execution\n  - file: bibliography\n"
    )
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "alcore.report.build",
            "--profile",
            "quick",
            "--store",
            str(tmp / "store"),
            "--book",
            str(src),
            "--only",
            "01",
            "02",
            "03",
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return src


def _machine_paths(*more):
    """Absolute paths of the machine that built a book: none may appear in a page."""
    return [str(p) for p in (ROOT, Path.home(), *more)]


def test_executed_notebooks_hold_no_errors_and_no_build_residue(book):
    for name in REPORT:
        path = book / "notebooks" / f"{name}.ipynb"
        nb = nbformat.read(path, as_version=4)
        injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
        assert len(injected) == 1 and "remove-cell" in injected[0].metadata["tags"], name
        outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
        assert not [o for o in outputs if o.output_type == "error"], name
        assert not [o for o in outputs if o.get("name") == "stderr"], name
        images = [o for o in outputs if "image/svg+xml" in o.get("data", {})]
        assert images, f"{name} shows no figure"
        text = path.read_text()
        assert "drawn by alcore.report.plots." in text, name
        leaks = [p for p in _machine_paths(book.parent) if p in text]
        assert not leaks, f"{name}.ipynb holds {leaks}"


def test_pages_and_figures_load_in_chromium(book):
    pages = ["intro.html", "methods.html", "execution.html", "bibliography.html"]
    pages += [f"notebooks/{n}.html" for n in REPORT]
    _check_pages(
        book / "_build" / "html",
        pages,
        min_images=lambda page: 2 if page.startswith("notebooks/") else 0,
        forbidden=_machine_paths(book.parent),
    )
    intro = (book / "_build" / "html" / "intro.html").read_text()
    assert "Built from the" in intro and "quick" in intro  # the banner of a small build
    assert "Rauch" in (book / "_build" / "html" / "bibliography.html").read_text()


def _check_pages(html, pages, min_images, forbidden=(), width=1280):
    """Every page loads in headless Chromium at ``width`` px: every image loaded, no
    traceback, no horizontal scrollbar, no console error, and no path of ``forbidden`` in the
    page or in the notebook it offers for download."""
    driver = chromium_driver(log_requests=True)
    from selenium.webdriver.support.ui import WebDriverWait

    driver.set_window_size(width, 900)
    try:
        for page in pages:
            path = html / page
            assert path.is_file(), f"{page} was not built"
            driver.get_log("browser")  # what earlier pages logged
            driver.get(path.as_uri())
            # on a loaded machine get() can return while the page still loads: wait for it
            WebDriverWait(driver, 60).until(
                lambda d: d.execute_script("return document.readyState") == "complete"
            )
            assert driver.title and "404" not in driver.title, page
            imgs = driver.execute_script(
                "return Array.from(document.images).map(i => [i.src, i.complete, i.naturalWidth])"
            )
            broken = [src for src, done, width in imgs if not done or width == 0]
            assert not broken, f"{page}: images that did not load: {broken}"
            assert len(imgs) >= min_images(page), f"{page} shows {len(imgs)} images"
            assert "Traceback" not in driver.find_element("tag name", "body").text, page
            scroll, client = driver.execute_script(
                "const e = document.documentElement; return [e.scrollWidth, e.clientWidth]"
            )
            assert scroll <= client, f"{page}: a horizontal scrollbar ({scroll} > {client} px)"
            errors = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
            assert not errors, f"{page}: console errors {errors}"
            source = driver.page_source
            download = html / "_sources" / Path(page).with_suffix(".ipynb")
            if download.is_file():
                source += download.read_text()
            leaks = [p for p in forbidden if p in source]
            assert not leaks, f"{page}: paths of the build machine {leaks}"
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def quick_book(tmp_path_factory):
    """The real pipeline on the `quick` profile: embed (real encoders), run the grid into a
    fresh store, execute every notebook with papermill and build the whole book with -W."""
    from alcore.core import paths

    tmp = tmp_path_factory.mktemp("quick")
    home = tmp / "home"
    home.mkdir()
    real = paths.home()
    for kind in ("archives", "datasets", "encoders"):  # shared downloads; embeddings fresh
        (real / kind).mkdir(parents=True, exist_ok=True)
        (home / kind).symlink_to(real / kind)
    env = {**os.environ, "ALCORE_HOME": str(home)}
    env.pop("MPLBACKEND", None)
    alcore = [sys.executable, "-m", "alcore"]
    store = tmp / "store"
    for cmd in (
        alcore + ["embed", "--profile", "quick", "--no-progress"],
        alcore
        + ["run", "--profile", "quick", "--store", str(store), "--jobs", "2", "--no-progress"],
    ):
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900, env=env, cwd=ROOT)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    src = tmp / "book"
    shutil.copytree(ROOT / "book", src, ignore=shutil.ignore_patterns("_build", "notebooks"))
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "alcore.report.build",
            "--profile",
            "quick",
            "--store",
            str(store),
            "--book",
            str(src),
        ],
        capture_output=True,
        text=True,
        timeout=900,
        env=env,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return {"book": src, "store": store}


def test_quick_profile_store_is_complete(quick_book):
    from alcore.runs.experiment import load_profile
    from alcore.runs.store import load_results

    df = load_results(quick_book["store"])
    expected = {c.key() for c in load_profile("quick").configs()}
    assert set(df["run_key"]) == expected
    assert not list((quick_book["store"] / "failed").glob("*.json"))
    assert df["accuracy"].between(0, 1).all()


def test_quick_profile_book_every_chapter_in_chromium(quick_book):
    import yaml

    book = quick_book["book"]
    toc = yaml.safe_load((book / "_toc.yml").read_text())
    chapters = [c["file"] for p in toc["parts"] for c in p["chapters"]]
    for name in [c for c in chapters if c.startswith("notebooks/")]:
        nb = nbformat.read(book / f"{name}.ipynb", as_version=4)
        outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
        assert not [o for o in outputs if o.output_type == "error"], name
        # alcore's log lines ("alcore: downloading ... from PyPI") go to the build's log
        assert not [o for o in outputs if o.get("name") == "stderr"], name
    figures = {"notebooks/00", "notebooks/01", "notebooks/02", "notebooks/03", "notebooks/05"}
    _check_pages(
        book / "_build" / "html",
        ["intro.html"] + [f"{c}.html" for c in chapters],
        min_images=lambda page: int(page[:12] in figures),
        forbidden=_machine_paths(quick_book["store"].parent),
    )
