"""Which book this is: the profile a build ran, its size in the store, and what its verdicts
can say. One home for the front page's sizes and the banner on every page of a small build."""

from __future__ import annotations

import html

from alcore.runs.profiles import load_profile
from alcore.science.analysis import al_part, ips_part
from alcore.science.findings.data import MIN_DATASETS

__all__ = ["FULL_DESIGNS", "banner_html", "banner_markdown", "design_coverage", "store_size"]

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


def design_coverage(results, profile):
    """How much of a full design's grid a store holds, per dataset.

    Returns ``{dataset: (runs held, runs of the design, encoders without a run)}`` in the
    design's order, counting only the runs the design asks for (by key); the third item
    names, in the design's order, the dataset's encoders of which the store holds none of
    the design's runs. None for a profile that is not one of :data:`FULL_DESIGNS`.
    """
    if profile not in FULL_DESIGNS:
        return None
    held = set(results["run_key"].unique()) if len(results) else set()
    counts, encoders = {}, {}
    for c in load_profile(profile).configs(check_names=False):
        have, want = counts.get(c.dataset, (0, 0))
        counts[c.dataset] = (have + (c.key() in held), want + 1)
        enc = encoders.setdefault(c.dataset, {})
        enc[c.encoder] = enc.get(c.encoder, False) or c.key() in held
    return {
        d: (h, w, tuple(e for e, any_held in encoders[d].items() if not any_held))
        for d, (h, w) in counts.items()
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
        f"{size['al_runs']:,} active-learning and {size['ips_runs']:,} IPS-study runs"
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


def _partial(profile, size, coverage):
    """The banner of a full design's store that does not hold all of it yet, or None."""
    have = sum(c[0] for c in coverage.values())
    want = sum(c[1] for c in coverage.values())
    if have >= want:
        return None
    done = [d for d, (h, w, *_) in coverage.items() if h == w]
    part = [
        f"{d} ({h:,} of {w:,}"
        + (f"; no {', '.join(rest[0])} run yet" if rest and rest[0] else "")
        + ")"
        for d, (h, w, *rest) in coverage.items()
        if 0 < h < w
    ]
    none = [d for d, (h, *_) in coverage.items() if h == 0]
    title = f"Part of the `{profile}` design: {have:,} of its {want:,} runs so far"
    body = (
        f"Its store holds {size_sentence(size)}. Complete: {', '.join(done) or 'no dataset'}"
        + (f"; in part: {', '.join(part)}" if part else "")
        + (f"; not yet run: {', '.join(none)}" if none else "")
        + f". The grid resumes where it stopped (`alcore run --profile {profile}`; "
        "`--cached-only` runs the pairs already embedded); the verdicts rest on the "
        f"{_plural(size['cells'], 'cell')} held so far."
    )
    return title, body


def banner_text(profile, size):
    """Title and body of the banner of a build of ``profile``, or None for a full design
    whose store holds all of it (``size["design"]``: :func:`design_coverage`)."""
    if profile in FULL_DESIGNS:
        coverage = size.get("design")
        return _partial(profile, size, coverage) if coverage else None
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
