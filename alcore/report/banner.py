"""Which book this is: the profile a build ran, its size in the store, and what its verdicts
can say. One home for the front page's sizes and the banner on every page of a small build."""

from __future__ import annotations

import html

from alcore.science.analysis import al_part, ips_part
from alcore.science.findings.data import MIN_DATASETS

__all__ = ["FULL_DESIGNS", "banner_html", "banner_markdown", "store_size"]

#: the profiles that run the book's whole design (``make book``) or more
FULL_DESIGNS = ("default", "paper")


def store_size(results):
    """What a results table holds: counts and names of datasets, encoders, seeds, cells, runs.

    Parameters
    ----------
    results : DataFrame
        The store's tidy table (:func:`alcore.runs.store.load_results`).

    Returns
    -------
    dict
        ``datasets, encoders, seeds, ips, strategies`` (sorted names), ``cells`` (number of
        (dataset, encoder) pairs with active-learning runs), ``al_runs``, ``ips_runs``.
    """
    al = al_part(results)
    names = {
        k: sorted(map(str, results[k].dropna().unique())) if len(results) else []
        for k in ("dataset", "encoder", "seed", "ips", "strategy")
    }
    return {
        "datasets": names["dataset"],
        "encoders": names["encoder"],
        "seeds": names["seed"],
        "ips": names["ips"],
        "strategies": [s for s in names["strategy"] if s != "none"],
        "cells": int(al[["dataset", "encoder"]].drop_duplicates().shape[0]) if len(al) else 0,
        "al_runs": int(al["run_key"].nunique()) if len(al) else 0,
        "ips_runs": int(ips_part(results)["run_key"].nunique()) if len(results) else 0,
    }


def _plural(n, word):
    return f"{n} {word}{'' if n == 1 else 's'}"


def size_sentence(size):
    """One sentence: what the store holds."""
    return (
        f"{_plural(len(size['datasets']), 'dataset')} ({', '.join(size['datasets']) or 'none'}), "
        f"{_plural(len(size['encoders']), 'encoder')} ({', '.join(size['encoders']) or 'none'}) "
        f"and {_plural(len(size['seeds']), 'seed')}: "
        f"{_plural(size['cells'], '(dataset, encoder) cell')}, "
        f"{size['al_runs']} active-learning and {size['ips_runs']} IPS-study runs"
    )


def verdict_sentence(size):
    """What the verdicts of a build of this size can and cannot say."""
    cells, seeds = size["cells"], len(size["seeds"])
    n_datasets = len(size["datasets"])
    if n_datasets < MIN_DATASETS:
        return (
            f'With {_plural(n_datasets, "dataset")}, the claims tested over datasets are "not '
            f'testable here" (they need at least {MIN_DATASETS} datasets): the verdicts check '
            "that the pipeline runs, not what the paper claims."
        )
    return (
        f"Its verdicts rest on {_plural(cells, 'cell')} and {_plural(seeds, 'seed')}: a "
        '"holds" is evidence about these cells only, an "inconclusive" mostly says the '
        "data are too few to tell, and none of them speaks for the paper's "
        "design, which the full book (`make book`) runs."
    )


def banner_text(profile, size):
    """Title and body of the banner of a build of ``profile``, or None for a full design."""
    if profile in FULL_DESIGNS:
        return None
    title = f"Built from the `{profile}` profile, not the book's full design"
    body = f"Its store holds {size_sentence(size)}. {verdict_sentence(size)}"
    return title, body


def banner_markdown(profile, size):
    """The banner as a MyST admonition (for the book's Markdown pages), or ``""``."""
    text = banner_text(profile, size)
    if text is None:
        return ""
    title, body = text
    return f":::{{admonition}} {title}\n:class: warning\n\n{body}\n:::\n"


def banner_html(profile, size):
    """The banner as an HTML admonition (for a notebook's output), or ``""``."""
    text = banner_text(profile, size)
    if text is None:
        return ""
    title, body = text

    def code(s):
        parts = html.escape(s).split("`")
        return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))

    return (
        f'<div class="admonition warning alcore-banner"><p class="admonition-title">'
        f"{code(title)}</p><p>{code(body)}</p></div>"
    )
