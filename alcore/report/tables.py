"""Tables formatted for reading: no index column, fixed decimals per column, a caption, and
a sentence instead of an empty table."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
from IPython.display import HTML, Markdown, display

__all__ = ["format_table", "table", "table_html"]

NA = "–"  # how a missing value reads


def _flat(df):
    """Index levels as columns, column levels joined, no axis names: a plain table."""
    df = df.copy()
    if isinstance(df.columns, pd.MultiIndex):
        df.columns = [" ".join(str(p) for p in c if str(p)) for c in df.columns]
    has_index = df.index.nlevels > 1 or df.index.name is not None
    if has_index:
        df = df.reset_index()
    df.columns = [str(c) for c in df.columns]
    df.columns.name = None
    return df


def _cell(v, kind, places, sign):
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
        return NA
    if kind == "percent":
        return f"{v:{sign}.{places}%}"
    if kind == "bool":
        return "yes" if v else "no"
    if kind == "int":
        return f"{v:{sign},}"
    if kind == "float":
        return f"{v:{sign},.{places}f}"
    return str(v)


def format_table(df, decimals=3, percent=(), signed=()):
    """``df`` as strings for reading: a plain table (see :func:`table`) whose every cell is
    formatted; rows with no value left are dropped. Returns a DataFrame of str."""
    df = _flat(df)
    values = df.select_dtypes(include="float").columns
    if len(values):  # a row whose measured values are all missing says nothing
        df = df[df[values].notna().any(axis=1)]
    per = decimals if isinstance(decimals, dict) else {}
    out = pd.DataFrame(index=df.index)
    for c in df.columns:
        col = df[c]
        places = per.get(c, 3 if per else decimals)
        if c in percent:
            kind, places = "percent", per.get(c, 0)
        elif pd.api.types.is_bool_dtype(col):
            kind = "bool"
        elif pd.api.types.is_integer_dtype(col):
            kind = "int"
        elif pd.api.types.is_float_dtype(col):
            whole = col.dropna().apply(float.is_integer).all() and c not in per
            kind, places = "float", 0 if whole else places
        else:
            kind = "text"
        sign = "+" if c in signed else ""
        out[c] = [_cell(v, kind, places, sign) for v in col]
    return out


def table_html(df, caption=None, decimals=3, percent=(), signed=()):
    """The HTML of :func:`table` (a ``<div class="alcore-table">`` around a ``<table>``)."""
    body = format_table(df, decimals, percent, signed)
    numeric = set(_flat(df).select_dtypes(include="number").columns)
    kind = {c: "num" if c in numeric else "text" for c in body.columns}
    head = "".join(  # "best_rank" reads "best rank", and may wrap
        f'<th class="{kind[c]}">{html.escape(c.replace("_", " "))}</th>' for c in body.columns
    )
    rows = "".join(
        "<tr>"
        + "".join(f'<td class="{kind[c]}">{html.escape(v)}</td>' for c, v in zip(body.columns, r))
        + "</tr>"
        for r in body.itertuples(index=False)
    )
    cap = f'<p class="alcore-caption">{html.escape(caption)}</p>' if caption else ""
    return (
        f'{cap}<div class="alcore-table"><table class="table dataframe"><thead><tr>{head}</tr>'
        f"</thead>"
        f"<tbody>{rows}</tbody></table></div>"
    )


def table(df, caption=None, decimals=3, percent=(), signed=(), empty=None):
    """Display ``df`` as a table for reading, or a sentence where it holds no value.

    Parameters
    ----------
    df : DataFrame
        Named index levels become columns (a pivot's rows keep their labels); column levels
        are joined with a space. Rows whose every value is missing are dropped.
    caption : str, optional
        Shown above the table.
    decimals : int or dict
        Decimal places of float columns (a dict: per column, others 3). Float columns that
        hold whole numbers only are shown without decimals; integers get thousands separators.
    percent, signed : sequences of column names
        Columns shown as percentages; columns shown with an explicit sign.
    empty : str, optional
        The sentence shown instead of a table with no values (default: says so, with the
        caption).
    """
    body = format_table(df, decimals, percent, signed) if df is not None and len(df) else None
    if body is None or body.empty or (body == NA).all().all():
        what = f" for “{caption.rstrip('.')}”" if caption else ""
        display(Markdown(empty or f"*No values to show{what} in this build.*"))
        return
    display(HTML(table_html(df, caption, decimals, percent, signed)))
