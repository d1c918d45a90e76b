"""Expand the PATH arguments of ``code`` and ``ingest`` into the files to read."""

from __future__ import annotations

import glob
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import PracticeThemesError
from pipeline.ingest import READABLE_SUFFIXES, doc_id_for

LIST_SUFFIXES = (".txt", ".lst", ".list")


class InputError(PracticeThemesError):
    """A PATH argument names nothing that can be coded."""


@dataclass(frozen=True)
class InputFile:
    """One file to code and the id its rows will carry."""

    path: Path
    doc_id: str


def _is_glob(text: str) -> bool:
    return any(ch in text for ch in "*?[")


def _from_list(list_file: Path) -> list[Path]:
    """Paths in a text file, one a line; relative ones are relative to the list file."""
    paths = []
    for line in list_file.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            path = Path(line).expanduser()
            paths.append(path if path.is_absolute() else list_file.parent / path)
    return paths


def _expand_one(arg: str | Path, *, _from_list_file: bool = False) -> list[Path]:
    text = str(arg)
    path = Path(text).expanduser()
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in READABLE_SUFFIXES)
    if path.is_file():
        if path.suffix.lower() in LIST_SUFFIXES and not _from_list_file:
            return [f for entry in _from_list(path) for f in _expand_one(entry, _from_list_file=True)]
        # Any other file is passed on: an unsupported type becomes an error row, not a crash.
        return [path]
    if _is_glob(text):
        matches = sorted(Path(m) for m in glob.glob(str(path), recursive=True))
        files = [m for m in matches if m.is_file() and m.suffix.lower() in READABLE_SUFFIXES]
        files += [f for m in matches if m.is_dir() for f in _expand_one(m)]
        if not files:
            raise InputError(f"{text}: the pattern matches no .pdf, .docx or .zip files")
        return files
    raise InputError(f"{text}: no such file or folder")


def expand_inputs(args: list[str | Path]) -> list[InputFile]:
    """Files, folders (recursive), globs and list files to a de-duplicated list of inputs.

    Order follows the arguments, folders sorted within. The doc_id is the file
    stem; when two different files share a stem, the later ones get a
    ``~2``, ``~3`` suffix so that no two rows share an id.
    """
    seen: set[Path] = set()
    inputs: list[InputFile] = []
    used: dict[str, int] = {}
    for arg in args:
        for path in _expand_one(arg):
            resolved = path.resolve()
            if resolved in seen:
                continue
            seen.add(resolved)
            stem = doc_id_for(path)
            used[stem] = used.get(stem, 0) + 1
            doc_id = stem if used[stem] == 1 else f"{stem}~{used[stem]}"
            inputs.append(InputFile(path=path, doc_id=doc_id))
    if not inputs:
        raise InputError("no .pdf or .docx files found in: " + ", ".join(map(str, args)))
    return inputs
