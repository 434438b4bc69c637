"""RunConfig hashing, validation, grids and profiles."""

import numpy as np
import pytest

from alcore.core.errors import UnknownNameError
from alcore.runs.experiment import Grid, RunConfig, cap_pool, list_profiles, load_profile


def _cfg(**kw):
    base = dict(
        dataset="trec6",
        encoder="glove50",
        ips="random",
        k0=10,
        strategy="margin",
        seed=0,
        budget=100,
        cycles=5,
    )
    return RunConfig(**{**base, **kw})


def test_key_is_stable_and_faithful():
    cfg = _cfg()
    # a fixed value: changing it silently would orphan every stored result (it changed
    # once, deliberately, when runs gained their `study` field)
    assert cfg.key() == "81e93ac21539416e"
    assert cfg.key() == _cfg().key() == RunConfig.from_dict(cfg.to_dict()).key()
    assert _cfg(clf={"max_iter": 1000, "solver": "lbfgs"}).key() == cfg.key()  # dict order
    changed = [
        _cfg(seed=1),
        _cfg(k0=11),
        _cfg(strategy="badge"),
        _cfg(pool_cap=500),
        _cfg(clf={"solver": "lbfgs", "max_iter": 100}),
        _cfg(strategy_params={"a": 1}),
    ]
    keys = {c.key() for c in changed}
    assert len(keys) == len(changed) and cfg.key() not in keys
    assert len(cfg.key()) == 16 and hash(cfg) == hash(_cfg())


@pytest.mark.parametrize(
    "kw, match",
    [
        (dict(k0=1.5), "k0 must be an int"),
        (dict(seed="0"), "seed must be an int"),
        (dict(budget=5), "smaller than k0"),
        (dict(strategy="none"), "only for the IPS study"),
        (dict(pool_cap=1), "pool_cap"),
        (dict(seed=2**63), "seed must be in"),
        (dict(seed=True), "seed must be an integer"),
        (dict(cycles=1_000_000), "cycles must be in"),
        (dict(cycles=0), "ips_study"),
        (dict(clf={"max_iters": 100}), "Did you mean 'max_iter'"),
        (dict(clf={"C": -1.0}), "clf: "),
        (dict(strategy_params={"margn": 1}), "unknown key 'margn'"),
        (dict(study="other"), "study"),
    ],
)
def test_validate_rejects_bad_fields(kw, match):
    with pytest.raises(ValueError, match=match):
        _cfg(**kw).validate(check_names=False)


def test_validate_unknown_strategy_lists_names():
    with pytest.raises(UnknownNameError, match="badge"):
        _cfg(strategy="bagde").validate(check_names=False)
    with pytest.raises(UnknownNameError, match="typiclust"):
        _cfg(ips="margin").validate(check_names=False)


def test_grid_expands_product_and_ips_study(tmp_path):
    path = tmp_path / "g.yaml"
    path.write_text(
        "datasets: [a, b]\nencoders: [e]\nips: [random, typiclust]\n"
        "k0: [batch, 4]\nstrategies: [random, margin]\nseeds: [0, 1, 2]\n"
        "budget: 42\ncycles: 5\npool_cap: {b: 100}\n"
        "strategy_params: {margin: {}}\n"
        "ips_study: {ips: [random], k0: [5, 10], seeds: [0]}\n"
    )
    configs = Grid.from_yaml(path).configs(check_names=False)
    main = [c for c in configs if c.cycles == 5]
    study = [c for c in configs if c.cycles == 0]
    assert len(main) == 2 * 2 * 2 * 2 * 3 and len(study) == 2 * 2
    assert {c.k0 for c in main} == {42 // 6, 4}
    assert {c.pool_cap for c in main if c.dataset == "b"} == {100}
    assert all(c.strategy == "none" and c.budget == c.k0 for c in study)
    assert len({c.key() for c in configs}) == len(configs)


_BASE = (
    "datasets: [a, b]\nencoders: [e]\nips: [random]\nk0: [5]\nseeds: [0]\n"
    "strategies: [random, margin]\nbudget: 50\ncycles: 5\n"
)


@pytest.mark.parametrize(
    "text, match",
    [
        (_BASE + "colour: red\n", "unknown key 'colour' in grid"),
        (_BASE + "strategy_params: {margn: {}}\n", "Did you mean 'margin'"),
        (_BASE + "strategy_params: {badge: {}}\n", "keys are strategies of the grid"),
        (_BASE + "strategy_params: {margin: {foo: 1}}\n", "unknown key 'foo'"),
        (_BASE + "pool_cap: {c: 500}\n", "keys are datasets of the grid"),
        (_BASE + "pool_cap: {a_: 500}\n", "Did you mean 'a'"),
        (_BASE + "pool_cap: '500'\n", "write 500 without quotes"),
        (_BASE + "pool_cap: 1e23\n", "must be an integer, got the string '1e23'"),
        (_BASE + "pool_cap: 100000000000000000000000\n", "pool_cap must be in"),
        (_BASE + "pool_cap: true\n", "pool_cap must be an integer"),
        (_BASE + "clf: [1, 2]\n", "clf must be a mapping"),
        (_BASE + "clf: {max_iters: 100}\n", "Did you mean 'max_iter'"),
        (_BASE + "clf: {solver: lbfgz}\n", "clf: "),
        (
            _BASE.replace("seeds: [0]", "seeds: [100000000000000000000000]"),
            "seeds entry must be in",
        ),
        (_BASE.replace("seeds: [0]", "seeds: [9223372036854775808]"), "seeds entry must be in"),
        (_BASE.replace("seeds: [0]", "seeds: [-1]"), "seeds entry must be in"),
        (_BASE.replace("cycles: 5", "cycles: 0"), "ips_study"),
        (_BASE.replace("cycles: 5", "cycles: 1000000"), "cycles must be in"),
        (_BASE.replace("budget: 50", "budget: '50'"), "without quotes"),
        (_BASE + "ips_study: {k0: [5], sedes: [0]}\n", "Did you mean 'seeds'"),
        (_BASE + "ips_study: {k0: [5], al: {k0: [5], cycle: 3}}\n", "Did you mean 'cycles'"),
        (_BASE + "ips_study: {k0: [5], al: {k0: [5], cycles: 0}}\n", "al.cycles must be in"),
        (
            "datasets: [a]\nencoders: [e]\nips: [random]\nk0: [five]\nseeds: [0]\n"
            "strategies: [random]\n",
            "k0 entry must be an integer",
        ),
        (
            "datasets: [a]\nencoders: [e]\nips: [random]\nk0: [5]\nseeds: [0]\n"
            "strategies: [random]\nbudget: lots\n",
            "budget must be",
        ),
        (
            "datasets: [a, b]\nencoders: [e]\nips: [random]\nk0: [5]\nseeds: [0]\n"
            "strategies: [random]\nbudget: {a: 50}\n",
            "missing datasets \\['b'\\]",
        ),
        (
            "datasets: [a]\nencoders: [e]\nips: [random]\nk0: [5]\nseeds: [0]\n"
            "strategies: [random]\nbudget: {a: 50, c: 3}\n",
            "unknown key 'c' in budget",
        ),
        ("datasets: a\nencoders: [e]\nips: [random]\nk0: [5]\n", "lacks key"),
        (
            "datasets: [a, [b]]\nencoders: [e]\nips: [random]\nk0: [5]\nseeds: [0]\n"
            "strategies: [random]\n",
            "datasets\\[1\\] must be a name or a mapping",
        ),
        (
            "datasets: [{name: x, path: x.csv, text_col: t, labl_col: l}]\nencoders: [e]\n"
            "seeds: [0]\nips: [random]\nk0: [5]\nstrategies: [random]\n",
            "Did you mean 'label_col'",
        ),
    ],
)
def test_grid_validation_errors(tmp_path, text, match):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ValueError, match=match):
        Grid.from_yaml(path).configs(check_names=False)


def test_grid_budget_per_dataset(tmp_path):
    path = tmp_path / "g.yaml"
    path.write_text(
        "datasets: [a, b]\nencoders: [e]\nips: [random]\nk0: [batch]\n"
        "strategies: [random]\nseeds: [0]\nbudget: {a: 42, b: 84}\ncycles: 5\n"
    )
    configs = Grid.from_yaml(path).configs(check_names=False)
    assert {(c.dataset, c.budget, c.k0) for c in configs} == {("a", 42, 7), ("b", 84, 14)}


def test_unknown_profile_lists_profiles():
    assert {"quick", "default", "paper"} <= set(list_profiles())
    with pytest.raises(UnknownNameError, match="quick"):
        load_profile("quik")


@pytest.mark.parametrize("name", ["quick", "default", "paper"])
def test_profiles_load_and_validate(name):
    pytest.importorskip("alcore.data")
    pytest.importorskip("alcore.embedding.embed")
    configs = load_profile(name).configs()
    assert configs and len({c.key() for c in configs}) == len(configs)
    assert any(c.cycles == 0 for c in configs) and any(c.cycles > 0 for c in configs)
    assert all(c.strategy == "none" for c in configs if c.cycles == 0)


def test_cap_pool_is_stratified_and_seeded():
    y = np.repeat([0, 1, 2], [900, 90, 10])
    idx = cap_pool(y, 100, random_state=0)
    assert len(idx) == 100 and np.array_equal(idx, cap_pool(y, 100, random_state=0))
    assert np.bincount(y[idx]).tolist() == [90, 9, 1]
    assert len(np.unique(idx)) == 100
    assert np.array_equal(cap_pool(y, None), np.arange(1000))
    with pytest.raises(ValueError, match="classes"):
        cap_pool(y, 2)


def test_broken_yaml_names_the_file_and_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("datasets: [a, b]\nencoders: [e\nips: [random]\n")
    with pytest.raises(ValueError, match=r"broken\.yaml:\d+:\d+: not valid YAML"):
        Grid.from_yaml(path)


def test_budget_larger_than_the_pool_is_refused_at_config_time(tmp_path):
    path = tmp_path / "g.yaml"
    path.write_text(_BASE.replace("budget: 50", "budget: 500") + "pool_cap: 100\n")
    with pytest.raises(ValueError, match="larger than the training pool"):
        Grid.from_yaml(path).configs(check_names=False)


def test_ips_study_al_runs_are_their_own_study(tmp_path):
    path = tmp_path / "g.yaml"
    path.write_text(
        _BASE + "ips_study: {ips: [random, typiclust], k0: [5, 20, 60], "
        "al: {k0: [5, 20, 60], cycles: 3}}\n"
    )
    configs = Grid.from_yaml(path).configs(check_names=False)
    by = {s: [c for c in configs if c.study == s] for s in ("main", "ips", "ips_al")}
    assert len(by["main"]) == 2 * 2 and all(c.cycles == 5 for c in by["main"])
    assert all(c.cycles == 0 and c.strategy == "none" for c in by["ips"])
    # k0 = 60 >= budget 50 leaves nothing to query: left out of the AL study
    assert {(c.k0, c.strategy, c.cycles, c.budget) for c in by["ips_al"]} == {
        (5, "random", 3, 50),
        (20, "random", 3, 50),
    }
    assert len(by["ips_al"]) == 2 * 2 * 2  # datasets x ips x k0
    main_like = RunConfig("a", "e", "random", 5, "random", 0, 50, 3)
    assert main_like.key() != next(c for c in by["ips_al"] if c.k0 == 5).key()


def test_k0_rule_gives_at_least_one_label_per_class():
    from alcore.runs.experiment import k0_rule

    assert k0_rule(1000, 20, 6) == 47
    assert k0_rule(100, 20, 2) == 4
    assert k0_rule(1000, 20, 52) == 52


def test_default_profile_is_the_papers_regime():
    pytest.importorskip("alcore.data")
    from alcore.runs.datasets import dataset_facts as _dataset_facts
    from alcore.runs.datasets import grid_budget as _dataset_budget

    configs = load_profile("default").configs()
    main = [c for c in configs if c.study == "main"]
    assert main and all(c.pool_cap is None for c in configs)
    assert all(c.cycles == 20 for c in main)
    for c in main:
        assert c.budget == _dataset_budget(c.dataset)
        assert c.k0 >= _dataset_facts(c.dataset)[1]
    assert "trec6" in {c.dataset for c in main} and len({c.dataset for c in main}) >= 5
    assert len({c.encoder for c in main}) >= 3 and len({c.seed for c in main}) >= 3
    assert any(c.study == "ips_al" for c in configs)
    # the k0 sweep has points between 200 and 500 (issue 11), up to 5000 where the pool allows
    ks = {c.k0 for c in configs if c.study == "ips" and c.dataset == "trec6"}
    assert {20, 50, 100, 200, 300, 500, 1000, 2000, 5000} <= ks
