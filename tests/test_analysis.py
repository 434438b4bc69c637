"""alcore.science.analysis and alcore.science.stats on synthetic tables with known answers."""

import numpy as np
import pandas as pd
import pytest
from _synth import make_results

from alcore.science import analysis as A
from alcore.science import stats as S
from alcore.science.stats.quality import _rowwise_spearman


@pytest.fixture(scope="module")
def synth():
    return make_results(encoders={"weak": 0.7, "mid": 0.8, "strong": 0.9})


def _toy(acc_by_strategy, seeds=(0, 1), cycles=3):
    """AL runs whose accuracy is fixed per strategy (plus cycle), one dataset and encoder."""
    rows = []
    for s, acc in acc_by_strategy.items():
        for seed in seeds:
            for c in range(cycles + 1):
                rows.append(
                    {
                        "run_key": f"{s}{seed}",
                        "dataset": "d",
                        "encoder": "e",
                        "ips": "random",
                        "k0": 2,
                        "strategy": s,
                        "seed": seed,
                        "budget": 2 + cycles,
                        "cycles": cycles,
                        "cycle": c,
                        "n_labelled": 2 + c,
                        "accuracy": acc + 0.01 * c,
                        "macro_f1": acc,
                        "fit_seconds": 0.1,
                        "query_seconds": 0.5,
                        "picked": [c],
                        "run_seconds": 3.0,
                    }
                )
    return pd.DataFrame(rows)


def test_always_winning_strategy_has_win_rate_one_and_full_top_share():
    df = _toy({"good": 0.9, "bad": 0.5, "mid": 0.7})
    m = A.win_rate_matrix(df)
    assert m.loc["good", "bad"] == 1 and m.loc["good", "mid"] == 1 and m.loc["bad", "good"] == 0
    assert np.isnan(m.loc["good", "good"])
    t = A.top_share(df).set_index("strategy")["share"]
    assert t["good"] == 1 and t["bad"] == 0


def test_ties_split_credit_and_count_half_in_win_rates():
    df = _toy({"a": 0.8, "b": 0.8, "c": 0.1})
    assert A.win_rate_matrix(df).loc["a", "b"] == 0.5
    t = A.top_share(df).set_index("strategy")["share"]
    assert t["a"] == pytest.approx(0.5) and t["b"] == pytest.approx(0.5)
    assert A.win_rate_matrix(_toy({"a": 0.8, "b": 0.79}), tol=0.02).loc["a", "b"] == 0.5


def _curves(acc, ips="typiclust", encoder="e", seeds=(0, 1), run_seconds=3.0):
    """AL runs with a given accuracy per strategy and cycle (the same for every seed)."""
    rows = []
    for s, curve in acc.items():
        for seed in seeds:
            for c, a in enumerate(curve):
                rows.append(
                    {
                        "run_key": f"{s}{ips}{encoder}{seed}",
                        "dataset": "d",
                        "encoder": encoder,
                        "ips": ips,
                        "k0": 2,
                        "strategy": s,
                        "seed": seed,
                        "budget": 2 + len(curve) - 1,
                        "cycles": len(curve) - 1,
                        "cycle": c,
                        "n_labelled": 2 + c,
                        "accuracy": a,
                        "macro_f1": a,
                        "fit_seconds": 0.1,
                        "query_seconds": 0.5,
                        "picked": [c],
                        "run_seconds": run_seconds * (1 + seed),
                    }
                )
    return pd.DataFrame(rows)


def test_top_share_excludes_tied_blocks_instead_of_splitting_them():
    # cycle 1: a and b tie; cycle 2: a on top; cycle 3: b on top
    df = _curves({"a": [0.5, 0.8, 0.9, 0.6], "b": [0.5, 0.8, 0.7, 0.9], "c": [0.5] * 4})
    split = A.top_share(df).set_index("strategy")["share"]
    assert split["a"] == pytest.approx(0.5) and split["b"] == pytest.approx(0.5)
    out = A.top_share(df, ties="exclude").set_index("strategy")
    assert out["share"]["a"] == pytest.approx(0.5) and out["share"]["c"] == 0
    assert (out["blocks"] == 2).all() and (out["ties"] == 1).all()
    with pytest.raises(ValueError, match="ties"):
        A.top_share(df, ties="half")


def test_top_share_by_cycle_has_a_cycle_axis_and_uses_one_ips():
    df = pd.concat(
        [
            _curves({"a": [0.5, 0.8, 0.9, 0.6], "b": [0.5, 0.8, 0.7, 0.9]}),
            _curves({"a": [0.5, 0.9, 0.9, 0.9], "b": [0.5, 0.1, 0.1, 0.1]}, encoder="f"),
            _curves({"a": [0.5, 0.1, 0.1, 0.1], "b": [0.5, 0.9, 0.9, 0.9]}, ips="random"),
        ]
    )
    t = A.top_share_by_cycle(df).set_index(["cycle", "strategy"])
    # cycle 1: encoder e ties (dropped), encoder f: a; cycle 2: a in e and f; cycle 3: b, a
    assert t.loc[(1, "a"), "share"] == 1 and t.loc[(1, "a"), "ties"] == 1
    assert t.loc[(1, "a"), "blocks"] == 1
    assert t.loc[(2, "a"), "share"] == 1 and t.loc[(3, "b"), "share"] == 0.5
    assert set(t.index.get_level_values("cycle")) == {1, 2, 3}
    rnd = A.top_share_by_cycle(df, ips="random").set_index(["cycle", "strategy"])
    assert (rnd.xs("b", level="strategy")["share"] == 1).all()
    assert A.top_share_by_cycle(df, ips="coreset").empty


def test_ips_gain_by_cycle_per_dataset_encoder_cell():
    df = pd.concat(
        [
            _curves({"a": [0.5, 0.7]}, ips="typiclust"),
            _curves({"a": [0.4, 0.6]}, ips="random"),
            _curves({"a": [0.4, 0.6]}, ips="random", encoder="f"),
        ]
    )
    g = A.ips_gain_by_cycle(df)
    assert set(g["encoder"]) == {"e"}  # f has no typiclust pair
    assert np.allclose(g["mean"], 0.1) and (g["n"] == 2).all()
    assert list(g["cycle"]) == [0, 1] and list(g["n_labelled"]) == [2, 3]


def test_runtime_summary_mean_and_std_over_random_ips_runs():
    df = pd.concat(
        [
            _curves({"random": [0.5, 0.6], "badge": [0.5, 0.6]}, ips="random", run_seconds=2.0),
            _curves({"random": [0.5, 0.6]}, ips="typiclust", run_seconds=100.0),
        ]
    )
    t = A.runtime_summary(df).set_index("strategy")
    assert list(t.index) == ["random", "badge"]  # strategies.NAMES order
    assert t.loc["random", "mean"] == pytest.approx(3.0)  # seeds 0, 1: 2 s and 4 s
    assert t.loc["random", "std"] == pytest.approx(np.std([2.0, 4.0], ddof=1))
    assert t.loc["random", "n"] == 2
    q = A.runtime_summary(df, what="query_seconds", ips=None).set_index("strategy")
    assert q.loc["random", "mean"] == pytest.approx(1.0) and q.loc["random", "n"] == 4


def test_aulc_of_linear_curve_is_its_midpoint_and_paired_difference():
    df = _toy({"x": 0.5, "random": 0.4}, cycles=4)
    au = A.aulc(df).set_index("run_key")["aulc"]
    assert au["x0"] == pytest.approx(0.5 + 0.02)  # mean of 0.50 .. 0.54
    d = A.paired_differences(df, factor="strategy", a="x", b="random")
    assert np.allclose(d["diff"], 0.1) and len(d) == 2 * 5


def test_ips_winners_counts_wins_and_excludes_ties(synth):
    df, _ = synth
    w = A.ips_winners(df, tol=0.0).set_index(["k0", "ips"])
    assert w.loc[(2, "typiclust"), "share"] == 1.0  # the synthetic typiclust gains 0.05
    assert (w.groupby("k0")["share"].sum().round(6) == 1).all()
    wide = A.ips_winners(df, tol=1.0)  # everything is a tie
    assert (wide["wins"] == 0).all() and (wide["ties"] == wide["blocks"]).all()
    with pytest.raises(ValueError, match="tol"):
        A.ips_winners(df, tol=-1)


def test_tables_have_expected_shapes(synth):
    df, ub = synth
    fa = A.final_accuracy(df)
    assert set(fa["strategy"]) == set(A.al_part(df)["strategy"]) and (fa["n"] == 3).all()
    assert "none" not in set(A.cycle_accuracy(df)["strategy"])
    by = A.top_share(df, by="encoder")
    assert np.allclose(by.groupby("encoder")["share"].sum(), 1)
    rt = A.runtime_table(df)
    assert rt.loc["badge"].min() > rt.loc["random"].max()  # synthetic badge is 4x slower
    lab = A.labels_to_reach(df, ub, frac=0.5)
    assert (lab["reached"] == 1).all() and (lab.loc[lab.strategy == "random", "saved"] == 0).all()
    with pytest.raises(ValueError, match="frac"):
        A.labels_to_reach(df, ub, frac=0)
    with pytest.raises(ValueError, match="lack the column"):
        A.aulc(df.drop(columns="cycles"))
    sel = A.select(df, datasets=["toy_binary"], strategies=["random"])
    assert set(sel["strategy"]) == {"random", "none"} and set(sel["dataset"]) == {"toy_binary"}


def test_recommendation_uses_classes_and_quality(synth):
    df, _ = synth
    rec = A.recommend(
        df,
        n_classes={"toy_binary": 2, "toy_topics": 8, "toy_many": 30},
        mteb={"weak": 40, "mid": 50, "strong": 57},
    )
    assert set(rec["classes"]) == {"binary", "<=10", ">10"}
    assert set(rec["encoder_quality"]) == {"low", "high"}
    low = rec[rec.encoder_quality == "low"]
    assert set(low["best"]) <= {"typiclust", "probcover", "dropquery"}  # weak favours these


def test_holm_on_known_pvalues():
    adj = S.holm([0.01, 0.04, 0.03, np.nan])
    assert np.allclose(adj[:3], [0.03, 0.06, 0.06]) and np.isnan(adj[3])
    assert np.allclose(S.holm([0.5, 0.9]), [1.0, 1.0])


def test_nemenyi_cd_matches_demsar_example():
    # Demsar (2006): 4 classifiers on 14 data sets, q_0.05 = 2.569, CD = 1.25
    assert S.nemenyi_cd(4, 14) == pytest.approx(1.2536, abs=2e-3)
    assert S.nemenyi_cd(2, 10) == pytest.approx(1.960 * np.sqrt(2 * 3 / 60), abs=1e-3)
    with pytest.raises(ValueError):
        S.nemenyi_cd(1, 10)


def test_friedman_ranks_and_bootstrap_are_seeded(synth):
    df, _ = synth
    au = A.aulc(df)
    wide = pd.DataFrame({"a": [3, 3, 3, 3.0], "b": [2, 2, 2, 2.0], "c": [1, 1, 1, 1.0]})
    r = S.friedman_nemenyi(wide)
    assert list(r["avg_ranks"]) == [1, 2, 3] and r["p"] < 0.05
    b1 = S.paired_bootstrap(au, by="encoder", random_state=3, n_boot=200)
    b2 = S.paired_bootstrap(au, by="encoder", random_state=3, n_boot=200)
    pd.testing.assert_frame_equal(b1, b2)
    assert ((b1["low"] <= b1["mean"]) & (b1["mean"] <= b1["high"])).all()
    w = S.wilcoxon_holm(au)
    assert (w["p_holm"] >= w["p"]).all()
    assert w.set_index("strategy").loc["coreset", "median_diff"] < 0
    with pytest.raises(ValueError, match="baseline"):
        S.paired_vs_baseline(au, baseline="nope")


def test_mteb_correlation_sign_and_missing_scores(synth):
    df, _ = synth
    au = A.aulc(df)
    c = S.mteb_gain_correlation(au, mteb={"weak": 40, "mid": 50, "strong": 57}, n_boot=100)
    c = c.set_index("strategy")
    assert c.loc["typiclust", "rho"] < 0 < c.loc["margin", "rho"]
    assert (c["low"] <= c["high"]).all()
    few = S.mteb_gain_correlation(au, mteb={"weak": 40, "strong": 57}, n_boot=10)
    assert few["rho"].isna().all() and (few["n_encoders"] == 2).all()


def test_within_dataset_spearman_ignores_the_datasets_difficulty():
    idx = pd.MultiIndex.from_product([["easy", "hard"], ["a", "b", "c"]])
    quality = pd.Series([0.90, 0.92, 0.95, 0.50, 0.55, 0.60], index=idx)
    gain = pd.Series([0.01, 0.02, 0.03, 0.10, 0.20, 0.30], index=idx)
    # pooled over datasets the ranks disagree (hard data: low quality, high gain) ...
    assert S.within_dataset_spearman(quality, gain) == (1.0, 2)
    # ... inside each dataset the better encoder has the larger gain
    assert S.within_dataset_spearman(quality, -gain) == (-1.0, 2)
    two = quality.drop(("hard", "c"))
    assert S.within_dataset_spearman(two, gain) == (1.0, 1)  # 2 encoders: left out
    assert np.isnan(S.within_dataset_spearman(quality.iloc[:2], gain)[0])


def test_probe_gain_correlation_follows_the_measured_quality():
    rows, upper = [], []
    for ds in ("d1", "d2"):
        for e, (q, gain) in {
            "weak": (0.6, 0.00),
            "mid": (0.7, 0.01),
            "strong": (0.8, 0.03),
        }.items():
            upper.append(dict(dataset=ds, encoder=e, accuracy=q, macro_f1=q))
            for seed in (0, 1, 2):
                for s, v in (("random", 0.5), ("margin", 0.5 + gain), ("coreset", 0.5 - gain)):
                    rows.append(
                        dict(
                            dataset=ds,
                            encoder=e,
                            ips="random",
                            seed=seed,
                            strategy=s,
                            aulc=v + 0.001 * seed,
                        )
                    )
    c = S.probe_gain_correlation(pd.DataFrame(rows), pd.DataFrame(upper))
    c = c.set_index("strategy")
    assert c.loc["margin", "rho"] == 1.0 and c.loc["coreset", "rho"] == -1.0
    assert (c["n_datasets"] == 2).all()
    assert c.loc["margin", "low"] <= 1.0 <= c.loc["margin", "high"]
    assert A.probe_quality(pd.DataFrame(upper)).loc[("d1", "strong")] == 0.8


def test_rowwise_spearman_matches_scipy():
    from scipy.stats import spearmanr

    rng = np.random.default_rng(0)
    x, Y = rng.normal(size=4), rng.normal(size=(50, 4))
    Y[3] = [1.0, 1.0, 2.0, 2.0]  # ties
    want = [spearmanr(x, y).statistic for y in Y]
    assert np.allclose(_rowwise_spearman(x, Y), want)
    assert np.isnan(_rowwise_spearman(x, np.ones((1, 4)))[0])  # no spread


def test_table5_is_per_strategy_and_dataset_over_seeds_with_random_pools():
    df = pd.concat(
        [
            _curves({"random": [0.5, 0.6], "badge": [0.5, 0.6]}, ips="random", run_seconds=2.0),
            _curves({"random": [0.5, 0.6]}, ips="random", encoder="f", run_seconds=4.0),
            _curves({"random": [0.5, 0.6]}, ips="typiclust", run_seconds=100.0),
        ]
    )
    t = A.table5(df).set_index(["strategy", "dataset"])
    # seed 0: encoders e (2 s) and f (4 s) -> 3 s; seed 1: 4 s and 8 s -> 6 s
    assert t.loc[("random", "d"), "mean"] == pytest.approx(4.5)
    assert t.loc[("random", "d"), "std"] == pytest.approx(np.std([3.0, 6.0], ddof=1))
    assert t.loc[("random", "d"), "n_seeds"] == 2
    assert list(t.index.get_level_values("strategy")) == ["random", "badge"]


def test_fig4_blocks_average_the_seeds_first():
    """Seed 0: a wins by a lot; seeds 1, 2: b wins by a little. Per seed b wins 2 of 3
    comparisons; with the seeds averaged (one comparison per cycle) a wins."""
    rows = []
    for seed, (a, b) in enumerate([(0.9, 0.5), (0.6, 0.61), (0.6, 0.61)]):
        rows.append(_curves({"a": [0.5, a], "b": [0.5, b]}, seeds=(seed,)))
    df = pd.concat(rows)
    assert A.win_rate_matrix(df).loc["a", "b"] == 1.0
    per_seed = A.win_rate_matrix(df, block=A.BLOCK)
    assert per_seed.loc["a", "b"] == pytest.approx(1 / 3)


def test_one_definition_of_the_aulc():
    df = _curves({"x": [0.2, 0.4, 0.9]}, seeds=(0,))
    assert A.curve_aulc(df) == pytest.approx(A.aulc(df)["aulc"].iloc[0])
    assert A.curve_aulc(df) == pytest.approx(np.trapezoid([0.2, 0.4, 0.9], [2, 3, 4]) / 2)


def test_the_ladder_is_split_from_the_real_encoders():
    rows = [
        {"encoder": e, "dataset": "d", "run_key": e}
        for e in ("glove50", "minilm", "minilm-pca16", "minilm-pca64", "mpnet")
    ]
    rows.append({"encoder": "minilm", "dataset": "no_rungs", "run_key": "x"})
    df = pd.DataFrame(rows)
    assert list(A.encoder_part(df)["encoder"]) == ["glove50", "minilm", "mpnet", "minilm"]
    ladder = A.ladder_part(df)  # minilm only where its rungs are: the top rung
    assert list(ladder["encoder"]) == ["minilm", "minilm-pca16", "minilm-pca64"]
    assert set(ladder["dataset"]) == {"d"}
    no_rungs = A.encoder_part(df)
    assert A.ladder_part(no_rungs).empty and len(A.encoder_part(no_rungs)) == 4
    with pytest.raises(ValueError, match="encoder"):
        A.ladder_part(df.drop(columns="encoder"))
