"""What the ``alcore bench`` commands share: where their tables go, and how they print them."""

from __future__ import annotations

import pandas as pd

DATA_DIR = "book/data"


def csv_list(text):
    """``"a, b"`` -> ``["a", "b"]``; None or empty -> None."""
    return [t.strip() for t in text.split(",") if t.strip()] if text else None


def print_table(df):
    """Print a benchmark table whole."""
    with pd.option_context(
        "display.width", 200, "display.max_columns", 20, "display.max_rows", 500
    ):
        print(df.to_string(index=False))


def write(df, out, replace_setting=False, key=("setting", "strategy", "impl")):
    """Update the CSV ``out`` with ``df`` (:func:`alcore.bench.write_table`); '' skips."""
    from alcore.bench import write_table

    if out:
        write_table(df, out, replace_setting=replace_setting, key=key)
        print(f"wrote {out}")
