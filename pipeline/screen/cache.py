"""Keep the fitted default classifier on disk between ``screen`` runs.

Fitting embeds every exemplar, definition and neutral sentence of the
codebook (about 560 sentences), which is a large part of a cold start.
The fitted object is saved under the user's cache folder, keyed by a hash of
the codebook, the classifier and embedding code, and the precision, so any
change to them refits. ``PRACTICE_THEMES_CACHE=off`` disables the cache;
any other value is the folder to use.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path

import pipeline

CACHE_ENV = "PRACTICE_THEMES_CACHE"
_CODE = ("classify", "embed.py", "codebook.py", "types.py", "bulk/worker.py")


def cache_dir() -> Path | None:
    """The cache folder, or None when caching is off."""
    value = os.environ.get(CACHE_ENV, "")
    if value.lower() in ("off", "0", "none", "false"):
        return None
    if value:
        return Path(value)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "practice-themes"


def cache_key(codebook, precision: str) -> str:
    """Hash of everything a fitted zero-shot classifier depends on."""
    digest = hashlib.sha256()
    digest.update(f"{pipeline.__version__}|{codebook.sha256}|{precision}".encode())
    root = Path(pipeline.__file__).resolve().parent
    files = [p for name in _CODE for p in ((root / name).rglob("*.py") if (root / name).is_dir() else [root / name])]
    # Default thresholds or settings a loader may read next to the codebook.
    models = root.parent / "models"
    files += [p for p in models.glob("*") if p.suffix in (".yaml", ".yml", ".json") and p.stat().st_size < 5_000_000]
    for path in sorted(files):
        if path.is_file():
            digest.update(str(path.relative_to(root.parent)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def load_default_classifier(codebook_path: str | Path | None = None):
    """The default classifier (``model=None``), built once and then read back from the cache."""
    from pipeline.bulk.worker import ClassifierSpec, build_classifier
    from pipeline.codebook import load_codebook
    from pipeline.embed import resolve_precision

    spec = ClassifierSpec(codebook_path=str(codebook_path) if codebook_path else None)
    folder = cache_dir()
    if folder is None:
        return build_classifier(spec)
    codebook = load_codebook(codebook_path)
    path = folder / f"classifier-{cache_key(codebook, resolve_precision())[:32]}.pkl"
    try:
        with path.open("rb") as handle:
            classifier = pickle.load(handle)
        if getattr(getattr(classifier, "codebook", None), "sha256", None) == codebook.sha256:
            return classifier
    except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        pass  # missing or stale: rebuild below
    classifier = build_classifier(spec)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, suffix=".tmp", delete=False) as handle:
            pickle.dump(classifier, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(handle.name, path)
        for old in folder.glob("classifier-*.pkl"):
            if old != path:  # built from older code or another codebook
                old.unlink(missing_ok=True)
    except (OSError, pickle.PickleError, TypeError, AttributeError):
        pass  # a read-only home or an unpicklable classifier still screens, just without the speed-up
    return classifier
