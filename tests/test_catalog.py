"""The Data-and-encoders chapter's tables."""

import json

import numpy as np
import pytest

from alcore.embedding import catalog


def _entry(root, dataset, encoder, split, created, n=10, dim=4):
    d = root / dataset / encoder
    d.mkdir(parents=True, exist_ok=True)
    np.save(d / f"{split}-x.npy", np.zeros((n, dim), np.float32))
    meta = dict(
        config=dict(dataset=dataset, encoder=encoder, split=split),
        n_texts=n,
        shape=[n, dim],
        seconds=1.5,
        texts_per_second=n / 1.5,
        device="cpu",
        created=created,
    )
    (d / f"{split}-x.json").write_text(json.dumps(meta))


def test_embedding_table_reads_sidecars_and_skips_broken(tmp_path):
    _entry(tmp_path, "trec6", "glove50", "train", "2026-01-01")
    _entry(tmp_path, "trec6", "glove50", "test", "2026-01-01", n=5)
    (tmp_path / "trec6" / "glove50" / "bad.json").write_text("{not json")
    table = catalog.embedding_table(tmp_path)
    assert list(table.split) == ["test", "train"]
    assert table.set_index("split").loc["test", "n_texts"] == 5
    assert (table.dim == 4).all()


def test_embedding_table_empty_cache(tmp_path):
    table = catalog.embedding_table(tmp_path)
    assert table.empty and "seconds" in table.columns


def test_embedding_table_keeps_the_newest_sidecar_of_a_split(tmp_path):
    """A superseded embedding (older config, file still there) is not counted twice."""
    _entry(tmp_path, "trec6", "glove50", "train", "2026-01-01", n=10)
    d = tmp_path / "trec6" / "glove50"
    meta = json.loads((d / "train-x.json").read_text())
    (d / "train-y.json").write_text(json.dumps({**meta, "n_texts": 12, "created": "2026-02-01"}))
    table = catalog.embedding_table(tmp_path)
    assert len(table) == 1 and table["n_texts"].iloc[0] == 12


def test_embedding_runtime_table_sums_splits(tmp_path):
    for enc, n in (("glove50", 150), ("mpnet", 15)):
        for split in ("train", "test"):
            _entry(tmp_path, "d1", enc, split, "2026-01-01", n=n)
    t = catalog.embedding_runtime_table(catalog.embedding_table(tmp_path))
    assert t.loc["mpnet", "d1"] == pytest.approx(3.0)  # 1.5 s per split
    assert t.loc["glove50", "texts_per_second"] == pytest.approx(100.0)
    _entry(tmp_path, "d2", "mpnet", "train", "2026-01-01", n=15)
    t = catalog.embedding_runtime_table(catalog.embedding_table(tmp_path))
    assert t.loc["mpnet", "total"] == pytest.approx(t.loc["mpnet", ["d1", "d2"]].sum())
