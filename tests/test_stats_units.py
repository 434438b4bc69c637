"""alcore.science.stats: the (dataset, encoder) cell is the unit of replication, never the seed."""

import numpy as np
import pandas as pd
import pytest

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
