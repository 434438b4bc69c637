"""``alcore verify``: recompute a seeded sample of a store's runs and compare every number.

The checks are :func:`alcore.runs.grid_verify.verify`'s (integrity of every run file, then a
sample recomputed here); this module judges them, prints what was covered and every
difference, and writes the result as JSON (``<store>/verify.json`` by default, which the
Reproducibility chapter shows). The exit code is 1 on any difference, 0 otherwise.

The judgement
    - a run file whose numbers no longer match the digest written with them: **altered**
      (whatever the kernel);
    - a recomputed run on the kernel it recorded (or with none recorded) that differs in any
      bit: **differs**: a stored number was changed, or the run is not deterministic;
    - on another kernel (a difference in a library version, BLAS kernel, CPU flags or thread
      count, reported as such) the runs are judged per strategy by the equivalence rule:
      AULC recomputed minus stored within ``+-MARGIN``, by a paired two one-sided t-test
      (TOST) at 5% when a strategy has at least :data:`MIN_TOST_RUNS` runs in the sample,
      else each run's difference within the margin. IPS-only runs compare their single
      accuracy the same way.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from statsmodels.stats.weightstats import ttost_paired

from alcore.core.paths import atomic_write_json
from alcore.runs.grid_verify import verify
from alcore.runs.store import default_store_path
from alcore.science.analysis import aulc

__all__ = ["MARGIN", "MIN_TOST_RUNS", "judge", "register"]

#: equivalence margin of a run's AULC (mean accuracy over the labelled range)
MARGIN = 0.003
#: runs of a strategy in the sample from which the equivalence is tested by TOST
MIN_TOST_RUNS = 10
ALPHA = 0.05


def register(sub) -> None:
    """Add ``verify`` to the sub-parsers ``sub``."""
    p = sub.add_parser(
        "verify",
        help="recompute a random sample of stored runs and compare every number",
        description="Check that every run file still holds the numbers its run wrote, then "
        "recompute a seeded random sample of the runs whose inputs are at hand and compare "
        "them: bit for bit where the run's recorded kernel (library versions, BLAS kernel, "
        "CPU flags, threads) is this machine's, else by the equivalence rule (AULC within "
        f"+-{MARGIN} per strategy). Exit code 1 on any difference.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--profile", help="the store results/<PROFILE>")
    src.add_argument("--config", type=Path, help="a grid YAML: the store results/<stem>")
    src.add_argument("--store", type=Path, help="a results directory")
    p.add_argument("--sample", type=int, default=3, help="runs to recompute")
    p.add_argument("--max-minutes", type=float, default=2.0, help="time for recomputing")
    p.add_argument("--seed", type=int, default=0, help="seeds the draw of the sample")
    p.add_argument(
        "--embeddings",
        default=None,
        metavar="MODULE:FUNCTION",
        help="the load_embeddings(dataset, encoder) the runs were made with "
        "(default: the embedding cache)",
    )
    p.add_argument("--output", type=Path, help="the JSON result (default <store>/verify.json)")
    p.add_argument("--quiet", action="store_true", help="print the summary only")
    p.set_defaults(func=_verify)


def _check_args(args):
    if args.sample < 1:
        raise ValueError(f"--sample must be at least 1, got {args.sample}")
    if not args.max_minutes > 0:
        raise ValueError(f"--max-minutes must be positive, got {args.max_minutes}")
    if args.seed < 0:
        raise ValueError(f"--seed must be >= 0, got {args.seed}")


def _score(curve: dict, cycles: int, run: dict) -> float:
    """AULC of a curve ({n_labelled, accuracy}); its accuracy for an IPS-only run."""
    df = pd.DataFrame(curve)
    if cycles == 0:
        return float(df["accuracy"].iloc[0])
    config = {k: run.get(k, 0) for k in ("dataset", "encoder", "ips", "strategy", "seed")}
    df = df.assign(run_key="r", study="main", k0=0, budget=0, cycles=cycles, **config)
    df["cycle"] = range(len(df))
    return float(aulc(df)["aulc"].iloc[0])


def judge(runs: list[dict], margin=MARGIN, min_tost=MIN_TOST_RUNS, alpha=ALPHA) -> list[dict]:
    """The equivalence rule over the runs recomputed on another kernel, per strategy.

    Returns one dict per strategy (``group``: the query strategy, or ``ips-only <ips>``):
    ``runs, mean_diff, max_abs_diff, test`` (``TOST`` or ``per run``), ``p`` (TOST's, the
    larger of its two one-sided p values) and ``equivalent`` (bool).
    """
    rows = []
    for run in runs:
        if run["mode"] != "equivalence" or run["outcome"] == "error":
            continue
        group = run["strategy"] if run["cycles"] else f"ips-only {run['ips']}"
        if run["outcome"] == "identical":
            a = b = 0.0
        else:
            a = _score(run["stored"], run["cycles"], run)
            b = _score(run["recomputed"], run["cycles"], run)
        rows.append({"group": group, "stored": a, "recomputed": b, "diff": b - a})
    out = []
    for group, g in pd.DataFrame(rows, columns=["group", "stored", "recomputed", "diff"]).groupby(
        "group"
    ):
        d = g["diff"].to_numpy()
        rec = {
            "group": group,
            "runs": len(d),
            "mean_diff": float(d.mean()),
            "max_abs_diff": float(np.abs(d).max()),
        }
        if len(d) >= min_tost and np.ptp(d) > 0:
            p = float(ttost_paired(g["recomputed"], g["stored"], -margin, margin)[0])
            rec.update(test="TOST", p=p, equivalent=p < alpha)
        else:
            rec.update(test="per run", p=None, equivalent=bool(np.abs(d).max() <= margin))
        out.append(rec)
    return out


def _verdict(report: dict) -> list[str]:
    """The problems that make verify fail (empty: it passes)."""
    unsealed = "its numbers, config or identity no longer match the digest written with them"
    bad = [
        f"{p['run_key']}: {p['status']}: {p['detail'] or unsealed}"
        for p in report["integrity"]["problems"]
    ]
    for r in report["runs"]:
        if r["outcome"] == "differs":
            bad.append(
                f"{r['run_key']}: differs on the kernel it recorded (a stored number was "
                f"changed, or the run is not deterministic): {r['differences'][0]}"
            )
        elif r["outcome"] == "error":
            bad.append(f"{r['run_key']}: could not be recomputed: {r['differences'][0]}")
    bad += [
        f"strategy {e['group']}: not equivalent within +-{MARGIN} ({e['test']}, "
        f"{e['runs']} runs, mean AULC difference {e['mean_diff']:+.4f})"
        for e in report["equivalence"]
        if not e["equivalent"]
    ]
    return bad


def _print(report: dict, quiet: bool) -> None:
    counts = report["integrity"]["counts"]
    print(
        f"{report['store']}: {report['runs_in_store']} runs; integrity: "
        + ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
    )
    runs = report["runs"]
    modes = pd.Series([r["mode"] for r in runs], dtype=object).value_counts().to_dict()
    print(
        f"recomputed {len(runs)} of {report['rebuildable']} rebuildable runs (sample "
        f"{report['sample']}, seed {report['seed']}, limit {report['max_minutes']} min): "
        + (", ".join(f"{n} {m}" for m, n in modes.items()) or "none")
    )
    for why, n in sorted(report["not_covered"].items()):
        print(f"  not covered: {n} run(s): {why}")
    if report["passed_over_for_time"]:
        print(
            f"  passed over: {report['passed_over_for_time']} run(s) whose recorded time did "
            "not fit in what was left of the limit"
        )
    if not quiet:
        for r in runs:
            print(
                f"  {r['run_key']} {r['dataset']} x {r['encoder']} {r['ips']}/{r['strategy']} "
                f"seed {r['seed']}: {r['outcome']} ({r['mode']})"
            )
            for d in r["differences"]:
                print(f"      {d}")
    kdiffs = sorted({k for r in runs for k in r["kernel_differences"]})
    for k in kdiffs:
        print(f"  kernel differs from the recorded one (not a changed number): {k}")
    for e in report["equivalence"]:
        p = "" if e["p"] is None else f", p = {e['p']:.3g}"
        print(
            f"  equivalence {e['group']}: {e['runs']} runs, mean AULC difference "
            f"{e['mean_diff']:+.5f}, max |diff| {e['max_abs_diff']:.5f} ({e['test']}{p}): "
            f"{'equivalent' if e['equivalent'] else 'NOT equivalent'}"
        )
    print(report["verdict"])


def _verify(args) -> int:
    _check_args(args)
    name = args.profile or (args.config.stem if args.config else None)
    store = args.store or default_store_path(name)
    report = verify(
        store,
        sample=args.sample,
        max_minutes=args.max_minutes,
        seed=args.seed,
        load_embeddings=args.embeddings,
        progress=None if args.quiet else lambda line: print(line, file=sys.stderr),
    )
    report["equivalence"] = judge(report["runs"])
    problems = _verdict(report)
    report["problems"] = problems
    report["passed"] = not problems
    report["verdict"] = (
        f"verify: FAILED, {len(problems)} difference(s):\n  " + "\n  ".join(problems)
        if problems
        else f"verify: passed ({len(report['runs'])} runs recomputed, no difference)"
    )
    _print(report, args.quiet)
    output = args.output or Path(store) / "verify.json"
    atomic_write_json(output, json.loads(json.dumps(report, default=str)))
    print(f"-> {output}")
    return 1 if problems else 0
