"""Your own data: a labelled CSV/TSV or Parquet file as a :class:`TextDataset`.

What a file is allowed to be, checked before any work, each error naming the file:

* UTF-8 text (the line of the first bad byte is named) or Parquet;
* one text (and label) per row: list- or dict-valued columns are refused;
* ``.csv`` separated by commas, ``.tsv`` by tabs (a TSV saved as ``.csv`` is named as such).

Hygiene applied to every file:

* **Labels are strings, stripped**: ``"1"``, ``"01"`` and ``"1.0"`` are three classes (no type
  inference merges them) and ``"a "`` is ``"a"``. Rows with an empty label are dropped with a
  counting warning. Classes are sorted, integers by value (``"2"`` before ``"10"``).
* **No test text also in train**: exact duplicates of a training text (and text pair) are
  dropped from the test split by default, with a count in the warning.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from alcore.data.clean import _drop_empty, _finalize, _stratified_test_mask
from alcore.data.dataset import TextDataset

_COMPRESSED = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}


def _raw_bytes(path: Path) -> bytes:
    """The (decompressed) bytes of a text file."""
    suffix = path.suffix.lower()
    if suffix in _COMPRESSED:
        with _COMPRESSED[suffix](path, "rb") as fh:
            return fh.read()
    if suffix == ".zip":
        with zipfile.ZipFile(path) as zf:
            names = [n for n in zf.namelist() if not n.endswith("/")]
            if len(names) != 1:
                raise ValueError(f"{path}: a .zip must hold exactly one file, found {names}")
            return zf.read(names[0])
    return path.read_bytes()


def _decode(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ValueError(
            f"{path}: line {line} is not UTF-8 (byte {data[exc.start : exc.start + 1]!r} at "
            f"offset {exc.start}). Save the file as UTF-8 (e.g. from a spreadsheet: 'CSV UTF-8'; "
            "or iconv -f latin1 -t utf-8)."
        ) from None


def read_table(path) -> pd.DataFrame:
    """Read a ``.csv``/``.tsv`` (optionally ``.gz``/``.bz2``/``.xz``/``.zip``) or Parquet file.

    Text files are read as UTF-8 with every column as strings (no type inference); empty
    cells are missing. Errors name the file (and line where the reader knows it).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    suffixes = [x.lower() for x in path.suffixes]
    if suffixes[-1:] in ([".parquet"], [".pq"]):
        try:
            return pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises several types for a corrupt file
            raise ValueError(
                f"{path}: cannot be read as Parquet ({type(exc).__name__}: {exc})"
            ) from exc
    if ".tsv" in suffixes[-2:]:
        sep = "\t"
    elif ".csv" in suffixes[-2:]:
        sep = ","
    else:
        raise ValueError(f"{path.name}: unsupported file type; use .csv, .tsv or .parquet")
    text = _decode(path, _raw_bytes(path))
    _check_separator(path, text, sep)
    try:
        df = pd.read_csv(
            io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, na_values=[""]
        )
    except pd.errors.ParserError as exc:  # "Expected 3 fields in line 7, saw 4"
        raise ValueError(
            f"{path}: not a well-formed {'TSV' if sep == chr(9) else 'CSV'} file: {exc}"
        ) from None
    except pd.errors.EmptyDataError:
        raise ValueError(f"{path}: the file is empty") from None
    return df


def _check_separator(path: Path, text: str, sep: str) -> None:
    """Refuse a file whose header is separated by the other separator, naming the fix."""
    header = text.split("\n", 1)[0]
    tabs, commas = header.count("\t"), header.count(",")
    if sep == "," and tabs > commas:
        raise ValueError(
            f"{path}: its header {header[:80]!r} is separated by tabs: the file looks "
            f"tab-separated but is named {path.suffix}. Rename it to .tsv."
        )
    if sep == "\t" and not tabs and commas:
        raise ValueError(
            f"{path}: its header {header[:80]!r} is separated by commas: the file looks "
            f"comma-separated but is named {path.suffix}. Rename it to .csv."
        )


def _check_scalar_column(path: Path, df: pd.DataFrame, col: str) -> None:
    """Refuse list/array/dict cells: one text and one label per row."""
    s = df[col]
    if s.dtype != object:
        return
    bad = s.map(lambda v: isinstance(v, (list, tuple, dict, set, np.ndarray)))
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise ValueError(
            f"{path}: column {col!r} holds lists or dicts (row {row}: "
            f"{s.iloc[row]!r}); each row needs a single value. Explode or join "
            "the column first."
        )


def _as_str(s: pd.Series) -> pd.Series:
    """Values as strings, missing stays missing; ints print without '.0'."""
    if pd.api.types.is_float_dtype(s) and s.dropna().mod(1).eq(0).all():
        s = s.astype("Int64")
    return s.astype("string").astype(object).where(s.notna(), None)


def read_frame(path, cols: dict, split: str) -> pd.DataFrame:
    """``path``'s columns ``cols`` (file name -> text/text_pair/label) as strings, checked."""
    path = Path(path)
    raw = read_table(path)
    missing = [c for c in cols if c not in raw.columns]
    if missing:
        raise ValueError(
            f"{path}: column(s) {missing} not found; columns found: {list(raw.columns)}"
        )
    for c in cols:
        _check_scalar_column(path, raw, c)
    df = raw[list(cols)].rename(columns=cols)
    for c in df.columns:
        df[c] = _as_str(df[c])
    label = df["label"].str.strip()
    df["label"] = label.where(label.notna() & (label != ""), None)
    df["split"] = split
    return df


def _class_order(labels: pd.Series) -> list:
    """Distinct labels, sorted: canonical integers ("2" < "10") first by value, then the rest
    as text, so "1", "01" and "1.0" stay three classes."""

    def key(v: str):
        canonical = v.lstrip("-").isdigit() and str(int(v)) == v
        return (0, int(v), "") if canonical else (1, 0, v)

    return sorted(labels.unique().tolist(), key=key)


def _drop_test_duplicates(train: pd.DataFrame, test: pd.DataFrame, name: str) -> pd.DataFrame:
    """Test rows whose text (and pair) is also a training text, dropped with a count."""
    keys = [c for c in ("text", "text_pair") if c in train.columns]
    seen = set(map(tuple, train[keys].to_numpy().tolist()))
    dup = np.fromiter(
        (tuple(r) in seen for r in test[keys].to_numpy().tolist()), bool, count=len(test)
    )
    if dup.any():
        warnings.warn(
            f"dataset {name!r}: dropped {int(dup.sum())} of {len(test)} test rows "
            "whose text is also in the training split (exact duplicates)",
            UserWarning,
            stacklevel=3,
        )
        test = test[~dup].reset_index(drop=True)
        if len(test) == 0:
            raise ValueError(f"dataset {name!r}: every test text is also a training text")
    return test


def _drop_single_row_classes(df: pd.DataFrame, name: str) -> pd.DataFrame:
    """Classes with one row cannot be in both splits: dropped, counted in one warning."""
    counts = df["label"].value_counts()
    single = sorted(counts.index[counts < 2].tolist())
    if not single:
        return df
    shown = ", ".join(repr(c) for c in single[:5]) + (" ..." if len(single) > 5 else "")
    warnings.warn(
        f"dataset {name!r}: dropped {len(single)} class(es) with a single row ({shown}): "
        "a stratified train/test split needs at least 2 rows of each class",
        UserWarning,
        stacklevel=3,
    )
    return df[~df["label"].isin(single)].reset_index(drop=True)


def _check_split_holds_every_class(df: pd.DataFrame, test_size: float, name: str) -> None:
    """Refuse a test share whose split cannot hold a row of every class on each side."""
    n, n_classes = len(df), df["label"].nunique()
    if n_classes == 0:
        raise ValueError(
            f"dataset {name!r} has no class left after cleaning (each had a single row); a "
            "classifier needs at least two. Check the label column."
        )
    if n_classes == 1:
        return  # the single-class error of the cleaning names the class
    n_test = int(np.ceil(test_size * n))
    if min(n_test, n - n_test) < n_classes:
        raise ValueError(
            f"dataset {name!r}: a test share of {test_size} splits its {n} rows into "
            f"{n - n_test} train / {n_test} test rows, too few for one row of each of its "
            f"{n_classes} classes on each side; change the test share (--test-size) or give "
            "a test file (--test-path)"
        )


def _seed(random_state):
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(2**31 - 1))
    return random_state


def load_file(
    path,
    text_col: str,
    label_col: str,
    text_pair_col: str | None = None,
    test_path=None,
    test_size: float = 0.2,
    random_state=0,
    name: str | None = None,
    drop_test_duplicates: bool = True,
) -> TextDataset:
    """Bring your own data: a labelled CSV/TSV or Parquet file as a :class:`TextDataset`.

    Parameters
    ----------
    path : str or Path
        ``.csv``, ``.tsv`` (optionally compressed) or ``.parquet`` file.
    text_col, label_col : str
        Columns holding the text and the label. Labels are read as stripped strings;
        classes are their sorted distinct values.
    text_pair_col : str, optional
        Second text of pair tasks (NLI, stance).
    test_path : str or Path, optional
        A separate test file with the same columns. Without it a stratified split of
        ``test_size`` is drawn with ``random_state``; a class with a single row cannot be
        split and is dropped (one warning counts the classes and rows dropped).
    test_size : float
        Test share when ``test_path`` is not given, in (0, 1).
    random_state : int, numpy Generator/RandomState or None
        Seed of the split.
    name : str, optional
        Dataset name; the file's stem by default.
    drop_test_duplicates : bool
        Drop test rows whose text is also a training text (with a counting warning).

    Raises
    ------
    FileNotFoundError
        If a file does not exist.
    ValueError
        Naming the file: a missing column (the message lists the columns found), one column
        named for two roles, an unsupported type, a non-UTF-8 or malformed file, list-valued
        cells; or all texts empty, a single class left after cleaning, a test share too small
        to hold every class.
    """
    path = Path(path)
    name = name or path.stem
    if not 0 < test_size < 1:
        raise ValueError(f"test_size must be in (0, 1), got {test_size}")
    roles = {"text_col": text_col, "label_col": label_col, "text_pair_col": text_pair_col}
    named = [(k, v) for k, v in roles.items() if v]
    for i, (role, col) in enumerate(named):
        for other, col2 in named[i + 1 :]:
            if col == col2:
                raise ValueError(
                    f"{path}: {role} and {other} are both the column {col!r}; each role needs "
                    f"its own column (e.g. --text-col TEXT --label-col LABEL)"
                )
    cols = {text_col: "text", label_col: "label"}
    if text_pair_col:
        cols[text_pair_col] = "text_pair"
    frames = [read_frame(path, cols, "train")]
    if test_path is not None:
        frames.append(read_frame(Path(test_path), cols, "test"))
    df = pd.concat(frames, ignore_index=True)
    if df["label"].isna().any():
        n = int(df["label"].isna().sum())
        warnings.warn(
            f"dataset {name!r}: dropped {n} rows without a label", UserWarning, stacklevel=2
        )
        df = df[df["label"].notna()].reset_index(drop=True)
    df = _drop_empty(df, name)  # before the classes are counted: a class may vanish here
    if test_path is None:
        df = _drop_single_row_classes(df, name)
        _check_split_holds_every_class(df, test_size, name)
    classes = _class_order(df["label"])
    if test_path is not None:
        train, test, classes = _finalize(name, df, classes, "given")
    else:
        seed = _seed(random_state)
        train, test, classes = _finalize(
            name,
            df,
            classes,
            None,
            test_mask_fn=lambda y: _stratified_test_mask(y, test_size, seed),
        )
    if drop_test_duplicates:
        test = _drop_test_duplicates(train, test, name)
    meta = {
        "source": "file",
        "path": str(path),
        "test_path": str(test_path) if test_path else None,
        "split": "given"
        if test_path
        else {"test_size": test_size, "random_state": repr(random_state)},
        "stands_in_for": None,
        "budget": None,
        "n_classes": len(classes),
    }
    return TextDataset(name=name, train=train, test=test, classes=classes, meta=meta)
