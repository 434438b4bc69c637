"""Every figure function draws from synthetic data and from an empty selection."""

import matplotlib

matplotlib.use("agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from _synth import make_results

from alcore import bench as B
from alcore.report import plots as P
from alcore.science import analysis as A
from alcore.science import stats as S


@pytest.fixture(scope="module")
def synth():
    return make_results(
        seeds=(0, 1),
        cycles=6,
        datasets={"toy_binary": 2, "toy_topics": 8},
        encoders={"weak": 0.7, "mid": 0.8, "strong": 0.9},
    )


def _signed(fig, name):
    texts = [t.get_text() for t in fig.texts]
    assert f"drawn by alcore.report.plots.{name}" in texts
    assert fig.get_label() == f"alcore.report.plots.{name}"
    assert fig._suptitle is not None and fig._suptitle.get_text()
    n_artists = sum(
        len(ax.lines) + len(ax.patches) + len(ax.collections) + len(ax.texts) for ax in fig.axes
    )
    plt.close(fig)
    return n_artists


def test_every_figure_draws_something(synth):
    df, ub = synth
    au = A.aulc(df)
    mteb = {"weak": 40, "mid": 50, "strong": 57}
    figs = {
        "ips_win_share_by_k0": P.ips_win_share_by_k0(df, tol=0.005),
        "ips_accuracy_vs_k0": P.ips_accuracy_vs_k0(df),
        "ips_gain_over_cycles": P.ips_gain_over_cycles(df, col="dataset"),
        "ips_gain_grid": P.ips_gain_grid(df),
        "top_share_over_cycles": P.top_share_over_cycles(df),
        "win_rate_matrices": P.win_rate_matrices(df),
        "top_share_by_ips": P.top_share_by_ips(df),
        "learning_curves": P.learning_curves(df, ub, encoders=["weak"]),
        "top_share_by_encoder_and_dataset": P.top_share_by_encoder_and_dataset(df),
        "critical_difference_diagram": P.critical_difference_diagram(
            S.friedman_nemenyi(S.block_scores(au))
        ),
        "mteb_vs_gain": P.mteb_vs_gain(au, mteb),
        "probe_quality_vs_gain": P.probe_quality_vs_gain(au, ub),
        "bench_query_time": P.bench_query_time(_bench_table()),
        "class_balance": P.class_balance([_Toy()]),
    }
    assert set(figs) == set(P.FIGURES), "every registered figure is drawn here"
    for name, fig in figs.items():
        assert not P.is_empty(fig), name
        assert _signed(fig, name) > 0, name


class _Toy:
    name = "toy"
    classes = ["a", "b", "c"]

    def labels(self, split):
        import numpy as np

        return np.array([0, 0, 0, 1, 1, 2])


def test_ips_gain_grid_is_datasets_by_encoders(synth):
    df, _ = synth
    fig = P.ips_gain_grid(df)
    grid = [ax for ax in fig.axes if ax.get_visible()]
    assert len(grid) == 2 * 3  # 2 datasets x 3 encoders
    assert [ax.get_title() for ax in grid[:3]] == ["mid", "strong", "weak"]
    assert all(len(ax.lines) == 8 + 1 for ax in grid)  # 8 strategies + zero line
    _signed(fig, "ips_gain_grid")


def test_top_share_over_cycles_has_one_stacked_bar_per_cycle(synth):
    df, _ = synth
    fig = P.top_share_over_cycles(df)
    ax = fig.axes[0]
    heights = {}
    for bar in ax.patches:
        heights[bar.get_x()] = heights.get(bar.get_x(), 0) + bar.get_height()
    assert len(heights) == 6  # cycles 1..6
    assert all(abs(h - 1) < 1e-9 for h in heights.values())  # shares sum to 1 per cycle
    assert "cycle" in ax.get_xlabel()
    _signed(fig, "top_share_over_cycles")


def test_figures_with_too_few_strategies_or_runs_say_so(synth):
    df, _ = synth
    one = df[df["strategy"].isin(["margin", "none"])]
    for fig, name in (
        (P.win_rate_matrices(one), "win_rate_matrices"),
        (P.top_share_by_ips(one), "top_share_by_ips"),
        (P.top_share_over_cycles(one), "top_share_over_cycles"),
        (P.top_share_by_encoder_and_dataset(one), "top_share_by_encoder_and_dataset"),
    ):
        assert "only 1 query strategy" in P.is_empty(fig), name
        _signed(fig, name)
    random_only = df[df["ips"] == "random"]
    fig = P.top_share_over_cycles(random_only)
    assert "IPS 'typiclust'" in P.is_empty(fig)
    _signed(fig, "top_share_over_cycles")
    assert not P.is_empty(P.top_share_over_cycles(random_only, ips="random"))
    plt.close("all")


def test_class_balance_draws_sorted_class_shares():
    import numpy as np

    fig = P.class_balance([_Toy()])
    np.testing.assert_allclose(fig.axes[0].lines[0].get_ydata(), [0.5, 1 / 3, 1 / 6])
    _signed(fig, "class_balance")


def test_figure_decorator_stamps_the_function_name():
    @P.figure
    def some_view():
        fig, _ = plt.subplots(layout="constrained")
        fig.suptitle("a view")
        return fig

    try:
        fig = some_view()
        assert fig.get_label() == "alcore.report.plots.some_view"
        assert fig.texts[-1].get_text() == "drawn by alcore.report.plots.some_view"
        assert some_view.__name__ == "some_view"
        plt.close(fig)
    finally:
        P.FIGURES.pop("some_view")


def test_strategy_order_is_the_registry_order():
    from alcore.engine.strategies import NAMES

    assert P.order_names(["badge", "zzz", "random", "margin"]) == [
        n for n in NAMES if n in {"badge", "random", "margin"}
    ] + ["zzz"]


def test_figures_explain_missing_data(synth):
    df, ub = synth
    al_only, ips_only = A.al_part(df), A.ips_part(df)
    for fig, name in (
        (P.ips_win_share_by_k0(al_only), "ips_win_share_by_k0"),
        (P.ips_accuracy_vs_k0(al_only), "ips_accuracy_vs_k0"),
        (P.ips_gain_over_cycles(ips_only), "ips_gain_over_cycles"),
        (P.top_share_by_ips(ips_only), "top_share_by_ips"),
        (P.mteb_vs_gain(A.aulc(df), mteb={}), "mteb_vs_gain"),
        (P.probe_quality_vs_gain(A.aulc(df), ub.iloc[:0]), "probe_quality_vs_gain"),
        (  # a store that holds only the baseline's runs so far (a grid stopped early)
            P.probe_quality_vs_gain(A.aulc(df[df.strategy.isin(["random", "none"])]), ub),
            "probe_quality_vs_gain",
        ),
    ):
        assert any("no " in t.get_text() for t in fig.axes[0].texts), name
        assert P.is_empty(fig).startswith("no "), name
        _signed(fig, name)


def _bench_table():
    import pandas as pd

    rows = []
    for setting, n in (("default", 20000), ("large", 120000)):
        for strategy, a, b in (("random", 0.01, 0.02), ("badge", 0.3, 27.0)):
            rows.append(
                dict(
                    setting=setting,
                    strategy=strategy,
                    impl="alcore",
                    seconds=a,
                    peak_mb=10.0,
                    status="ok",
                    n=n,
                    dim=384,
                )
            )
            ok = setting == "default" or strategy == "random"
            rows.append(
                dict(
                    setting=setting,
                    strategy=strategy,
                    impl="skactiveml",
                    seconds=b if ok else float("nan"),
                    peak_mb=50.0 if ok else float("nan"),
                    status="ok" if ok else "cannot run: needs 27 GB",
                    n=n,
                    dim=384,
                )
            )
    return pd.DataFrame(rows)


def test_bench_speedups_pairs_the_implementations():
    table = B.bench_speedups(_bench_table())
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
    t = B.bench_targets(_bench_table()).set_index(["setting", "strategy"])
    assert bool(t.loc[("default", "badge"), "met"]) is True  # 90x >= 5x
    assert bool(t.loc[("default", "random"), "met"]) is True  # 2x >= 1x
    assert bool(t.loc[("large", "badge"), "met"]) is True  # 0.3 s, 10 MB
    slow = _bench_table().assign(seconds=lambda d: d["seconds"] * 100)
    t = B.bench_targets(slow).set_index(["setting", "strategy"])
    assert bool(t.loc[("large", "badge"), "met"]) is False  # 30 s > 10 s
    # rows measured with more threads are held to the same targets, under their own label
    two = _bench_table().query("setting == 'large'").assign(setting="large (2 threads)")
    both = pd.concat([slow, two], ignore_index=True)
    t = B.bench_targets(both).set_index(["setting", "strategy"])
    assert bool(t.loc[("large", "badge"), "met"]) is False
    assert bool(t.loc[("large (2 threads)", "badge"), "met"]) is True
    assert not t.index.get_level_values(0).str.startswith("default (").any()
