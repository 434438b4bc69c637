"""Calibration of the takeaway rules (issue 11): on synthetic stores built with the store's
schema, a rule may say "holds" on at most 10% of the stores where its null is true, and
must say it on at least 80% of the stores with its effect planted at a realistic size."""

import pytest

from alcore.science import calibration as C
from alcore.science import findings as F


@pytest.fixture(scope="module")
def table():
    return C.calibrate(n_null=50, n_planted=20, random_state=0).set_index("id")


def test_every_takeaway_is_calibrated(table):
    assert list(table.index) == list(F.IDS)
    assert (table["n_null"] >= 20).all() and (table["n_planted"] >= 20).all()
    assert (table.drop(index="T12")["n_null"] >= 50).all()
    assert (table.drop(index="T12")["n_null"] == 50).all()


@pytest.mark.parametrize("tid", F.IDS)
def test_false_holds_rate_and_power(table, tid):
    row = table.loc[tid]
    assert row["false_positive_rate"] <= 0.10, row.to_dict()
    assert row["power"] >= 0.80, row.to_dict()


def test_synthetic_store_has_the_store_schema():
    res, ub = C.synthetic_store(("ips",), n_datasets=2, n_encoders=2, n_seeds=2, cycles=4)
    cols = [
        "run_key",
        "dataset",
        "encoder",
        "ips",
        "k0",
        "strategy",
        "seed",
        "budget",
        "cycles",
        "cycle",
        "n_labelled",
        "accuracy",
        "macro_f1",
    ]
    assert set(cols) <= set(res.columns)
    assert list(ub.columns) == ["dataset", "encoder", "accuracy", "macro_f1"]
    al = res[res["cycles"] > 0]
    assert al.groupby("run_key")["cycle"].nunique().eq(5).all()
    # all strategies start from the same initial pool: one accuracy per pool at cycle 0
    c0 = al[al["cycle"] == 0].groupby(["dataset", "encoder", "ips", "seed"])["accuracy"]
    assert c0.nunique().eq(1).all()
    study = res[res["cycles"] == 0]
    assert set(study["strategy"]) == {"none"} and set(study["k0"]) == set(C.IPS_K0)
    with pytest.raises(ValueError, match="unknown effect"):
        C.synthetic_store(("nope",))


def test_with_calibration_puts_the_rates_beside_the_verdicts():
    res, ub = C.synthetic_store((), n_seeds=2, random_state=1)
    t = F.takeaways(res, mteb={}, upper_bounds=ub, ids=["T1", "T9"], n_perm=99)
    cal = C.calibrate(n_null=2, n_planted=1)
    out = C.with_calibration(t, cal)
    assert list(out["id"]) == ["T1", "T9"]
    assert out[["false_positive_rate", "power"]].notna().all().all()
