"""Expand the PATH arguments of ``code`` and ``ingest`` into the documents to read.

A PATH is a file (.pdf, .docx, .zip, .txt, .md), a folder (searched
recursively), a glob, a list file, or a table of texts (.csv/.jsonl, one
document per row, with ``TableSpec`` naming its id and text columns).

List files: a ``.lst`` or ``.list`` file always lists paths, one a line
(blank lines and ``#`` comments skipped; relative paths are relative to the
list). A ``.txt`` file is a list only when every such line names an existing
file or folder or ends in a suffix the tool reads (``.pdf``, ``.csv``, ...);
otherwise it is a plain-text report and is coded. So an old list of paths
keeps working, a mistyped path in it is still reported, and a report is
never mistaken for a list.

Folders and globs: a .txt/.md file that shares its name (stem) with a
.pdf/.docx/.zip found in the same walk is taken for a text copy of that
report (``corpus/source/r01.md`` beside ``corpus/reviews/r01.pdf``), and a
README is documentation, not a report; both are skipped.
Tables are read only when named (never picked up from a folder), because
metadata CSVs sit beside the reports.
"""

from __future__ import annotations

import glob
import hashlib
from dataclasses import dataclass
from pathlib import Path

from practice_themes.errors import PracticeThemesError
from practice_themes.ingest import READABLE_SUFFIXES, doc_id_for
from practice_themes.ingest.tabular import TABLE_SUFFIXES, TableError, TableRow, TableSpec, is_table, read_table
from practice_themes.ingest.text import TEXT_SUFFIXES

LIST_SUFFIXES = (".lst", ".list")
MAYBE_LIST_SUFFIXES = (".txt",)
_README = "readme"


class InputError(PracticeThemesError):
    """A PATH argument names nothing that can be coded."""


@dataclass(frozen=True)
class InputFile:
    """One document to code and the id its rows will carry.

    ``text`` is set for a row of a table (``path`` is then the table, ``row``
    its row number) and None for a file, which is read from ``path``.
    """

    path: Path
    doc_id: str
    text: str | None = None
    row: int = 0

    @property
    def is_row(self) -> bool:
        return self.text is not None

    @property
    def label(self) -> str:
        """How messages name this document: the file, or the table and its row."""
        return f"{self.path} row {self.row} ({self.doc_id})" if self.is_row else str(self.path)


def content_sha256(item: InputFile) -> str:
    """sha256 of what is coded: a file's bytes, or a row's text (so editing one row recomputes only it)."""
    if item.is_row:
        return hashlib.sha256(item.text.encode("utf-8")).hexdigest()
    from practice_themes.fileio import file_sha256

    return file_sha256(item.path)


def cleaned_texts(args: list[str | Path], table: TableSpec | None = None) -> dict[str, str]:
    """doc_id -> cleaned text (``Document.text``, which `code`'s passage offsets index) of every input.

    Raises:
        InputError: as ``expand_inputs``.
        IngestError: a document cannot be read (the message names it).
    """
    from practice_themes.process import run_stages

    return {item.doc_id: run_stages(item.path, doc_id=item.doc_id, text=item.text,
                                    until="clean").document.text
            for item in expand_inputs(args, table)}


def _is_glob(text: str) -> bool:
    return any(ch in text for ch in "*?[")


def _list_lines(list_file: Path) -> list[str]:
    lines = list_file.read_text(encoding="utf-8", errors="replace").splitlines()
    return [s for s in (line.strip() for line in lines) if s and not s.startswith("#")]


def _entry_path(line: str, list_file: Path) -> Path:
    path = Path(line).expanduser()
    return path if path.is_absolute() else list_file.parent / path


def is_list_file(path: Path) -> bool:
    """True for a file of paths (see the module docstring for the .txt rule)."""
    suffix = path.suffix.lower()
    if suffix in LIST_SUFFIXES:
        return True
    if suffix not in MAYBE_LIST_SUFFIXES:
        return False
    lines = _list_lines(path)
    readable = (*READABLE_SUFFIXES, *TABLE_SUFFIXES)
    return bool(lines) and all(
        _entry_path(line, path).exists() or Path(line).suffix.lower() in readable for line in lines)


def _walk(paths: list[Path]) -> list[Path]:
    """Readable files of a folder walk or glob, without READMEs and text copies of a PDF/DOCX."""
    files = [p for p in paths if p.is_file() and p.suffix.lower() in READABLE_SUFFIXES]
    rich = {p.stem for p in files if p.suffix.lower() not in TEXT_SUFFIXES}
    return [p for p in files if p.suffix.lower() not in TEXT_SUFFIXES
            or (p.stem.lower() != _README and p.stem not in rich)]


def _table_rows(path: Path, table: TableSpec | None) -> list[TableRow]:
    if table is None:
        raise InputError(f"{path}: a table of texts; say which columns to read with "
                         "--id-column COLUMN --text-columns COLUMN [COLUMN ...]")
    try:
        return read_table(path, table)
    except TableError as exc:
        raise InputError(str(exc)) from None


def _expand_one(arg: str | Path, table: TableSpec | None, *, _from_list_file: bool = False) -> list[Path | TableRow]:
    text = str(arg)
    path = Path(text).expanduser()
    if path.is_dir():
        return _walk(sorted(path.rglob("*")))
    if path.is_file():
        if not _from_list_file and is_list_file(path):
            return [f for line in _list_lines(path)
                    for f in _expand_one(_entry_path(line, path), table, _from_list_file=True)]
        if is_table(path):
            return _table_rows(path, table)
        # Any other file is passed on: an unsupported type becomes an error row, not a crash.
        return [path]
    if _is_glob(text):
        matches = sorted(Path(m) for m in glob.glob(str(path), recursive=True))
        files: list[Path | TableRow] = list(_walk(matches))
        files += [f for m in matches if m.is_dir() for f in _expand_one(m, table)]
        if not files:
            raise InputError(f"{text}: the pattern matches no .pdf, .docx, .zip, .txt or .md files")
        return files
    raise InputError(f"{text}: no such file or folder")


def expand_inputs(args: list[str | Path], table: TableSpec | None = None) -> list[InputFile]:
    """Files, folders (recursive), globs, list files and tables to a de-duplicated list of inputs.

    Order follows the arguments, folders sorted within, table rows in table
    order. The doc_id is the file stem or the row's id; when two inputs share
    one, the later ones get a ``~2``, ``~3`` suffix so that no two rows share an id.

    Raises:
        InputError: a PATH names nothing, a table is given without ``table``
            (or ``table`` without a table), or a table cannot be read.
    """
    seen: set[tuple[Path, str]] = set()
    inputs: list[InputFile] = []
    used: dict[str, int] = {}
    for arg in args:
        for found in _expand_one(arg, table):
            if isinstance(found, TableRow):
                key, stem = (found.source.resolve(), found.doc_id), found.doc_id
            else:
                key, stem = (found.resolve(), ""), doc_id_for(found)
            if key in seen:
                continue
            seen.add(key)
            used[stem] = used.get(stem, 0) + 1
            doc_id = stem if used[stem] == 1 else f"{stem}~{used[stem]}"
            if isinstance(found, TableRow):
                inputs.append(InputFile(path=found.source, doc_id=doc_id, text=found.text, row=found.row))
            else:
                inputs.append(InputFile(path=found, doc_id=doc_id))
    if not inputs:
        raise InputError("no .pdf, .docx, .txt or .md files found in: " + ", ".join(map(str, args)))
    if table is not None and not any(item.is_row for item in inputs):
        raise InputError("--id-column/--text-columns name the columns of a .csv or .jsonl table; none was given")
    return inputs
