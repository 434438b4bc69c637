"""alcore.embedding.ladder: PCA rungs <base>-pca<k>, fitted on the training split only."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.decomposition import PCA

from alcore.embedding.embed import ENCODERS, embed, get_encoder, list_encoders, load_embeddings
from alcore.embedding.ladder import (
    LADDER_BASE,
    LADDER_KS,
    PCAReducer,
    RungEncoder,
    parse_rung,
    rung_name,
)
from alcore.engine.loop import full_data_accuracy

WORDS = [
    "cat",
    "dog",
    "sun",
    "rain",
    "king",
    "queen",
    "car",
    "road",
    "tree",
    "river",
    "music",
    "film",
    "money",
    "bank",
    "city",
    "war",
]


class Toy:
    """A TextDataset-like object of short texts drawn from a few glove words."""

    def __init__(self, name="ladder_toy", n_train=60, n_test=20, seed=0, test_seed=1):
        self.name = name
        self._t = {"train": self._texts(n_train, seed), "test": self._texts(n_test, test_seed)}
        self.classes = ["a", "b"]
        self.meta = {}

    @staticmethod
    def _texts(n, seed):
        rng = np.random.default_rng(seed)
        return [" ".join(rng.choice(WORDS, size=4)) for _ in range(n)]

    def texts(self, split):
        return list(self._t[split])

    def labels(self, split):
        # a label the vectors carry: whether an animal word is in the text
        return np.array([int(any(w in t.split() for w in ("cat", "dog"))) for t in self._t[split]])


@pytest.fixture(autouse=True)
def home(linked_home, monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    return linked_home


def _glove_or_skip():
    try:
        return get_encoder("glove50").load()
    except RuntimeError as exc:
        pytest.skip(f"glove50 not available here ({exc})")


def test_rung_names_parse_and_the_ladder_is_registered():
    assert parse_rung("minilm-pca16") == ("minilm", 16)
    assert parse_rung("my-model-pca128") == ("my-model", 128)
    assert parse_rung("minilm") is None and parse_rung("minilm-pca") is None
    assert rung_name("glove50", 32) == "glove50-pca32"
    table = list_encoders().set_index("name")
    for k in LADDER_KS:
        name = rung_name(LADDER_BASE, k)
        spec = ENCODERS[name]
        assert (spec.kind, spec.dim, spec.params["n_components"]) == ("pca", k, k)
        assert table.loc[name, "offline"] and pd.isna(table.loc[name, "mteb"])
    enc = get_encoder("minilm-pca16")  # resolving builds nothing heavy: weights load lazily
    assert isinstance(enc, RungEncoder) and enc.base.name == "minilm" and enc.dim == 16


def test_paper_profile_names_the_ladder():
    from alcore.runs.experiment import load_profile

    encoders = {c.encoder for c in load_profile("paper").configs()}
    assert {rung_name(LADDER_BASE, k) for k in LADDER_KS} <= encoders


def test_bad_rungs_fail_before_any_work():
    with pytest.raises(ValueError, match="below the dimension of glove50"):
        get_encoder("glove50-pca50")
    with pytest.raises(ValueError, match="between 1 and 49"):
        get_encoder("glove50-pca0")
    with pytest.raises(TypeError, match="training split"):
        get_encoder("glove50-pca8").encode(["a cat"])
    with pytest.raises(ValueError, match="not below the base dimension"):
        PCAReducer(4).fit(np.ones((10, 4)))
    with pytest.raises(ValueError, match="exceeds the 3 training vectors"):
        PCAReducer(5).fit(np.random.default_rng(0).normal(size=(3, 8)))
    with pytest.raises(ValueError, match="n_components"):
        PCAReducer(0).fit(np.ones((10, 4)))
    with pytest.raises(ValueError, match="not fitted"):
        PCAReducer(2).transform(np.ones((3, 4)))


def test_pca_reducer_is_deterministic_and_reads_only_the_fit_matrix():
    rng = np.random.default_rng(0)
    X_fit = rng.normal(size=(200, 12)) * np.arange(1, 13)
    X_other = rng.normal(size=(30, 12))
    a = PCAReducer(5).fit(X_fit).transform(X_other)
    b = PCAReducer(5).fit(X_fit.copy()).transform(X_other)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (30, 5) and a.dtype == np.float32
    ref = PCA(5, svd_solver="full").fit(X_fit)
    np.testing.assert_allclose(a, ref.transform(X_other), rtol=1e-5, atol=1e-5)
    # the projection is x - mean(X_fit) onto X_fit's components: no statistic of X_other
    np.testing.assert_allclose(
        a, (X_other - X_fit.mean(0)) @ ref.components_.T, rtol=1e-5, atol=1e-5
    )


def test_rung_embeddings_are_the_base_projected_by_a_train_only_pca():
    _glove_or_skip()
    ds = Toy()
    emb = load_embeddings(ds, "glove50-pca8", progress=False)
    base = load_embeddings(ds, "glove50", progress=False)
    assert emb.X_train.shape == (60, 8) and emb.X_test.shape == (20, 8)
    assert emb.X_train.dtype == np.float32
    pca = PCA(8, svd_solver="full").fit(base.X_train.astype(np.float64))
    np.testing.assert_allclose(emb.X_test, pca.transform(base.X_test), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(emb.X_train, pca.transform(base.X_train), rtol=1e-4, atol=1e-5)
    # another test split changes nothing in the train vectors (the fit never sees it)
    other = load_embeddings(Toy(test_seed=7), "glove50-pca8", progress=False)
    np.testing.assert_array_equal(other.X_train, emb.X_train)
    # the probe of the study measures each rung like any encoder
    scores = {
        k: full_data_accuracy(e.X_train, e.y_train, e.X_test, e.y_test)["accuracy"]
        for k, e in (("pca8", emb), ("full", base))
    }
    assert set(scores) == {"pca8", "full"} and all(0 <= s <= 1 for s in scores.values())


def test_rung_cache_key_holds_base_config_k_and_the_fit(capfd):
    _glove_or_skip()
    ds = Toy()
    a = load_embeddings(ds, "glove50-pca8", progress=False)
    side = json.loads(Path(a.meta["path_test"]).with_suffix(".json").read_text())
    cfg = side["config"]
    base = load_embeddings(ds, "glove50", progress=False)
    base_side = json.loads(Path(base.meta["path_train"]).with_suffix(".json").read_text())
    assert cfg["n_components"] == 8 and cfg["base"] == base.meta["config"]
    assert cfg["fit_sha256"] == base_side["sha256"]  # the train vectors the PCA was fitted on
    assert "/glove50-pca8/" in a.meta["path_test"]
    # a second load is a cache hit of the rung itself
    capfd.readouterr()
    again = load_embeddings(ds, "glove50-pca8", progress=False)
    assert again.meta["cache_hit_train"] and again.meta["cache_hit_test"]
    np.testing.assert_array_equal(again.X_test, a.X_test)
    # another k is another entry
    b = load_embeddings(ds, "glove50-pca4", progress=False)
    assert b.meta["path_test"] != a.meta["path_test"] and b.X_test.shape == (20, 4)
    # same test texts, another training split: another fit, so another key
    c = load_embeddings(Toy(seed=5), "glove50-pca8", progress=False)
    c_side = json.loads(Path(c.meta["path_test"]).with_suffix(".json").read_text())
    assert c_side["config"]["texts_sha256"] == cfg["texts_sha256"]
    assert c_side["config"]["fit_sha256"] != cfg["fit_sha256"]
    assert c.meta["path_test"] != a.meta["path_test"]
    # one split alone through embed() is the same array
    np.testing.assert_array_equal(embed(ds, "glove50-pca8", "test", progress=False), a.X_test)


def test_rung_of_a_reconfigured_base_is_another_entry():
    enc_a = get_encoder("minilm-pca16")
    enc_b = get_encoder("minilm-pca16", max_length=64)
    assert enc_a.config()["base"]["max_length"] == 256
    assert enc_b.config()["base"]["max_length"] == 64
    assert enc_a.config() != enc_b.config()


def test_the_runs_probe_and_identity_take_a_rung_like_any_encoder():
    """The study's upper bound (the linear probe) and run identity work on a rung by name."""
    from alcore.runs.grid import pair_identity, upper_bound

    _glove_or_skip()
    try:
        ident = pair_identity("sms_spam", "glove50-pca16")
    except RuntimeError as exc:  # the dataset's archive cannot be fetched here
        pytest.skip(f"sms_spam not available here ({exc})")
    assert ident["embeddings"].startswith("cache:")  # the rung's own cache sidecars
    assert ident["embeddings"] != pair_identity("sms_spam", "glove50")["embeddings"]
    probe = upper_bound("sms_spam", "glove50-pca16")
    emb = load_embeddings("sms_spam", "glove50-pca16", progress=False)
    expected = full_data_accuracy(emb.X_train, emb.y_train, emb.X_test, emb.y_test)
    assert probe["accuracy"] == expected["accuracy"] and probe["n_train"] == len(emb.y_train)
