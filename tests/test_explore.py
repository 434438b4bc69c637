"""The explorer's table and view (alcore.report.explore) against the store and the analysis."""

import numpy as np
import pandas as pd
import pytest
from _synth import make_results, write_store
from scipy import stats as sps

from alcore.report import explore as X
from alcore.runs.store import load_results, load_upper_bounds
from alcore.science import analysis as A

KEYS = ["dataset", "encoder", "ips", "strategy"]


@pytest.fixture(scope="module")
def synth():
    df, ub = make_results(
        seeds=(0, 1, 2),
        cycles=8,
        ips_k0=(5, 20),
        datasets={"toy_binary": 2, "toy_topics": 8},
        strategies=("random", "margin", "typiclust", "badge"),
    )
    return df, ub, X.explorer_table(df, ub)


def test_table_rows_columns_and_size(synth):
    df, _ub, t = synth
    al = A.al_part(df)
    assert len(t) == al.groupby(KEYS + ["cycle"]).ngroups == 2 * 2 * 2 * 4 * 9
    assert "none" not in set(t["strategy"])  # the IPS study is not part of the explorer
    for m in X.METRICS:
        for s in ("mean", "min", "max", "lo", "hi"):
            assert f"{m}_{s}" in t
        for s in ("mean", "lo", "hi"):
            assert f"aulc_{m}_{s}" in t
    assert [c for c in t if c.startswith("peak_")] == ["peak_seed0", "peak_seed1", "peak_seed2"]
    assert (t["n_seeds"] == 3).all()
    assert not t.duplicated(KEYS + ["cycle"]).any()
    # small: a few hundred bytes a row, strings included
    assert 0 < X.table_bytes(t) < 400 * len(t)


def test_table_from_the_store_equals_the_table_from_the_frame(synth, tmp_path):
    df, ub, t = synth
    write_store(tmp_path / "store", df, ub)
    got = X.explorer_table(load_results(tmp_path / "store"), load_upper_bounds(tmp_path / "store"))
    pd.testing.assert_frame_equal(
        got.sort_values(KEYS + ["cycle"], ignore_index=True),
        t.sort_values(KEYS + ["cycle"], ignore_index=True),
    )


def test_values_match_the_analysis_functions(synth):
    df, _ub, t = synth
    last = t.sort_values("cycle").groupby(KEYS).tail(1).set_index(KEYS)
    for metric in ("accuracy", "macro_f1"):
        fin = A.final_accuracy(df, metric).set_index(KEYS)
        np.testing.assert_allclose(last[f"{metric}_mean"], fin.loc[last.index, "mean"], atol=5e-5)
        au = A.aulc(df, metric).groupby(KEYS)["aulc"].mean()
        np.testing.assert_allclose(last[f"aulc_{metric}_mean"], au.loc[last.index], atol=5e-5)
    # seed range and Student-t CI of one cell, by hand
    al = A.al_part(df)
    cell = al[
        (al["dataset"] == "toy_topics")
        & (al["encoder"] == "weak")
        & (al["ips"] == "typiclust")
        & (al["strategy"] == "margin")
        & (al["cycle"] == 4)
    ]
    row = t[
        (t["dataset"] == "toy_topics")
        & (t["encoder"] == "weak")
        & (t["ips"] == "typiclust")
        & (t["strategy"] == "margin")
        & (t["cycle"] == 4)
    ].iloc[0]
    acc = cell["accuracy"].to_numpy()
    half = sps.t.ppf(0.975, len(acc) - 1) * acc.std(ddof=1) / np.sqrt(len(acc))
    assert row["accuracy_min"] == pytest.approx(acc.min(), abs=5e-5)
    assert row["accuracy_max"] == pytest.approx(acc.max(), abs=5e-5)
    assert row["accuracy_lo"] == pytest.approx(acc.mean() - half, abs=5e-5)
    assert row["accuracy_hi"] == pytest.approx(acc.mean() + half, abs=5e-5)
    assert row["n_labelled"] == cell["n_labelled"].iloc[0]


def test_gain_is_paired_by_seed_with_random(synth):
    df, _ub, t = synth
    pairs = A.paired_differences(df, "strategy", "badge", "random")
    want = pairs.groupby(["dataset", "encoder", "ips", "cycle"])["diff"].agg(["mean", "min", "max"])
    got = t[t["strategy"] == "badge"].set_index(["dataset", "encoder", "ips", "cycle"])
    np.testing.assert_allclose(got.loc[want.index, "gain_mean"], want["mean"], atol=5e-5)
    np.testing.assert_allclose(got.loc[want.index, "gain_min"], want["min"], atol=5e-5)
    rnd = t[t["strategy"] == "random"]
    assert (rnd["gain_mean"] == 0).all() and (rnd["aulc_gain_mean"] == 0).all()


def test_gain_is_missing_without_random(synth):
    df, ub, _ = synth
    t = X.explorer_table(df[df["strategy"] != "random"], ub)
    assert t["gain_mean"].isna().all() and t["accuracy_mean"].notna().all()
    view = X.explorer_data(t, "toy_binary", "weak", "random", metric="gain")
    assert view["curves"]["strategy"] == [] and view["ranking"]["strategy"] == []


@pytest.mark.parametrize("share", [0.8, 0.9, 0.97])
def test_labels_to_reach_matches_analysis(synth, share):
    df, ub, t = synth
    want = A.labels_to_reach(df, ub, frac=share).set_index(KEYS)
    for (d, e, ips), _ in want.groupby(["dataset", "encoder", "ips"]):
        view = X.explorer_data(t, d, e, ips, share=share)["reach"]
        for s, labels, reached, seeds in zip(
            view["strategy"], view["labels"], view["reached"], view["seeds"]
        ):
            w = want.loc[(d, e, ips, s)]
            assert reached / seeds == pytest.approx(w["reached"]), (d, e, ips, s)
            assert labels == pytest.approx(w["labels"], nan_ok=True), (d, e, ips, s)


def test_view_ranking_and_curves(synth):
    _, _, t = synth
    v = X.explorer_data(
        t,
        "toy_topics",
        "strong",
        "random",
        ["typiclust", "random", "margin"],
        metric="macro_f1",
        rank_by="aulc",
        share=0.9,
    )
    assert v["curves"]["strategy"] == ["random", "margin", "typiclust"]  # the report's order
    assert v["ranking"]["mean"] == sorted(v["ranking"]["mean"], reverse=True)
    assert all(
        lo <= m <= hi
        for lo, m, hi in zip(v["ranking"]["lo"], v["ranking"]["mean"], v["ranking"]["hi"])
    )
    for xs, ys, lo, hi, bx in zip(
        v["curves"]["xs"],
        v["curves"]["ys"],
        v["curves"]["lo"],
        v["curves"]["hi"],
        v["curves"]["band_xs"],
    ):
        assert xs == sorted(xs) and len(xs) == 9 and len(bx) == 18
        assert all(a <= y <= b for a, y, b in zip(lo, ys, hi))
    sub = t[
        (t["dataset"] == "toy_topics")
        & (t["encoder"] == "strong")
        & (t["ips"] == "random")
        & (t["strategy"] == "margin")
    ]
    i = v["ranking"]["strategy"].index("margin")
    assert v["ranking"]["mean"][i] == sub["aulc_macro_f1_mean"].iloc[-1]
    assert v["target"]["full_accuracy"] == sub["full_accuracy"].iloc[0]


def test_view_rejects_unknown_names_with_the_valid_ones(synth):
    _, _, t = synth
    with pytest.raises(ValueError, match="toy_binary"):
        X.explorer_data(t, "nope", "weak", "random")
    with pytest.raises(ValueError, match="strategies"):
        X.explorer_data(t, "toy_binary", "weak", "random", ["nope"])
    with pytest.raises(ValueError, match="metric"):
        X.explorer_data(t, "toy_binary", "weak", "random", metric="auc")
    with pytest.raises(ValueError, match="ci"):
        X.explorer_table(*synth[:2], ci=1.5)


def test_html_page_and_fragment(synth):
    pytest.importorskip("bokeh")
    _, _, t = synth
    page = X.explorer_html(t)
    frag = X.explorer_html(t, fragment=True)
    assert page.lstrip().lower().startswith("<!doctype html>")
    assert frag.lstrip().startswith("<script")  # no doctype, no <head>: a fragment
    for html in (page, frag):
        assert "bokeh.min.js" in html and "explorer_curves" in html and "CustomJS" in html
        assert "alcore.report.explore.explorer_html" in html
    # BokehJS (~1.6 MB) dominates; the data of 288 rows adds little
    assert len(page.encode()) < 2_000_000
    with pytest.raises(ValueError, match="empty"):
        X.explorer_html(t.iloc[:0])


def test_figure_and_widget_draw_the_same_view(synth):
    pytest.importorskip("bokeh")
    pytest.importorskip("ipywidgets")
    _, _, t = synth
    fig = X.explorer_figure(t, "toy_binary", "weak", "typiclust", metric="gain")
    src = fig.select_one({"name": "explorer_curves"})
    want = X.explorer_data(t, "toy_binary", "weak", "typiclust", metric="gain")["curves"]
    assert src.data["strategy"] == want["strategy"] and src.data["ys"] == want["ys"]
    assert "alcore.report.explore.explorer_figure" in fig.children[-1].text

    box = X.explorer_widget(table=t, dataset="toy_binary", strategies=["random", "margin"])
    before = box.figure.select_one({"name": "explorer_curves"}).data["ys"]
    controls = {c.description: c for c in box.children[0].children}
    controls["dataset"].value = "toy_topics"  # a reader's change redraws through the figure
    assert box.view()["dataset"] == "toy_topics"
    after = box.figure.select_one({"name": "explorer_curves"}).data
    assert after["strategy"] == ["random", "margin"] and after["ys"] != before
    with pytest.raises(ValueError, match="results and upper_bounds"):
        X.explorer_widget()


def test_a_missing_run_counts_only_the_seeds_that_ran(synth):
    df, ub, _ = synth
    gone = (df["strategy"] == "margin") & (df["seed"] == 1) & (df["dataset"] == "toy_binary")
    t = X.explorer_table(df[~gone], ub)
    margin = t[(t["strategy"] == "margin") & (t["dataset"] == "toy_binary")]
    assert (margin["n_seeds"] == 2).all() and margin["peak_seed1"].isna().all()
    assert margin["peak_seed0"].notna().all()
    reach = X.explorer_data(t, "toy_binary", "weak", "random", share=0.5)["reach"]
    i = reach["strategy"].index("margin")
    assert reach["seeds"][i] == 2 and reach["reached"][i] == 2
    assert reach["seeds"][reach["strategy"].index("random")] == 3


def test_intervals_are_clipped_to_the_metric_and_few_seeds_are_said(synth):
    df, ub, _ = synth
    two = X.explorer_table(df[df["seed"].isin([0, 1])], ub)
    v = X.explorer_data(two, "toy_binary", "weak", "random")
    assert all(0 <= lo <= hi <= 1 for lo, hi in zip(v["ranking"]["lo"], v["ranking"]["hi"]))
    assert set(v["ranking"]["seeds"]) == {2} and "Only 2 seeds" in v["notes"]
    assert "[0, 1]" in v["notes"]
    g = X.explorer_data(two, "toy_binary", "weak", "random", metric="gain")
    assert all(-1 <= lo <= hi <= 1 for lo, hi in zip(g["ranking"]["lo"], g["ranking"]["hi"]))
    assert "[-1, 1]" in g["notes"]


def test_an_empty_panel_says_why(synth):
    _, _, t = synth
    high = X.explorer_data(t, "toy_binary", "weak", "random", share=1.5)
    assert not any(high["reach"]["reached"]) and "No strategy reaches 150%" in high["notes"]
    assert X.explorer_data(t, "toy_binary", "weak", "random", strategies=[])["notes"] == (
        "Pick at least one strategy."
    )


def test_csv_holds_the_shown_curves(synth):
    _, _, t = synth
    v = X.explorer_data(t, "toy_binary", "weak", "random", ["random", "margin"], metric="gain")
    lines = X.explorer_csv(v, "gain").splitlines()
    assert lines[0] == "strategy,labelled_samples,gain_mean,gain_seed_min,gain_seed_max"
    assert len(lines) == 1 + sum(len(xs) for xs in v["curves"]["xs"])
    first = lines[1].split(",")
    assert first[0] == "random" and float(first[2]) == round(v["curves"]["ys"][0][0], 4)
