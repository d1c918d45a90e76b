"""Hashes of the pipeline's own source files, for caches and stores that must not outlive a code change."""

from __future__ import annotations

import hashlib
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parent


def sources_sha256(*patterns: str, root: Path = PACKAGE_ROOT) -> str:
    """sha256 over the relative paths and bytes of the files under ``root`` matching ``patterns``.

    ``sources_sha256("**/*.py")`` covers the whole package;
    ``sources_sha256("ingest/**/*.py", "segment.py")`` only those stages.
    """
    files = sorted({path for pattern in patterns for path in root.glob(pattern) if path.is_file()})
    digest = hashlib.sha256()
    for source in files:
        digest.update(source.relative_to(root).as_posix().encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()
