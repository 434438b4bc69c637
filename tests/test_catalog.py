"""The Data-and-encoders chapter's tables."""

import json

import numpy as np
import pytest

from alcore import catalog


def _entry(root, dataset, encoder, split, created, n=10, dim=4):
    d = root / dataset / encoder
    d.mkdir(parents=True, exist_ok=True)
    np.save(d / f"{split}-x.npy", np.zeros((n, dim), np.float32))
    meta = dict(config=dict(dataset=dataset, encoder=encoder, split=split), n_texts=n,
                shape=[n, dim], seconds=1.5, texts_per_second=n / 1.5, device="cpu", created=created)
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


def test_class_balance_figure():
    pytest.importorskip("matplotlib")

    class DS:
        name = "toy"
        classes = ["a", "b", "c"]

        def labels(self, split):
            return np.array([0, 0, 0, 1, 1, 2])

    fig = catalog.fig_class_balance([DS()])
    line = fig.axes[0].lines[0]
    np.testing.assert_allclose(line.get_ydata(), [0.5, 1 / 3, 1 / 6])
    assert "fig_class_balance" in fig.axes[0].get_title()
