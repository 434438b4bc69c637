"""``alcore embed`` (fill the embedding cache) and ``alcore encoders`` (the encoder table)."""

from __future__ import annotations

import argparse

EPILOG = """\
examples:
  alcore embed --list
  alcore embed --dataset trec6 --encoder minilm
  alcore embed --dataset trec6 --encoder ./my-bert --pooling cls --max-length 128 --split test
  alcore embed --dataset sms_spam --encoder wordllama --recompute
  alcore embed --profile default        # every pair the default experiment profile uses
  alcore embed --all-offline            # every offline dataset x every offline encoder

Embeddings are cached under $ALCORE_HOME/embeddings/<dataset>/<encoder>/ (default
~/.cache/alcore); a second run prints 'cache hit' and encodes nothing.
"""


def _print_table() -> int:
    from alcore.embedding.embed import list_encoders

    df = list_encoders()[
        ["name", "kind", "dim", "pooling", "mteb", "offline", "hub_id", "mteb_source"]
    ]
    with __import__("pandas").option_context("display.max_colwidth", 60, "display.width", 200):
        print(df.to_string(index=False))
    return 0


def _pairs(args):
    """The (dataset, encoder) pairs of --profile / --all-offline, or the one named."""
    if args.all_offline:
        from alcore.data import DATASETS
        from alcore.embedding.embed import ENCODERS

        return [
            (d, e)
            for d, s in DATASETS.items()
            if s.offline
            for e, t in ENCODERS.items()
            if t.offline
        ]
    if args.profile or getattr(args, "config", None):
        from alcore.runs.experiment import Grid, load_profile

        grid = load_profile(args.profile) if args.profile else Grid.from_yaml(args.config)
        seen = {}
        for cfg in grid.configs():
            seen.setdefault((cfg.dataset, cfg.encoder), None)
        if args.encoder:  # only these encoders of the grid (e.g. the cheap ones, for verify)
            wanted = args.encoder.split(",")
            unknown = sorted(set(wanted) - {e for _, e in seen})
            if unknown:
                raise ValueError(f"--encoder {','.join(unknown)} is not an encoder of the grid")
            return [(d, e) for d, e in seen if e in wanted]
        return list(seen)
    if not args.dataset or not args.encoder:
        raise ValueError(
            "alcore embed needs --dataset and --encoder, --profile NAME or "
            "--all-offline (or --list to see encoders)"
        )
    return [(args.dataset, args.encoder)]


def _run(args) -> int:
    if args.list:
        return _print_table()
    pairs = _pairs(args)
    if len(pairs) > 1:
        print(f"alcore embed: {len(pairs)} dataset x encoder pairs", flush=True)
        for dataset, encoder in pairs:
            args.dataset, args.encoder, args.profile, args.all_offline = (
                dataset,
                encoder,
                None,
                False,
            )
            args.config = None
            _run(args)
        return 0
    args.dataset, args.encoder = pairs[0]
    from alcore.embedding.embed import _as_dataset, _embed_cached, get_encoder

    enc = get_encoder(
        args.encoder,
        pooling=args.pooling,
        max_length=args.max_length,
        device=args.device,
        trust_remote_code=args.trust_remote_code,
    )
    ds = _as_dataset(args.dataset)
    splits = ("train", "test") if args.split == "both" else (args.split,)
    for split in splits:
        X, info = _embed_cached(
            ds, enc, split, args.batch_size, not args.no_progress, args.recompute
        )
        rate = info.get("texts_per_second")
        how = "cache hit" if info["cache_hit"] else f"{info['seconds']:.1f}s, {rate} texts/s"
        print(
            f"{ds.name}/{split}  {enc.name}  {X.shape[0]} x {X.shape[1]}  ({how})  {info['path']}"
        )
    return 0


def register(sub) -> None:
    p = sub.add_parser(
        "embed",
        help="embed a dataset with a frozen encoder (cached)",
        description="Embed the texts of a dataset with a frozen encoder and store the float32 "
        "array in the embedding cache (once per dataset, split, encoder, pooling, "
        "max length and weights).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--list", action="store_true", help="print the encoder table and exit")
    p.add_argument("--dataset", help="dataset name (see 'alcore data --list')")
    p.add_argument(
        "--encoder",
        help="encoder name (see --list), local model folder or Hub id; with --profile or "
        "--config, a comma-separated list keeps only those encoders of the grid",
    )
    p.add_argument(
        "--profile", help="embed every (dataset, encoder) pair of this experiment profile"
    )
    p.add_argument("--config", help="embed every (dataset, encoder) pair of this grid YAML")
    p.add_argument(
        "--all-offline",
        action="store_true",
        help="embed every offline dataset with every offline encoder (mpnet: slow)",
    )
    p.add_argument(
        "--split",
        choices=("train", "test", "both"),
        default="both",
        help="which split to embed (default: both)",
    )
    p.add_argument(
        "--pooling",
        choices=("mean", "cls", "last"),
        help="pooling of token states (transformers models; default: the registry's)",
    )
    p.add_argument("--max-length", type=int, help="truncate texts to this many tokens")
    p.add_argument("--batch-size", type=int, help="texts per batch (does not change the cache key)")
    p.add_argument("--device", help="cuda or cpu (default: cuda when available)")
    p.add_argument(
        "--trust-remote-code",
        action="store_true",
        help="let a Hub model run its own code (off unless the registry asks for it)",
    )
    p.add_argument("--recompute", action="store_true", help="ignore and overwrite the cache")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=_run)

    q = sub.add_parser(
        "encoders",
        help="print the encoder table",
        description="The registered encoders: dimension, pooling, published MTEB "
        "average, whether they run offline, Hub id.",
    )
    q.set_defaults(func=lambda args: _print_table())
