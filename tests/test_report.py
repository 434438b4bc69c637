"""alcore.report.notebook: what the notebooks share (loading, notes, figures, bench tables)."""

import matplotlib

matplotlib.use("agg")

import matplotlib.pyplot as plt
import nbformat
import pandas as pd
import pytest
from _synth import make_results, write_store

from alcore.report import build
from alcore.report import notebook as report
from alcore.report import plots as P
from alcore.report import tables as T
from alcore.report.banner import banner_markdown, store_size


@pytest.fixture()
def shown(monkeypatch):
    """What report displays, in order (IPython's display replaced by a list)."""
    out = []
    monkeypatch.setattr(report, "_display", out.append)
    monkeypatch.setattr(report, "_markdown", lambda text: f"MD:{text}")
    return out


@pytest.fixture(scope="module")
def synth():
    return make_results(
        seeds=(0, 1),
        cycles=3,
        datasets={"toy_binary": 2},
        encoders={"weak": 0.7, "strong": 0.9},
        strategies=("random", "margin"),
    )


def test_load_report_data_names_selected_names_the_store_lacks(tmp_path, synth):
    df, ub = synth
    write_store(tmp_path / "store", df, ub)
    data = report.load_report_data(store=str(tmp_path / "store"), encoders=["weak", "minilm"])
    assert set(data["results"]["encoder"]) == {"weak"}
    assert "encoder ['minilm'] not in the store" in data["message"]
    data = report.load_report_data(store=str(tmp_path / "store"), datasets=["nope"])
    assert data["results"].empty and "no finished runs" in data["message"]
    assert report.load_report_data(store=str(tmp_path / "store"))["message"] == ""
    missing = report.load_report_data(store=str(tmp_path / "none"))
    assert missing["results"].empty and "No results store" in missing["message"]


def test_describe_shows_the_banner_the_store_relative_and_what_is_missing(
    tmp_path, synth, shown, capsys
):
    df, ub = synth
    write_store(tmp_path / "store", df, ub)
    report.describe(report.load_report_data(store=str(tmp_path / "store"), seeds=[0, 7]))
    printed = capsys.readouterr().out
    assert "active-learning runs" in printed and "seed      0\n" in printed
    assert str(tmp_path) not in printed  # no absolute path of the machine in the page
    banner, note = shown
    assert "Built from the <code>quick</code> profile" in banner.data
    assert "1 dataset (toy_binary), 2 encoders (strong, weak) and 2 seeds" in banner.data
    assert "2 (dataset, encoder) cells" in banner.data and "not testable here" in banner.data
    assert note == "MD:> **Note.** seed [7] not in the store (it holds ['0', '1']); left out"


def test_a_full_design_has_a_banner_only_while_its_store_holds_part_of_it(tmp_path, synth, shown):
    df, ub = synth
    write_store(tmp_path / "store", df, ub)
    data = report.load_report_data("default", store=str(tmp_path / "store"))
    report.describe(data)  # a synthetic store holds none of the default design's runs
    assert "Part of the <code>default</code> design: 0 of its" in str(shown[0].data)
    size = dict(
        data["size"],
        design={
            "a": (10, 10, ()),
            "b": (3, 10, ("mpnet",)),
            "c": (0, 5, ("e1", "e2")),
            "d": (4, 8, ()),
        },
    )
    text = banner_markdown("paper", size)
    assert "17 of its 33 runs" in text
    assert "Complete: a; in part: b (3 of 10; no mpnet run yet), d (4 of 8)" in text
    assert "not yet run: c" in text
    assert banner_markdown("paper", dict(size, design={"a": (10, 10, ())})) == ""


def test_design_coverage_names_the_encoders_without_a_run(tmp_path):
    from alcore.report.banner import design_coverage
    from alcore.runs.experiment import load_profile

    configs = load_profile("paper").configs(check_names=False)
    keep = [c.key() for c in configs if c.dataset == "trec6" and c.encoder != "mpnet"]
    first_sms = next(c for c in configs if c.dataset == "sms_spam")
    keep.append(first_sms.key())
    cov = design_coverage(pd.DataFrame({"run_key": keep}), "paper")
    have, want, missing = cov["trec6"]
    assert have == len(keep) - 1 and want > have and missing == ("mpnet",)
    assert cov["sms_spam"][0] == 1 and first_sms.encoder not in cov["sms_spam"][2]
    assert cov["bbc_news"][0] == 0 and "glove50" in cov["bbc_news"][2]
    assert design_coverage(pd.DataFrame({"run_key": keep}), "quick") is None


def test_banner_says_what_verdicts_can_say_from_the_datasets_in_the_store(synth):
    size = store_size(synth[0])
    assert size["cells"] == 2 and size["seeds"] == ["0", "1"]
    assert "not testable here" in banner_markdown("quick", size)
    three = store_size(
        make_results(
            seeds=(0,),
            cycles=2,
            datasets={"a": 2, "b": 2, "c": 2},
            encoders={"w": 0.7, "s": 0.9},
            strategies=("random",),
        )[0]
    )
    text = banner_markdown("ci", three)
    assert "`ci` profile" in text and "6 cells and 1 seed" in text and "holds" in text
    assert banner_markdown("paper", three) == ""


def test_show_displays_the_figure_once_and_closes_it(synth, shown):
    fig = P.top_share_by_ips(synth[0])
    report.show(fig)
    assert shown == [fig]
    assert not plt.fignum_exists(fig.number)


def test_table_drops_the_index_fixes_decimals_and_names_an_empty_table(shown, monkeypatch):
    got = []
    monkeypatch.setattr(T, "display", got.append)
    frame = pd.DataFrame(
        {"acc": [0.12345, float("nan"), 0.5], "n": [1200, 3, 4], "share": [0.25, None, 1.0]},
        index=pd.Index(["a", "b", "c"], name="strategy"),
    )
    T.table(frame, caption="Cap.", decimals={"acc": 2}, percent=("share",))
    html = got[0].data
    assert '<th class="text">strategy</th>' in html and "Cap." in html
    assert ">0.12<" in html and ">1,200<" in html and ">25%<" in html and ">0.50<" in html
    assert ">b<" not in html  # a row without a measured value is left out
    T.table(frame.assign(acc=float("nan"), share=float("nan")), caption="Empty.")
    T.table(pd.DataFrame(), caption="None")
    assert [g.data for g in got[1:]] == [
        "*No values to show for “Empty” in this build.*",
        "*No values to show for “None” in this build.*",
    ]


def test_show_takeaways_filters_by_id(shown):
    table = pd.DataFrame(
        {
            "id": ["T1", "T2"],
            "paper": ["p1", "p2"],
            "here": ["h1", "h2"],
            "verdict": ["holds", "partly"],
        }
    )
    report.show_takeaways(table, ids=["T2"])
    assert shown == ["MD:**Paper:** p2  \n**Here:** h2. **Verdict: partly.**"]


def test_read_bench_notes_a_missing_table(tmp_path, monkeypatch, shown):
    monkeypatch.setattr(report, "repo_root", lambda: tmp_path)
    assert report.read_bench("bench_x.csv", "x").empty
    assert "alcore bench x" in shown[0]
    (tmp_path / "book" / "data").mkdir(parents=True)
    (tmp_path / "book" / "data" / "bench_x.csv").write_text("a,b\n1,2\n")
    assert report.read_bench("bench_x.csv", "x").to_dict("records") == [{"a": 1, "b": 2}]


def test_repo_root_finds_the_checkout(tmp_path):
    (tmp_path / "alcore").mkdir()
    (tmp_path / "alcore" / "__init__.py").write_text("")
    (tmp_path / "notebooks" / "sub").mkdir(parents=True)
    assert report.repo_root(tmp_path / "notebooks" / "sub") == tmp_path.resolve()


def test_build_reads_p_values_as_papermill_does():
    assert [build.parse_value(v) for v in ("3", "0.5", "True", "None", "quick")] == [
        3,
        0.5,
        True,
        None,
        "quick",
    ]
    assert build.parse_value('["trec6"]') == '["trec6"]'  # check_params parses JSON lists


def test_build_tidy_hides_the_injected_cell_and_the_machine(tmp_path, capsys):
    root, store = tmp_path / "repo", tmp_path / "elsewhere" / "store"
    nb = nbformat.v4.new_notebook()
    injected = nbformat.v4.new_code_cell(f'store = "{store}"')
    injected.metadata["tags"] = ["injected-parameters"]
    shown = nbformat.v4.new_code_cell("print(store)")
    shown.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text=f"store: {root}/results/x\n"),
        nbformat.v4.new_output("stream", name="stderr", text="alcore: downloading x from PyPI\n"),
    ]
    nb.cells = [injected, shown]
    nb.metadata["papermill"] = {"input_path": {"cells": []}, "output_path": str(root / "o")}
    path = tmp_path / "01_x.ipynb"
    nbformat.write(nb, path)
    build.tidy(path, root, store)
    text = path.read_text()
    assert str(tmp_path) not in text and "elsewhere/store" in text
    got = nbformat.read(path, as_version=4)
    assert "remove-cell" in got.cells[0].metadata["tags"]
    assert [o.name for o in got.cells[1].outputs] == ["stdout"]
    assert "alcore: downloading x from PyPI" in capsys.readouterr().out  # in the build's log
    assert got.metadata["papermill"]["input_path"] == "notebooks/01_x.md"


def test_the_build_passes_the_explorer_no_live_widget(tmp_path, monkeypatch):
    """The book's build executes the explorer without its ipywidgets view (its output is
    removed from the page; a widget's messages have stalled headless runs); the other
    notebooks get the common parameters only, and the notebook declares the parameter."""
    import jupytext

    from alcore.report import build

    seen = {}
    monkeypatch.setattr(
        build,
        "_execute_with_retry",
        lambda src, dest, params, root: seen.update({src.stem: params}),
    )
    monkeypatch.setattr(build, "tidy", lambda *a: None)
    nbs = [tmp_path / "06_reproducibility.md", tmp_path / "07_explore.md"]
    build.execute(nbs, tmp_path / "out", {"profile": "paper"}, tmp_path)
    assert seen == {
        "06_reproducibility": {"profile": "paper"},
        "07_explore": {"profile": "paper", "live_widget": False},
    }
    cells = jupytext.read(build.find_root(None) / "notebooks" / "07_explore.md").cells
    params = next(c for c in cells if "parameters" in c.metadata.get("tags", []))
    assert "live_widget = True" in params.source


def test_a_notebook_whose_cell_hangs_is_executed_once_more(tmp_path, monkeypatch, capsys):
    """A kernel and its client both idle (a lost message) end in a cell timeout: the build
    executes the notebook again in a fresh kernel, once."""
    from alcore.report import build

    calls = []

    def flaky(nb, dest, **kw):
        calls.append(kw["execution_timeout"])
        if len(calls) == 1:
            raise TimeoutError("cell timed out")
        return nb

    monkeypatch.setattr(build.pm, "execute_notebook", flaky)
    monkeypatch.setattr(build.jupytext, "read", lambda src: {"cells": []})
    build._execute_with_retry(tmp_path / "nb.md", tmp_path / "nb.ipynb", {}, tmp_path)
    assert calls == [build.CELL_TIMEOUT] * 2
    assert "executing it again in a fresh kernel" in capsys.readouterr().out
    calls.clear()
    monkeypatch.setattr(
        build.pm, "execute_notebook", lambda *a, **k: (_ for _ in ()).throw(TimeoutError())
    )
    with pytest.raises(TimeoutError):
        build._execute_with_retry(tmp_path / "nb.md", tmp_path / "nb.ipynb", {}, tmp_path)
