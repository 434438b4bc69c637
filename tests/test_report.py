"""alcore.report.notebook: what the notebooks share (loading, notes, figures, bench tables)."""

import matplotlib

matplotlib.use("agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from _synth import make_results, write_store

from alcore.report import notebook as report
from alcore.report import plots as P


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


def test_describe_prints_the_store_and_notes_what_is_missing(tmp_path, synth, shown, capsys):
    df, ub = synth
    write_store(tmp_path / "store", df, ub)
    report.describe(report.load_report_data(store=str(tmp_path / "store"), seeds=[0, 7]))
    printed = capsys.readouterr().out
    assert "active-learning runs" in printed and "seed      ['0']" in printed
    assert shown == ["MD:> **Note.** seed [7] not in the store (it holds ['0', '1']); left out"]


def test_show_captions_a_figure_with_the_function_that_drew_it(synth, shown):
    fig = P.top_share_by_ips(synth[0])
    report.show(fig, "Fig. 5: top share.")
    assert shown[0] is fig
    assert shown[1] == "MD:*Fig. 5: top share.* (drawn by `alcore.report.plots.top_share_by_ips`)"
    assert not plt.fignum_exists(fig.number)


def test_show_turns_an_empty_figure_into_a_note(synth, shown):
    fig = P.ips_win_share_by_k0(synth[0].iloc[:0])
    report.show(fig, "Fig. 1: share of wins.")
    assert len(shown) == 1 and shown[0].startswith("MD:> **Note.** Not drawn: Fig. 1: share")
    assert "no IPS-study runs" in shown[0] and "ips_win_share_by_k0" in shown[0]


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
