"""RunConfig hashing, validation, grids and profiles."""

import numpy as np
import pytest

from alcore.errors import UnknownNameError
from alcore.experiment import Grid, RunConfig, cap_pool, list_profiles, load_profile


def _cfg(**kw):
    base = dict(dataset="trec6", encoder="glove50", ips="random", k0=10, strategy="margin",
                seed=0, budget=100, cycles=5)
    return RunConfig(**{**base, **kw})


def test_key_is_stable_and_faithful():
    cfg = _cfg()
    # a fixed value: changing it silently would orphan every stored result
    assert cfg.key() == "665427ccd1594320"
    assert cfg.key() == _cfg().key() == RunConfig.from_dict(cfg.to_dict()).key()
    assert _cfg(clf={"max_iter": 1000, "solver": "lbfgs"}).key() == cfg.key()  # dict order
    changed = [_cfg(seed=1), _cfg(k0=11), _cfg(strategy="badge"), _cfg(pool_cap=500),
               _cfg(clf={"solver": "lbfgs", "max_iter": 100}),
               _cfg(strategy_params={"a": 1})]
    keys = {c.key() for c in changed}
    assert len(keys) == len(changed) and cfg.key() not in keys
    assert len(cfg.key()) == 16 and hash(cfg) == hash(_cfg())


@pytest.mark.parametrize("kw, match", [
    (dict(k0=1.5), "k0 must be an int"),
    (dict(seed="0"), "seed must be an int"),
    (dict(budget=5), "smaller than k0"),
    (dict(strategy="none"), "only for the IPS study"),
    (dict(pool_cap=1), "pool_cap"),
])
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
    path.write_text("datasets: [a, b]\nencoders: [e]\nips: [random, typiclust]\n"
                    "k0: [batch, 4]\nstrategies: [random, margin]\nseeds: [0, 1, 2]\n"
                    "budget: 42\ncycles: 5\npool_cap: {b: 100}\n"
                    "strategy_params: {margin: {}}\n"
                    "ips_study: {ips: [random], k0: [5, 10], seeds: [0]}\n")
    configs = Grid.from_yaml(path).configs(check_names=False)
    main = [c for c in configs if c.cycles == 5]
    study = [c for c in configs if c.cycles == 0]
    assert len(main) == 2 * 2 * 2 * 2 * 3 and len(study) == 2 * 2
    assert {c.k0 for c in main} == {42 // 6, 4}
    assert {c.pool_cap for c in main if c.dataset == "b"} == {100}
    assert all(c.strategy == "none" and c.budget == c.k0 for c in study)
    assert len({c.key() for c in configs}) == len(configs)


@pytest.mark.parametrize("text, match", [
    ("datasets: [a]\nencoders: [e]\nips: [random]\nk0: [5]\nseeds: [0]\nstrategies: [x]\n"
     "colour: red\n", "unknown grid key"),
    ("datasets: [a]\nencoders: [e]\nips: [random]\nk0: [five]\nseeds: [0]\n"
     "strategies: [random]\n", "k0 must be"),
    ("datasets: [a]\nencoders: [e]\nips: [random]\nk0: [5]\nseeds: [0]\n"
     "strategies: [random]\nbudget: lots\n", "budget must be"),
    ("datasets: [a, b]\nencoders: [e]\nips: [random]\nk0: [5]\nseeds: [0]\n"
     "strategies: [random]\nbudget: {a: 50}\n", "missing datasets \\['b'\\]"),
    ("datasets: a\nencoders: [e]\nips: [random]\nk0: [5]\n", "lacks key"),
])
def test_grid_validation_errors(tmp_path, text, match):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ValueError, match=match):
        Grid.from_yaml(path).configs(check_names=False)


def test_grid_budget_per_dataset(tmp_path):
    path = tmp_path / "g.yaml"
    path.write_text("datasets: [a, b]\nencoders: [e]\nips: [random]\nk0: [batch]\n"
                    "strategies: [random]\nseeds: [0]\nbudget: {a: 42, b: 84}\ncycles: 5\n")
    configs = Grid.from_yaml(path).configs(check_names=False)
    assert {(c.dataset, c.budget, c.k0) for c in configs} == {("a", 42, 7), ("b", 84, 14)}


def test_unknown_profile_lists_profiles():
    assert {"quick", "default", "paper"} <= set(list_profiles())
    with pytest.raises(UnknownNameError, match="quick"):
        load_profile("quik")


@pytest.mark.parametrize("name", ["quick", "default", "paper"])
def test_profiles_load_and_validate(name):
    pytest.importorskip("alcore.data")
    pytest.importorskip("alcore.embed")
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
