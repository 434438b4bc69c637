"""Frozen text encoders: the loaders and the pooling.

:func:`get_encoder` builds an :class:`Encoder` from a registry name
(:data:`alcore.embedding.registry.ENCODERS`), a local transformers model folder or a Hugging
Face Hub id; the weights load on the first :meth:`Encoder.encode`.

Text pairs (a list of ``(a, b)`` tuples) go through the tokenizer's pair encoding for
transformers models; static encoders (GloVe, WordLlama, model2vec) see ``"a [SEP] b"``.
"""

from __future__ import annotations

import hashlib
import json
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from alcore.core.errors import OfflineError, UnknownNameError
from alcore.embedding.registry import ENCODERS, POOLINGS, EncoderSpec, list_encoders
from alcore.embedding.weights import extract_weights

__all__ = ["ENCODERS", "POOLINGS", "Encoder", "EncoderSpec", "get_encoder", "list_encoders"]

PAIR_SEP = " [SEP] "


def _join_pairs(texts) -> list[str]:
    return [t if isinstance(t, str) else f"{t[0]}{PAIR_SEP}{t[1]}" for t in texts]


def _is_pairs(texts) -> bool:
    return len(texts) > 0 and not isinstance(texts[0], str)


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
        folder = extract_weights(self.spec)
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

        return StaticModel.from_pretrained(str(extract_weights(self.spec)))

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
            source, kw = str(extract_weights(self.spec)), {"local_files_only": True}
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
