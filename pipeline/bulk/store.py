"""Resumable result store: one JSON file per document, written atomically.

Why files and not SQLite: the parent process is the only writer, each entry
is written once and read once, and a file per key needs no schema or
migration, survives ``kill -9`` at any instant (temp file + ``os.replace``
is atomic on POSIX), and stays valid on the network filesystems a Dask
cluster shares, where SQLite's locking is unreliable. 2,000 reviews make
2,000 small files, spread over 256 sub-folders.

The key is sha256(content sha256 + classifier fingerprint + store format +
package version + pipeline sources): renaming or moving a file reuses its
result, while a changed codebook, model or threshold changes the
fingerprint, so only what changed is recomputed. The package version and a
hash of the ``pipeline`` package's source files are in the key because a new
release, or an edited checkout, may clean, segment or score text
differently (a new negation rule, say) with the same settings; a result
computed by other code is never reused.

A stored file is trusted only when it parses, names its own key, store
format and content hash, and its result matches the ``result_sha256``
written beside it. Anything else (truncated, emptied, an extra field, an
edit into other valid JSON) counts as missing and is recomputed: the store
heals itself instead of reporting "no result" forever.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from functools import lru_cache
from pathlib import Path
from typing import Any

from practice_themes import __version__
from practice_themes.fileio import atomic_write
from practice_themes.sources import sources_sha256
from practice_themes.types import DocumentResult, Evidence, Passage, ThemeTag

STORE_DIR = "store"
# Bump when the stored layout or the meaning of a result changes.
# 2: every file carries result_sha256, the hash of its result.
STORE_FORMAT = "2"


@lru_cache(maxsize=1)
def pipeline_sources_sha256() -> str:
    """``sources_sha256`` of every ``.py`` file of the installed ``pipeline`` package (a few ms, once)."""
    return sources_sha256("**/*.py")


def result_key(content_sha256: str, fingerprint: str, *, password: str | None = None) -> str:
    """The store key of one document under one classifier and this code."""
    parts = [STORE_FORMAT, __version__, pipeline_sources_sha256(), content_sha256, fingerprint]
    if password:
        # A PDF that failed without its password must be retried with one.
        parts.append("password")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def result_to_dict(result: DocumentResult) -> dict[str, Any]:
    return asdict(result)


def _result_sha256(result: dict[str, Any]) -> str:
    blob = json.dumps(result, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


def result_from_dict(data: dict[str, Any]) -> DocumentResult:
    tags = [
        ThemeTag(
            theme_id=t["theme_id"], score=t["score"], present=t["present"], band=t.get("band", "absent"),
            evidence=[Evidence(Passage(**e["passage"]), e["score"]) for e in t.get("evidence", [])],
        )
        for t in data.get("tags", [])
    ]
    fields = {k: v for k, v in data.items() if k != "tags"}
    return DocumentResult(**fields, tags=tags)


class ResultStore:
    """Per-document results under ``OUTDIR/store/``, keyed by ``result_key``."""

    def __init__(self, outdir: str | Path) -> None:
        self.root = Path(outdir) / STORE_DIR
        self.root.mkdir(parents=True, exist_ok=True)

    def path_for(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def __contains__(self, key: str) -> bool:
        return self.get(key) is not None

    def get(self, key: str, *, content_sha256: str | None = None) -> DocumentResult | None:
        """The stored result, or None when absent or invalid (then it is recomputed).

        Invalid: not JSON, another key, format or content hash than expected,
        a result whose hash does not match ``result_sha256``, or fields that
        do not make a ``DocumentResult``.
        """
        path = self.path_for(key)
        try:
            with open(path, encoding="utf-8") as handle:
                payload = json.load(handle)
            if not isinstance(payload, dict) or payload.get("key") != key or payload.get("format") != STORE_FORMAT:
                return None
            if content_sha256 is not None and payload.get("content_sha256") != content_sha256:
                return None
            result = payload["result"]
            if not isinstance(result, dict) or payload.get("result_sha256") != _result_sha256(result):
                return None
            return result_from_dict(result)
        except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
            return None

    def exists(self, key: str) -> bool:
        """A file is there for ``key`` (valid or not)."""
        return self.path_for(key).is_file()

    def put(self, key: str, result: DocumentResult, **extra: Any) -> Path:
        """Write one result atomically: readers see the old state or the whole new file."""
        path = self.path_for(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        stored = result_to_dict(result)
        payload = {"key": key, "format": STORE_FORMAT, **extra, "result_sha256": _result_sha256(stored),
                   "result": stored}

        def write(tmp: Path) -> None:
            with open(tmp, "w", encoding="utf-8") as handle:
                json.dump(payload, handle, ensure_ascii=False, separators=(",", ":"))

        atomic_write(path, write, durable=True)
        return path

    def clean_temporaries(self) -> int:
        """Remove temp files a killed run left behind; they never hold a finished result."""
        removed = 0
        # A temp file is ".<name>.<random>.tmp<suffix>" (``atomic_write``); finished
        # results never start with a dot.
        for tmp in self.root.glob("*/.*.tmp*"):
            tmp.unlink(missing_ok=True)
            removed += 1
        return removed
