"""The takeaways (alcore.science.findings) as tests, on synthetic stores with known effects."""

import numpy as np
import pytest

from alcore.science import calibration as C
from alcore.science import findings as F


@pytest.fixture(scope="module")
def null():
    return C.synthetic_store((), random_state=11)


@pytest.fixture(scope="module")
def ips():
    return C.synthetic_store(("ips",), random_state=12)


def _t(store, **kw):
    res, ub = store
    return F.takeaways(res, mteb={}, upper_bounds=ub, n_perm=199, **kw).set_index("id")


def test_every_takeaway_is_a_test_with_effect_and_ci(ips):
    t = F.takeaways(*ips, n_perm=199)
    assert list(t.columns) == F.COLUMNS
    assert t["id"].tolist() == list(F.IDS)  # T1 first (notebook 01 uses it)
    assert set(t["verdict"]) <= {F.HOLDS, F.NO, F.UNTESTED}
    tested = t[t["verdict"] != F.UNTESTED]
    text = tested[["null", "test", "unit", "effect", "here"]]
    assert text.map(lambda v: isinstance(v, str) and len(v) > 0).all().all()
    assert np.isfinite(tested["p"]).all()
    ci = tested.dropna(subset=["ci_low", "ci_high"])
    assert (ci["ci_low"] <= ci["ci_high"]).all()


def test_planted_ips_effects_hold_and_the_null_store_shows_none(ips, null):
    t = _t(ips)
    for tid in ("T1", "T2", "T9", "T10", "T11"):
        assert t.loc[tid, "verdict"] == F.HOLDS, (tid, t.loc[tid, "here"])
    assert "crossover k0" in t.loc["T10", "here"]
    assert t.loc["T9", "estimate"] < 0 and t.loc["T10", "estimate"] < 0
    n = _t(null, ids=["T1", "T2", "T9", "T10"])  # rates over many stores: test_calibration
    assert (n["verdict"] == F.NO).all()


def test_too_little_data_is_not_testable():
    res, ub = C.synthetic_store(("strategies",), n_datasets=2, n_encoders=2, random_state=3)
    t = F.takeaways(res, mteb={}, upper_bounds=ub, n_perm=99).set_index("id")
    # two encoders per dataset: no rank correlation with quality, 2!^1 encoder orders
    for tid in ("T3", "T4", "T7", "T13", "T14"):
        assert t.loc[tid, "verdict"] == F.UNTESTED, tid
    # T12 needs three datasets
    assert t.loc["T12", "verdict"] == F.UNTESTED
    only_ips = res[res["cycles"] == 0]
    t = F.takeaways(only_ips, upper_bounds=ub).set_index("id")
    assert t.loc["T1", "verdict"] != F.UNTESTED
    al_ids = ["T2", "T3", "T4", "T5", "T6", "T7", "T8", "T11", "T12", "T13", "T14"]
    assert (t.loc[al_ids, "verdict"] == F.UNTESTED).all()
    assert t.loc["T5", "paper"] == F.CLAIMS["T5"]


def test_quality_is_mteb_with_five_scored_encoders_else_the_probe():
    res, ub = C.synthetic_store(("strategies",), n_encoders=5, n_seeds=2, random_state=4)
    scores = {f"enc{i}": 40.0 + i for i in range(5)}
    t = F.takeaways(res, mteb=scores, upper_bounds=ub, ids=["T7"], n_perm=99).iloc[0]
    assert "MTEB" in t["here"]
    three = {k: v for k, v in list(scores.items())[:3]}
    t = F.takeaways(res, mteb=three, upper_bounds=ub, ids=["T7"], n_perm=99).iloc[0]
    assert "linear-probe" in t["here"]
    t = F.takeaways(res, mteb=three, ids=["T7"], n_perm=99).iloc[0]
    assert t["verdict"] == F.UNTESTED


def test_margin_robustness_is_a_non_inferiority_test(null):
    assert _t(null, ids=["T12"]).loc["T12", "verdict"] == F.HOLDS  # gain flat: robust
    falls = C.synthetic_store(("margin_falls",), random_state=5)
    f = _t(falls, ids=["T12"]).loc["T12"]
    assert f["verdict"] == F.NO and f["estimate"] < 0


def test_strategy_effects(null):
    res, ub = C.synthetic_store(("strategies",), random_state=6)
    t = _t((res, ub), ids=["T4", "T5", "T6", "T7", "T8", "T13"])
    assert (t["verdict"] == F.HOLDS).all(), t["here"].to_dict()
    assert "Margin significantly best" in t.loc["T5", "here"]
    with pytest.raises(ValueError, match="unknown takeaway"):
        F.takeaways(res, ids=["T99"])
