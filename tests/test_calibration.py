"""Calibration of the takeaway rules (alcore.science.calibration): on synthetic stores in the
store's schema, a rule says "holds" on at most 10% of the stores of every family where its
claim is false (the pure null and the near-miss nulls), and on at least 80% of the stores
where only its claimed effect exists."""

import ast
import inspect

import numpy as np
import pytest

from alcore.science import calibration as C
from alcore.science import findings as F
from alcore.science.calibration import generator

N_STORES = 40


@pytest.fixture(scope="module")
def cal():
    # computed once per process (calibrate caches): about a minute for 20 families x 40
    return C.calibrate(n_stores=N_STORES, random_state=0)


NULL_CELLS = [(t, fam) for t, rec in F.REGISTRY.items() for fam in rec.nulls]


@pytest.mark.slow
def test_every_takeaway_is_calibrated_on_a_pure_null_near_misses_and_its_claim(cal):
    assert list(dict.fromkeys(cal["id"])) == list(F.IDS)
    assert (cal["n_stores"] == N_STORES).all()
    roles = cal.groupby("id")["role"].agg(set)
    assert (roles == {"pure null", "near-miss null", "power"}).all()
    s = C.summary(cal)
    assert list(s["id"]) == list(F.IDS) and s["planted"].str.len().gt(10).all()


@pytest.mark.slow
@pytest.mark.parametrize(("tid", "family"), NULL_CELLS)
def test_false_holds_at_most_10_percent_on_every_null_family(cal, tid, family):
    row = cal[(cal["id"] == tid) & (cal["family"] == family)].iloc[0]
    assert row["holds"] <= C.MAX_FALSE_HOLDS, row.to_dict()


@pytest.mark.slow
@pytest.mark.parametrize("tid", F.IDS)
def test_power_at_least_80_percent_where_the_claim_is_planted(cal, tid):
    row = cal[(cal["id"] == tid) & (cal["role"] == "power")].iloc[0]
    assert row["holds"] >= C.MIN_POWER, row.to_dict()


def test_the_generator_is_written_without_the_rules():
    tree = ast.parse(inspect.getsource(generator))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module} | {
        a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
    }
    assert not any("findings" in m or "stats" in m for m in imported), imported
    assert all(f.__doc__ for f in C.FAMILIES.values())  # every family says what it plants


def test_synthetic_store_has_the_store_schema_and_an_untidy_design():
    res, ub = C.synthetic_store("ips_claimed", random_state=3)
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
    assert al.groupby("run_key")["cycle"].nunique().eq(al["cycles"].iloc[0] + 1).all()
    # all strategies start from the same initial pool: one accuracy per pool at cycle 0
    c0 = al[al["cycle"] == 0].groupby(["dataset", "encoder", "ips", "seed"])["accuracy"]
    assert c0.nunique().eq(1).all()
    seeds = al.groupby(["dataset", "encoder"])["seed"].nunique()
    assert seeds.nunique() > 1  # unequal seeds per cell
    study = res[res["cycles"] == 0]
    assert set(study["strategy"]) == {"none"}
    ladders = study.groupby("dataset")["k0"].agg(lambda k: tuple(sorted(set(k))))
    assert ladders.nunique() > 1 and set(study["k0"]) <= set(C.IPS_K0)  # unequal ladders
    with pytest.raises(ValueError, match="unknown family"):
        C.synthetic_store("nope")
    with pytest.raises(ValueError, match="seeds"):
        C.synthetic_store("null", seeds=(3, 2))


def test_noise_is_heteroscedastic_and_correlated_over_cycles():
    res, _ = C.synthetic_store("null", n_datasets=3, random_state=4)
    al = res[(res["cycles"] > 0) & (res["cycle"] > 0)]
    wide = al.pivot_table(index="run_key", columns="cycle", values="accuracy")
    keys = al.drop_duplicates("run_key").set_index("run_key")
    resid = wide - wide.groupby(
        keys.loc[wide.index, ["dataset", "encoder", "ips"]].apply(tuple, axis=1)
    ).transform("mean")
    r = np.corrcoef(resid[2].to_numpy(), resid[3].to_numpy())[0, 1]
    assert r > 0.3  # AR(1) over cycles (plus the run's own offset)
    sd = (
        resid.stack()
        .groupby(keys.loc[resid.stack().index.get_level_values(0), "encoder"].to_numpy())
        .std()
    )
    assert sd.max() / sd.min() > 1.05


def test_with_calibration_puts_the_rates_beside_the_verdicts():
    res, ub = C.synthetic_store("null", random_state=1)
    t = F.takeaways(res, mteb={}, upper_bounds=ub, ids=["T1", "T9"], n_perm=99)
    cal = C.calibrate(n_stores=2, ids=["T1", "T9"])
    out = C.with_calibration(t, cal)
    assert list(out["id"]) == ["T1", "T9"]
    assert out[["false_holds", "power"]].notna().all().all()
    with pytest.raises(ValueError, match="unknown takeaway"):
        C.calibrate(n_stores=1, ids=["T0"])
