"""Every figure function draws from synthetic data and from an empty selection."""

import matplotlib

matplotlib.use("agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from _synth import make_results  # noqa: E402

from alcore import analysis as A  # noqa: E402
from alcore import plots as P  # noqa: E402
from alcore import stats as S  # noqa: E402


@pytest.fixture(scope="module")
def synth():
    return make_results(seeds=(0, 1), cycles=6,
                        datasets={"toy_binary": 2, "toy_topics": 8},
                        encoders={"weak": 0.7, "mid": 0.8, "strong": 0.9})


def _signed(fig, name):
    texts = [t.get_text() for t in fig.texts]
    assert f"drawn by alcore.plots.{name}" in texts
    assert fig._suptitle is not None and fig._suptitle.get_text()
    n_artists = sum(len(ax.lines) + len(ax.patches) + len(ax.collections) + len(ax.texts)
                    for ax in fig.axes)
    plt.close(fig)
    return n_artists


def test_every_figure_draws_something(synth):
    df, ub = synth
    au = A.aulc(df)
    mteb = {"weak": 40, "mid": 50, "strong": 57}
    figs = {
        "fig1_ips_winners": P.fig1_ips_winners(df, tol=0.005),
        "fig2_accuracy_vs_k0": P.fig2_accuracy_vs_k0(df),
        "fig3_ips_gain_over_cycles": P.fig3_ips_gain_over_cycles(df, col="dataset"),
        "fig4_win_rate_matrices": P.fig4_win_rate_matrices(df),
        "fig5_top_share": P.fig5_top_share(df),
        "fig6_learning_curves": P.fig6_learning_curves(df, ub, encoders=["weak"]),
        "fig7_top_rates_by_encoder_dataset": P.fig7_top_rates_by_encoder_dataset(df),
        "critical_difference_diagram":
            P.critical_difference_diagram(S.friedman_nemenyi(S.block_scores(au))),
        "mteb_vs_gain": P.mteb_vs_gain(au, mteb),
        "probe_quality_vs_gain": P.probe_quality_vs_gain(au, ub),
    }
    for name, fig in figs.items():
        assert _signed(fig, name) > 0, name


def test_figures_explain_missing_data(synth):
    df, ub = synth
    al_only, ips_only = A.al_part(df), A.ips_part(df)
    for fig, name in ((P.fig1_ips_winners(al_only), "fig1_ips_winners"),
                      (P.fig2_accuracy_vs_k0(al_only), "fig2_accuracy_vs_k0"),
                      (P.fig3_ips_gain_over_cycles(ips_only), "fig3_ips_gain_over_cycles"),
                      (P.fig5_top_share(ips_only), "fig5_top_share"),
                      (P.mteb_vs_gain(A.aulc(df), mteb={}), "mteb_vs_gain"),
                      (P.probe_quality_vs_gain(A.aulc(df), ub.iloc[:0]),
                       "probe_quality_vs_gain")):
        assert any("no " in t.get_text() for t in fig.axes[0].texts), name
        _signed(fig, name)


def _bench_table():
    import pandas as pd

    rows = []
    for setting, n in (("default", 20000), ("large", 120000)):
        for strategy, a, b in (("random", 0.01, 0.02), ("badge", 0.3, 27.0)):
            rows.append(dict(setting=setting, strategy=strategy, impl="alcore", seconds=a,
                             peak_mb=10.0, status="ok", n=n, dim=384))
            ok = setting == "default" or strategy == "random"
            rows.append(dict(setting=setting, strategy=strategy, impl="skactiveml",
                             seconds=b if ok else float("nan"), peak_mb=50.0 if ok else float("nan"),
                             status="ok" if ok else "cannot run: needs 27 GB", n=n, dim=384))
    return pd.DataFrame(rows)


def test_bench_speedups_pairs_the_implementations():
    table = A.bench_speedups(_bench_table())
    assert list(table["setting"]) == ["default", "default", "large", "large"]
    badge = table.set_index(["setting", "strategy"])
    assert badge.loc[("default", "badge"), "speedup"] == pytest.approx(90.0)
    assert badge.loc[("large", "random"), "speedup"] == pytest.approx(2.0)
    big = badge.loc[("large", "badge")]
    assert big["skactiveml_status"].startswith("cannot run") and big["speedup"] != big["speedup"]


def test_bench_query_time_draws_bars_and_marks_what_did_not_run():
    fig = P.bench_query_time(_bench_table())
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert "cannot run" in texts
    assert sum(len(ax.patches) for ax in fig.axes) == 7  # 8 measurements, one did not run
    _signed(fig, "bench_query_time")


def test_bench_targets_say_met_or_missed():
    t = A.bench_targets(_bench_table()).set_index(["setting", "strategy"])
    assert bool(t.loc[("default", "badge"), "met"]) is True        # 90x >= 5x
    assert bool(t.loc[("default", "random"), "met"]) is True       # 2x >= 1x
    assert bool(t.loc[("large", "badge"), "met"]) is True          # 0.3 s, 10 MB
    slow = _bench_table().assign(seconds=lambda d: d["seconds"] * 100)
    t = A.bench_targets(slow).set_index(["setting", "strategy"])
    assert bool(t.loc[("large", "badge"), "met"]) is False         # 30 s > 10 s
