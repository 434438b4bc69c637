"""Fuzzing the "your own data" path (issue 26): generated CSV files through ``alcore data add``
and generated grid YAMLs through ``alcore run --dry-run``.

Every example must end in success or in one clear error line (exit 2): never a traceback,
never an internal error, and never a record changed without a message. Hypothesis runs with a
fixed seed (``derandomize``) and a bounded number of examples; each test prints how many it
tried.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json

import pytest
import yaml

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from alcore.cli import main  # noqa: E402

LOADER = "toy_embeddings:load"
#: examples per fuzz test: together the two run in well under a minute
CSV_EXAMPLES = 150
GRID_EXAMPLES = 200


def _fuzz(n):
    """Hypothesis settings: a fixed seed, ``n`` examples, no deadline, no example database."""
    return settings(
        derandomize=True,
        max_examples=n,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )


@pytest.fixture
def home(tmp_path, monkeypatch, toy_loader_env):
    h = tmp_path / "home"
    h.mkdir()
    monkeypatch.setenv("ALCORE_HOME", str(h))
    monkeypatch.chdir(tmp_path)
    return h


def _run_cli(*argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main([str(a) for a in argv])
    return rc, out.getvalue(), err.getvalue()


def _check_outcome(rc, err):
    """Success, or exactly one clear error line; never a traceback or an internal error."""
    assert rc in (0, 2), (rc, err)
    assert "Traceback" not in err and "internal error" not in err, err
    errors = [line for line in err.splitlines() if ": error: " in line]
    assert len(errors) == (rc == 2), err


# ------------------------------------------------------------------------------ CSV files
TEXTS = st.one_of(
    st.text(alphabet="abc xyz,;\"\t\n\r'é€😀\\", max_size=12),
    st.sampled_from(["", " ", "hello", "hello, world", 'say "hi"', "line\nbreak", "naïve"]),
)
LABELS = st.sampled_from(
    ["pos", " pos", "POS", "neg", "neg ", "1", "01", "1.0", "2", "", "  ", "a,b", '"q"', "é"]
)


@st.composite
def csv_files(draw):
    """A labelled file: plausible three times in four (then every choice below is drawn)."""
    plausible = draw(st.integers(0, 3)) > 0
    labels = st.sampled_from(["pos", "neg", " pos", "neu", "1", "01"]) if plausible else LABELS
    rows = draw(st.lists(st.tuples(TEXTS, labels), max_size=40))
    if rows and draw(st.booleans()):  # duplicate rows
        rows += draw(st.lists(st.sampled_from(rows), max_size=10))
    for _ in range(draw(st.integers(0, 3))):  # classes of many sizes: blocks of one label
        label = draw(labels)
        rows += [(f"text {label} {i}", label) for i in range(draw(st.integers(0, 30)))]
    suffix = draw(st.sampled_from([".csv", ".tsv"]))
    if plausible:
        header, encoding = ["text", "label"], draw(st.sampled_from(["utf-8", "utf-8-sig"]))
        delimiter = "," if suffix == ".csv" else "\t"
    else:
        header = draw(st.sampled_from([["label", "text"], ["text"], ["text", "label", "x"]]))
        encoding = draw(st.sampled_from(["utf-8", "latin-1", "utf-16", "cp1252"]))
        delimiter = draw(st.sampled_from([",", "\t", ";"]))
    quoting = draw(
        st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC, csv.QUOTE_NONE])
    )
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, quoting=quoting, escapechar="\\")
    writer.writerow(header)
    for text, label in rows:
        row = {"text": text, "label": label, "x": "extra"}
        if draw(st.integers(0, 20)) == 0:  # an empty row
            writer.writerow([])
        try:
            writer.writerow([row[h] for h in header])
        except csv.Error:  # a record the csv module will not write unquoted: written raw
            buf.write(delimiter.join(row[h] for h in header) + "\n")
    data = buf.getvalue().encode(encoding, errors="replace")
    test_size = draw(st.sampled_from(["0.2", "0.5", "0.05", "0.9"]))
    return data, suffix, test_size


def test_fuzz_data_add(home, tmp_path, capsys, record_property):
    record = home / "user_datasets" / "fz.json"
    tried = []

    @_fuzz(CSV_EXAMPLES)
    @given(case=csv_files())
    def check(case):
        data, suffix, test_size = case
        path = tmp_path / f"fuzz{suffix}"
        path.write_bytes(data)
        before = record.read_bytes() if record.exists() else None
        rc, out, err = _run_cli(
            "data", "add", "fz", path, "--text-col", "text", "--label-col", "label",
            "--test-size", test_size,
        )  # fmt: skip
        tried.append(rc)
        _check_outcome(rc, err)
        if rc == 2:  # a refused file leaves the record as it was
            assert (record.read_bytes() if record.exists() else None) == before
        else:
            rec = json.loads(record.read_text())
            assert rec["path"] == str(path.resolve()) and rec["n_classes"] >= 2
            assert f"{rec['n_classes']} classes" in out
            assert rec["rows_train"] >= rec["n_classes"] and rec["rows_test"] >= 1

    check()
    ok = sum(rc == 0 for rc in tried)
    note = (
        f"fuzz data add: {len(tried)} CSV examples tried, {ok} registered, "
        f"{len(tried) - ok} refused"
    )
    print(note)
    record_property("fuzz_data_add", note)
    assert len(tried) >= CSV_EXAMPLES and 0 < ok < len(tried)


# ------------------------------------------------------------------------------ grid YAMLs
def _base_grid(base_csv):
    return {
        "datasets": [
            "toy3",
            {"name": "fzbase", "path": str(base_csv), "text_col": "text", "label_col": "label"},
        ],
        "encoders": ["e1"],
        "ips": ["random"],
        "k0": [4],
        "strategies": ["random", "margin"],
        "seeds": [0, 1],
        "budget": 10,
        "cycles": 2,
        "pool_cap": 100,
        "clf": {"max_iter": 100},
        "strategy_params": {"margin": {}},
        "ips_study": {
            "ips": ["random"],
            "k0": [5],
            "seeds": [0],
            "al": {"strategies": ["random"], "k0": [4], "cycles": 2},
        },
    }


JUNK = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**20), 10**20),
        st.floats(allow_nan=True, allow_infinity=True),
        st.sampled_from(["", "batch", "registry", "all", "random", "toy3", "../x", "fzbase"]),
        st.text(max_size=8),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)


def _paths(node, prefix=()):
    """Every position in the grid: keys of mappings and indices of lists, at every depth."""
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, (*prefix, i))


def _set(node, path, value, delete=False):
    *parents, last = path
    for p in parents:
        node = node[p]
    if delete and isinstance(node, dict):
        del node[last]
    elif delete:
        node.pop(last)
    else:
        node[last] = value


@st.composite
def grid_texts(draw, base_csv):
    grid = _base_grid(base_csv)
    for _ in range(draw(st.integers(0, 3))):
        paths = [p for p in _paths(grid) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        action = draw(st.sampled_from(["replace", "delete", "add_key"]))
        if action == "add_key":
            target = grid
            for p in path[:-1]:
                target = target[p]
            if isinstance(target, dict):
                target[draw(st.sampled_from(["lable_col", "cycle", "replace", "x", "seed"]))] = (
                    draw(JUNK)
                )
            continue
        _set(grid, path, draw(JUNK), delete=action == "delete")
    text = yaml.safe_dump(grid, allow_unicode=True)
    extra = draw(st.sampled_from(["", "", "", "dup", "cut", "bomb", "tab"]))
    if extra == "dup":
        text += "cycles: 5\n"
    elif extra == "cut":
        text = text[: draw(st.integers(0, len(text)))]
    elif extra == "bomb":
        text += "x: &a [0,0,0,0,0,0,0,0]\n" + "".join(
            f"x{i}: &a{i} [{','.join(['*a' if i == 0 else f'*a{i - 1}'] * 8)}]\n" for i in range(8)
        )
    elif extra == "tab":
        text = "\t" + text
    return text


def test_fuzz_grid_dry_run(home, tmp_path, record_property):
    base_csv = tmp_path / "base.csv"
    base_csv.write_text("text,label\n" + "".join(f"t{i},{'ab'[i % 2]}\n" for i in range(40)))
    rc, _, err = _run_cli(
        "data", "add", "fzbase", base_csv, "--text-col", "text", "--label-col", "label"
    )
    assert rc == 0, err
    record = home / "user_datasets" / "fzbase.json"
    store = tmp_path / "store"
    tried = []

    @_fuzz(GRID_EXAMPLES)
    @given(text=grid_texts(base_csv))
    def check(text):
        path = tmp_path / "fuzz.yaml"
        path.write_text(text, encoding="utf-8")
        before = record.read_bytes()
        rc, out, err = _run_cli(
            "run", "--config", path, "--dry-run", "--embeddings", LOADER, "--store", store
        )
        tried.append(rc)
        _check_outcome(rc, err)
        if record.read_bytes() != before:  # the registered dataset changes only when said
            assert "overwriting" in err
        if rc == 0:
            assert "to do" in out

    check()
    ok = sum(rc == 0 for rc in tried)
    note = (
        f"fuzz grid dry-run: {len(tried)} YAML examples tried, {ok} valid, "
        f"{len(tried) - ok} refused"
    )
    print(note)
    record_property("fuzz_grid_dry_run", note)
    assert len(tried) >= GRID_EXAMPLES and 0 < ok < len(tried)
