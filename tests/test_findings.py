"""The paper's takeaways (alcore.findings) computed from synthetic stores with known effects."""

import pytest
from _synth import make_results

from alcore import findings as F


@pytest.fixture(scope="module")
def synth():
    # weak encoder: typiclust and probcover gain; strong encoder: margin, badge, entropy gain
    return make_results(seeds=(0, 1), cycles=8)


def test_every_takeaway_has_a_verdict_and_evidence(synth):
    df, ub = synth
    t = F.takeaways(df, mteb={"weak": 40.0, "strong": 57.0}, upper_bounds=ub)
    assert t["id"].tolist() == [f"T{i}" for i in range(1, 9)]
    assert set(t["verdict"]) <= {F.HOLDS, F.PARTLY, F.NO, F.UNTESTED}
    assert t["here"].str.len().gt(0).all()
    v = t.set_index("id")["verdict"]
    assert v["T2"] == F.HOLDS           # the synthetic TypiClust-IPS gain decays over cycles
    assert v["T4"] == F.HOLDS           # the top strategy differs between the two encoders
    assert v["T8"] == F.HOLDS


def test_quality_takeaways_fall_back_to_the_linear_probe(synth):
    df, ub = synth
    # two encoders with an MTEB score are too few for a rank correlation ...
    t = F.takeaways(df, mteb={"weak": 40.0, "strong": 57.0}).set_index("id")
    assert t.loc["T3", "verdict"] == F.UNTESTED and t.loc["T7", "verdict"] == F.UNTESTED
    # ... and with two encoders per dataset the probe cannot rank either
    t = F.takeaways(df, mteb={}, upper_bounds=ub).set_index("id")
    assert t.loc["T7", "verdict"] == F.UNTESTED
    # three encoders with measured quality: testable; the synthetic typiclust IPS gain is
    # largest on the weak encoder, so "IPS synergises with quality" does not hold
    df3, ub3 = make_results(seeds=(0, 1), cycles=8,
                            encoders={"weak": 0.7, "mid": 0.75, "strong": 0.9})
    t = F.takeaways(df3, mteb={}, upper_bounds=ub3).set_index("id")
    assert "linear-probe" in t.loc["T3", "here"] and t.loc["T3", "verdict"] == F.NO
    assert "linear-probe" in t.loc["T7", "here"]
    assert t.loc["T7", "verdict"] in {F.HOLDS, F.PARTLY}


def test_without_active_learning_runs_only_the_ips_takeaway_is_tested(synth):
    df, ub = synth
    t = F.takeaways(df[df["cycles"] == 0], upper_bounds=ub).set_index("id")
    assert t.loc["T1", "verdict"] != F.UNTESTED
    assert (t.drop(index="T1")["verdict"] == F.UNTESTED).all()


def test_a_positive_correlation_whose_ci_includes_zero_does_not_hold():
    """T3 with measured quality: the early IPS gain is pure noise here (no link to quality),
    so whatever the sign of rho, its CI includes zero and the verdict is not positive."""
    import numpy as np

    df, ub = make_results(seeds=(0, 1), cycles=8,
                          encoders={"weak": 0.7, "mid": 0.75, "strong": 0.9})
    rng = np.random.default_rng(0)
    noisy = df.copy()
    early = (noisy["ips"] == "typiclust") & (noisy["cycle"] <= 2)
    noisy.loc[early, "accuracy"] += rng.normal(0, 0.05, early.sum())
    t = F.takeaways(noisy, mteb={}, upper_bounds=ub).set_index("id")
    assert "95% CI" in t.loc["T3", "here"]
    low = float(t.loc["T3", "here"].split("CI ")[1].split(",")[0])
    assert t.loc["T3", "verdict"] in ({F.NO} if low <= 0 else {F.HOLDS, F.PARTLY})
