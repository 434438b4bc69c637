"""The paper's takeaways (alcore.science.findings) as tests with four answers."""

import numpy as np
import pandas as pd
import pytest

from alcore.science import analysis as A
from alcore.science import calibration as C
from alcore.science import findings as F
from alcore.science.findings.data import StoreData
from alcore.science.findings.record import Outcome, Part, PartResult, part_verdict, verdict


def _t(family, seed, **kw):
    res, ub = C.synthetic_store(family, random_state=seed)
    return F.takeaways(res, mteb={}, upper_bounds=ub, n_perm=199, **kw).set_index("id")


def test_one_record_holds_everything_about_a_takeaway():
    assert tuple(f"T{i}" for i in range(1, 15)) == F.IDS  # T1 first: notebook 01 shows it
    for tid, t in F.REGISTRY.items():
        assert t.id == tid and callable(t.rule)
        text = [t.paper, t.source, t.claim, t.null, t.test, t.unit, t.unit_why, t.figure]
        assert all(isinstance(s, str) and len(s) > 10 for s in text), tid
        assert t.parts and all(p.why and p.sign in (1, -1) for p in t.parts), tid
        # each threshold says what the paper reports for it: a number, or that it gives none
        assert all("the paper" in p.why for p in t.parts), tid
        # the meaningful effect lies on the paper's side of the null value
        assert all(p.sign * (p.meaningful - p.null_value) >= 0 for p in t.parts), tid
        assert "null" in t.nulls and len(t.nulls) >= 2, tid  # a pure and a near-miss null
        assert set(t.nulls) | {t.power} <= set(C.FAMILIES) and t.power not in t.nulls


def test_four_answers_of_a_part():
    up = Part("x", "effect", 1, 0.01, "why")
    assert part_verdict(up, PartResult(0.02, 0.01, 0.03, 0.001)) == F.HOLDS
    assert part_verdict(up, PartResult(-0.02, -0.03, -0.01, 0.001)) == F.CONTRADICTED
    # not significant, but the interval excludes the smallest meaningful effect
    assert part_verdict(up, PartResult(0.001, -0.004, 0.006, 0.6)) == F.CONTRADICTED
    assert part_verdict(up, PartResult(0.004, -0.004, 0.012, 0.3)) == F.INCONCLUSIVE
    assert part_verdict(up, PartResult(np.nan)) == F.UNTESTED
    down = Part("x", "effect", -1, -0.5, "why")
    assert part_verdict(down, PartResult(-0.2, -0.9, 0.3, 0.4)) == F.INCONCLUSIVE
    assert part_verdict(down, PartResult(-0.1, -0.4, 0.2, 0.4)) == F.CONTRADICTED
    ni = Part("x", "effect", 1, -0.01, "why", null_value=-0.01)  # non-inferiority
    assert part_verdict(ni, PartResult(0.0, -0.005, 0.005, 0.01)) == F.HOLDS
    assert part_verdict(ni, PartResult(-0.03, -0.04, -0.02, 0.001)) == F.CONTRADICTED


def test_a_claim_with_parts_holds_only_where_every_part_holds():
    parts = (Part("a", "", 1, 0.01, "w"), Part("b", "", 1, 0.01, "w"))
    yes, maybe = PartResult(0.02, 0.01, 0.03, 0.001), PartResult(0.005, -0.001, 0.02, 0.2)
    no = PartResult(-0.02, -0.03, -0.01, 0.001)
    assert verdict(parts, Outcome({"a": yes, "b": yes})) == F.HOLDS
    assert verdict(parts, Outcome({"a": yes, "b": maybe})) == F.INCONCLUSIVE
    assert verdict(parts, Outcome({"a": yes, "b": no})) == F.CONTRADICTED
    assert verdict(parts, Outcome.cannot("too few")) == F.UNTESTED


def test_every_row_has_the_claim_its_test_an_effect_and_an_mde():
    t = _t("ips_claimed", 12).reset_index()
    assert list(t.columns) == F.COLUMNS and t["id"].tolist() == list(F.IDS)
    assert set(t["verdict"]) <= set(F.VERDICTS)
    tested = t[t["verdict"] != F.UNTESTED]
    assert len(tested) == len(t)  # 5 datasets x 3 encoders: everything is testable
    assert np.isfinite(tested[["estimate", "p", "mde"]]).all().all()
    assert (tested["mde"] > 0).all()
    ci = tested.dropna(subset=["ci_low", "ci_high"])
    assert (ci["ci_low"] <= ci["estimate"]).all() and (ci["estimate"] <= ci["ci_high"]).all()
    for tid in ("T1", "T2", "T9", "T10"):
        assert t.set_index("id").loc[tid, "verdict"] == F.HOLDS, tid
    assert "crossover k0" in t.set_index("id").loc["T10", "here"]


def test_a_store_without_the_effect_never_says_holds_for_it():
    t = _t("null", 11, ids=["T1", "T2", "T9", "T10", "T11", "T12", "T6"])
    assert (t["verdict"] != F.HOLDS).all(), t["here"].to_dict()
    # T10 is two claims: a fall of the gap where TypiClust never led is not enough
    t10 = _t("ips_never_leads", 13, ids=["T10"]).loc["T10"]
    assert t10["verdict"] == F.CONTRADICTED and t10["estimate"] < 0


def test_margin_must_beat_random_with_every_encoder():
    t = _t("margin_uniform", 5, ids=["T12"]).loc["T12"]
    assert t["verdict"] == F.HOLDS and t["estimate"] > 0
    t = _t("margin_equal_random", 5, ids=["T12"]).loc["T12"]
    assert t["verdict"] != F.HOLDS  # flat, but no gain: not "performing well"


def test_badge_against_margin():
    t = _t("badge_robust", 7, ids=["T6"]).loc["T6"]
    assert t["verdict"] == F.HOLDS and "Pitman-Morgan" in t["here"]
    assert _t("badge_equals_margin", 7, ids=["T6"]).loc["T6", "verdict"] != F.HOLDS


def test_too_little_data_is_not_testable():
    res, ub = C.synthetic_store("ips_claimed", n_datasets=2, n_encoders=2, random_state=3)
    t = F.takeaways(res, mteb={}, upper_bounds=ub, n_perm=99).set_index("id")
    # two datasets: no test over datasets, no rank correlation with quality
    for tid in ("T1", "T2", "T3", "T4", "T6", "T7", "T9", "T10", "T11", "T12", "T13", "T14"):
        assert t.loc[tid, "verdict"] == F.UNTESTED, (tid, t.loc[tid, "here"])
    assert t.loc["T5", "verdict"] != F.UNTESTED  # single-cell claims need one cell's runs
    only_ips = res[res["cycles"] == 0]
    t = F.takeaways(only_ips, upper_bounds=ub).set_index("id")
    al_ids = [i for i, r in F.REGISTRY.items() if r.needs == "al"]
    assert (t.loc[al_ids, "verdict"] == F.UNTESTED).all()
    assert t.loc["T5", "paper"] == F.REGISTRY["T5"].paper


def test_quality_is_mteb_with_five_scored_encoders_else_the_other_datasets_probe():
    res, ub = C.synthetic_store("quality_gain", n_encoders=5, random_state=4)
    scores = {f"enc{i}": 40.0 + i for i in range(5)}
    t = F.takeaways(res, mteb=scores, upper_bounds=ub, ids=["T7"], n_perm=99).iloc[0]
    assert "MTEB" in t["here"]
    three = dict(list(scores.items())[:3])
    t = F.takeaways(res, mteb=three, upper_bounds=ub, ids=["T7"], n_perm=99).iloc[0]
    assert "probe accuracy on the other datasets" in t["here"]
    t = F.takeaways(res, mteb=three, ids=["T7"], n_perm=99).iloc[0]
    assert t["verdict"] == F.UNTESTED


def test_the_quality_axis_never_reads_the_datasets_own_labels():
    _, ub = C.synthetic_store("null", random_state=8)
    q = A.loo_probe_quality(ub)
    changed = ub.copy()
    changed.loc[changed["dataset"] == "ds0", "accuracy"] += np.array([0.3, 0.0, -0.3])
    q2 = A.loo_probe_quality(changed)
    pd.testing.assert_series_equal(q.loc["ds0"], q2.loc["ds0"])  # ds0's own probe: unused
    assert not np.allclose(q.loc["ds1"], q2.loc["ds1"])  # the others' quality moves


def test_the_same_dataset_probe_would_make_t14_circular():
    """Encoders ordered differently in every dataset (the probe and the runs alike): the
    dataset's own probe tracks its curves, the probe on the other datasets does not."""
    res, ub = C.synthetic_store("encoder_by_dataset", random_state=9)
    rec = F.REGISTRY["T14"]
    loo = StoreData(res, {}, ub, n_perm=199)
    own = StoreData(res, {}, ub, n_perm=199)
    own.quality = A.probe_quality(ub)
    r_loo, r_own = rec.row(rec.rule(loo)), rec.row(rec.rule(own))
    assert r_own["verdict"] == F.HOLDS and r_loo["verdict"] != F.HOLDS
    assert r_own["estimate"] < r_loo["estimate"]


def test_bad_arguments_are_refused_before_any_work():
    res, _ = C.synthetic_store("null", n_datasets=2, n_encoders=2, random_state=1)
    with pytest.raises(ValueError, match="unknown takeaway"):
        F.takeaways(res, ids=["T99"])
    with pytest.raises(ValueError, match="tol"):
        F.takeaways(res, tol=-1)
    with pytest.raises(ValueError, match="alpha"):
        F.takeaways(res, alpha=0.1)


def test_seed_stability_shows_which_verdicts_flip():
    res, ub = C.synthetic_store("ips_claimed", seeds=(3, 3), random_state=2)
    long = F.seed_stability(res, ub, mteb={}, ids=["T1", "T9", "T5"], n_perm=99)
    assert list(long["n_seeds"].unique()) == [1, 2, 3]
    assert set(long["verdict"]) <= set(F.VERDICTS)
    table = F.stability_table(long)
    assert list(table["id"]) == ["T1", "T9", "T5"]
    assert list(table.columns) == ["id", "1 seed", "2 seeds", "3 seeds", "flips", "settled_at"]
    assert (table["settled_at"] >= 1).all() and (table["settled_at"] <= 3).all()
    full = F.takeaways(res, mteb={}, upper_bounds=ub, ids=["T1", "T9", "T5"], n_perm=99)
    assert list(table["3 seeds"]) == list(full["verdict"])
    with pytest.raises(ValueError, match="not in the store"):
        F.seed_stability(res, ub, order=[0, 7])
