"""alcore.science.stats: the (dataset, encoder) cell is the unit of replication, never the seed."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from alcore.science import stats as S


def _scores(n_datasets=3, encoders=("a", "b", "c"), seeds=3, gain=0.0, rng=None):
    rng = rng or np.random.default_rng(0)
    rows = []
    for d in range(n_datasets):
        for e in encoders:
            cell = rng.normal(0, 0.02)
            for ips in ("random", "typiclust"):
                for s in range(seeds):
                    pool = rng.normal(0, 0.01)
                    for st, g in (("random", 0.0), ("margin", gain), ("badge", 0.0)):
                        rows.append(
                            {
                                "dataset": f"d{d}",
                                "encoder": e,
                                "ips": ips,
                                "seed": s,
                                "strategy": st,
                                "aulc": 0.7 + cell + pool + g + rng.normal(0, 0.005),
                            }
                        )
    return pd.DataFrame(rows)


def test_more_seeds_do_not_shrink_the_interval():
    """Copies of the same runs as extra seeds add no information about the cells."""
    sc = _scores(gain=0.01)
    copies = pd.concat([sc.assign(seed=sc["seed"] + 10 * k) for k in range(5)])
    a = S.paired_bootstrap(sc, n_boot=500, random_state=1).set_index("strategy")
    b = S.paired_bootstrap(copies, n_boot=500, random_state=1).set_index("strategy")
    pd.testing.assert_frame_equal(a, b)
    assert (a["n"] == 9).all()  # 3 datasets x 3 encoders
    w1, w2 = S.wilcoxon_holm(sc), S.wilcoxon_holm(copies)
    assert np.allclose(w1["p"], w2["p"]) and (w1["n"] == 9).all()
    f1 = S.friedman_nemenyi(S.block_scores(sc))
    f2 = S.friedman_nemenyi(S.block_scores(copies))
    assert f1["n"] == f2["n"] == 9 and f1["p"] == pytest.approx(f2["p"])


def test_friedman_gives_nemenyi_pairwise_p_values():
    wide = pd.DataFrame(
        {"a": np.arange(10) + 3.0, "b": np.arange(10) + 2.0, "c": np.arange(10) + 1.0}
    )
    r = S.friedman_nemenyi(wide)
    assert r["pairwise_p"].loc["a", "c"] < 0.05 < r["pairwise_p"].loc["a", "b"]


def test_cell_contrasts_match_a_block_anova():
    import statsmodels.formula.api as smf

    sc = _scores(n_datasets=1, encoders=("a",), seeds=4, gain=0.01)
    c = S.cell_contrasts(sc)
    fit = smf.ols("aulc ~ C(strategy) + C(ips):C(seed)", data=sc).fit()
    row = c[(c["a"] == "margin") & (c["b"] == "random")].iloc[0]
    assert row["df"] == fit.df_resid
    assert row["diff"] == pytest.approx(
        fit.params["C(strategy)[T.random]"] * -1 + fit.params["C(strategy)[T.margin]"], abs=1e-12
    )
    assert row["se"] == pytest.approx(np.sqrt(2 * fit.mse_resid / 8))
    assert 0 <= row["p"] <= 1


def test_within_dataset_permutation_sees_a_consistent_link_only():
    idx = pd.MultiIndex.from_product([[f"d{i}" for i in range(5)], ["a", "b", "c"]])
    q = pd.Series(np.tile([0.6, 0.7, 0.8], 5), idx)
    up = pd.Series(np.tile([0.0, 0.01, 0.02], 5), idx)
    r = S.within_dataset_permutation(q, up, n_perm=999, random_state=0)
    assert r["rho"] == 1.0 and r["p"] < 0.01 and r["n_perms"] == 6**5
    noise = pd.Series(np.random.default_rng(3).normal(size=15), idx)
    ps = [
        S.within_dataset_permutation(
            q, noise.sample(frac=1, random_state=k).set_axis(idx), random_state=k
        )["p"]
        for k in range(30)
    ]
    assert np.mean(np.asarray(ps) < 0.05) <= 0.2
    one = S.within_dataset_permutation(q.iloc[:3], up.iloc[:3])
    assert one["n_perms"] == 6  # one dataset: 3! orders only


def test_mean_test_interval_and_degenerate_input():
    r = S.mean_test([0.01, 0.02, 0.03, 0.02])
    assert r["low"] < r["effect"] < r["high"] and r["p"] < 0.05
    assert np.isnan(S.mean_test([0.01])["p"])
    assert np.isnan(S.mean_test([0.0, 0.0, 0.0])["p"])


def test_holm_equals_statsmodels():
    from statsmodels.stats.multitest import multipletests

    p = np.random.default_rng(2).uniform(0, 0.2, 12)
    assert np.allclose(S.holm(p), multipletests(p, method="holm")[1])


def test_copies_of_a_datasets_cells_do_not_shrink_the_interval():
    """Cells of one dataset move together: a test over datasets counts each dataset once."""
    idx = pd.MultiIndex.from_product([[f"d{i}" for i in range(5)], ["a"]])
    one = pd.Series([0.01, -0.005, 0.02, 0.004, 0.012], idx)
    three = pd.concat({e: one.droplevel(1) for e in ("a", "b", "c")}).swaplevel().sort_index()
    r1, r3 = S.dataset_mean_test(one), S.dataset_mean_test(three)
    assert r1["n"] == r3["n"] == 5 and r3["n_cells"] == 15
    assert (r1["low"], r1["high"], r1["p"]) == pytest.approx((r3["low"], r3["high"], r3["p"]))
    cells = S.mean_test(three.to_numpy())  # the cells as if independent: far too narrow
    assert cells["high"] - cells["low"] < 0.6 * (r3["high"] - r3["low"])


def test_mde_is_the_effect_a_t_test_detects_four_times_in_five():
    rng = np.random.default_rng(0)
    n, sd = 5, 0.01
    mde = S.mde_t(sd / np.sqrt(n), n - 1)
    x = rng.normal(mde, sd, (4000, n))
    p = sps.ttest_1samp(x, 0.0, axis=1).pvalue
    assert np.mean(p < 0.05) == pytest.approx(0.80, abs=0.04)
    assert np.isnan(S.mde_t(0.01, 0))


def test_t_interval_and_pitman_morgan():
    lo, hi = S.t_interval([0.0, 1.0], [1.0, 2.0], [4, 9])
    want = sps.t.ppf(0.975, [3, 8]) * np.array([1.0, 2.0]) / np.sqrt([4, 9])
    assert np.allclose(hi - [0.0, 1.0], want) and np.allclose([0.0, 1.0] - lo, want)
    assert np.isnan(S.t_interval(0.0, 1.0, 1)[0])
    rng = np.random.default_rng(1)
    z = rng.normal(size=(3, 30))
    wide, narrow = 3 * z[0] + z[1], z[0] + 0.3 * z[2]
    r = S.pitman_morgan(wide, narrow)
    assert r["p"] < 0.001 and r["low"] < r["ratio"] < r["high"] and r["low"] > 1
    # Pitman's interval: at its bounds the equal-variance test sits at the 5% edge
    for bound in (r["low"], r["high"]):
        assert S.pitman_morgan(wide / bound, narrow)["p"] == pytest.approx(0.05, abs=1e-6)
    assert np.isnan(S.pitman_morgan([1, 2, 3], [1, 2, 4])["p"])


def test_every_random_thing_takes_a_random_state_of_either_kind():
    v = np.arange(10.0)
    a = S.bootstrap_ci(v, n_boot=200, random_state=np.random.RandomState(3))
    b = S.bootstrap_ci(v, n_boot=200, random_state=np.random.RandomState(3))
    assert a == b
    g = S.bootstrap_ci(v, n_boot=200, random_state=np.random.default_rng(3))
    assert np.isfinite(g).all()
