"""Load, validate and hash the theme codebook (``models/codebook.yaml``)."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml

from practice_themes.errors import PracticeThemesError

# The codebook and shipped models are package data (``practice_themes.models``), so an
# installed wheel finds them as a source checkout does. Wheels install unzipped, so the
# resource is a real folder.
MODELS_DIR = Path(str(files("practice_themes.models")))
DEFAULT_CODEBOOK = MODELS_DIR / "codebook.yaml"

THEME_KINDS = ("practice", "context")
REQUIRED_FIELDS = ("id", "label", "kind", "definition", "include", "exclude", "exemplars")
OPTIONAL_FIELDS = ("cues", "anchors", "negative_exemplars", "aliases", "notes", "subject", "pool")
# Whom a theme can be about: "" (anyone in the case) or "child" (only a child under 18).
SUBJECTS = ("", "child")
# How a document's passages add up to the theme: "" (the classifier's top-k pooling, corroboration from
# several places) or "best" (its single best passage: one plain statement shows the theme applies).
POOLS = ("", "best")
_ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")


class CodebookError(PracticeThemesError, ValueError):
    """The codebook file is missing, malformed or inconsistent."""


@dataclass(frozen=True)
class Theme:
    """One theme of the codebook."""

    id: str
    label: str
    kind: str
    definition: str
    include: tuple[str, ...]
    exclude: tuple[str, ...]
    exemplars: tuple[str, ...]
    # Short phrases that name the theme outright: lexical evidence.
    cues: tuple[str, ...] = ()
    # Sentences that look like the theme but are good practice or negated.
    negative_exemplars: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    notes: str = ""
    # The topic's own vocabulary ("interpreter", "aged {11-17}"): when set, a passage whose
    # paragraph names none of these (nor a cue) counts for only part of its score.
    anchors: tuple[str, ...] = ()
    # "child": the theme describes a child's own circumstances (a young person's self-harm, a
    # child's disability), so it cannot apply to a document about an adult (``classify.subject``).
    subject: str = ""
    # "best": the document's score for this theme is its best passage's, not the mean of its top k. For a
    # fact that a report states once and does not repeat (a child's diagnosis), as ``POOLS`` says.
    pool: str = ""


@dataclass(frozen=True)
class Codebook:
    """An ordered, validated set of themes, with a version and a content hash."""

    name: str
    version: str
    themes: tuple[Theme, ...]
    source: str = ""
    sha256: str = field(default="", compare=False)

    @property
    def ids(self) -> list[str]:
        return [t.id for t in self.themes]

    def __getitem__(self, theme_id: str) -> Theme:
        for theme in self.themes:
            if theme.id == theme_id:
                return theme
        raise KeyError(f"unknown theme id {theme_id!r}; known ids: {', '.join(self.ids)}")

    def __contains__(self, theme_id: object) -> bool:
        return theme_id in self.ids

    def __len__(self) -> int:
        return len(self.themes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "themes": [theme_to_dict(t) for t in self.themes],
        }


def theme_to_dict(theme: Theme) -> dict[str, Any]:
    data = asdict(theme)
    if not theme.subject:
        data.pop("subject")
    if not theme.pool:
        data.pop("pool")
    if not theme.anchors:
        # A theme without anchors hashes as it did before the field existed, so models trained
        # on an older codebook still match their unchanged themes.
        data.pop("anchors")
    return {k: list(v) if isinstance(v, tuple) else v for k, v in data.items()}


_NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                 "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
                 "nineteen", "twenty")
_RANGE = re.compile(r"\{(\d+)-(\d+)\}")


def expand_anchor(phrase: str) -> list[str]:
    """``"aged {11-13}"`` -> aged 11, aged eleven, aged 12, ...: one ``{lo-hi}`` range, digits and words."""
    found = _RANGE.search(phrase)
    if not found:
        return [phrase]
    low, high = int(found.group(1)), int(found.group(2))
    out = []
    for number in range(low, high + 1):
        spellings = [str(number)] + ([_NUMBER_WORDS[number]] if number < len(_NUMBER_WORDS) else [])
        out += [phrase[:found.start()] + word + phrase[found.end():] for word in spellings]
    return out


def _parse_anchors(value: Any, where: str) -> tuple[str, ...]:
    anchors = _as_str_tuple(value, where)
    for anchor in anchors:
        found = _RANGE.findall(anchor)
        rest = _RANGE.sub("", anchor)
        if len(found) > 1 or "{" in rest or "}" in rest:
            raise CodebookError(f"{where}: {anchor!r} may hold one numeric range like {{11-17}} and no other braces")
        if found and not int(found[0][0]) <= int(found[0][1]) <= 120:
            raise CodebookError(f"{where}: {anchor!r} has an empty or implausible range")
    return anchors


def _as_str_tuple(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CodebookError(f"{where} must be a list of strings")
    return tuple(v.strip() for v in value if v.strip())


def _parse_theme(raw: Any, position: int, source: str) -> Theme:
    where = f"{source}: theme #{position + 1}"
    if not isinstance(raw, dict):
        raise CodebookError(f"{where} must be a mapping, got {type(raw).__name__}")
    if "id" in raw:
        where = f"{source}: theme {raw['id']!r}"
    missing = [f for f in REQUIRED_FIELDS if f not in raw]
    if missing:
        raise CodebookError(f"{where} is missing required field(s): {', '.join(missing)}")
    unknown = sorted(set(raw) - set(REQUIRED_FIELDS) - set(OPTIONAL_FIELDS))
    if unknown:
        raise CodebookError(
            f"{where} has unknown field(s): {', '.join(unknown)}; "
            f"allowed: {', '.join(REQUIRED_FIELDS + OPTIONAL_FIELDS)}"
        )
    theme_id = raw["id"]
    if not isinstance(theme_id, str) or not _ID_PATTERN.match(theme_id):
        raise CodebookError(f"{where}: id must be lower_snake_case, got {theme_id!r}")
    if raw["kind"] not in THEME_KINDS:
        raise CodebookError(f"{where}: kind must be one of {THEME_KINDS}, got {raw['kind']!r}")
    for text_field in ("label", "definition"):
        if not isinstance(raw[text_field], str) or not raw[text_field].strip():
            raise CodebookError(f"{where}: {text_field} must be a non-empty string")
    exemplars = _as_str_tuple(raw["exemplars"], f"{where}: exemplars")
    if not exemplars:
        raise CodebookError(f"{where}: exemplars must hold at least one sentence")
    return Theme(
        id=theme_id,
        label=raw["label"].strip(),
        kind=raw["kind"],
        definition=" ".join(raw["definition"].split()),
        include=_as_str_tuple(raw["include"], f"{where}: include"),
        exclude=_as_str_tuple(raw["exclude"], f"{where}: exclude"),
        exemplars=exemplars,
        cues=_as_str_tuple(raw.get("cues"), f"{where}: cues"),
        negative_exemplars=_as_str_tuple(raw.get("negative_exemplars"), f"{where}: negative_exemplars"),
        aliases=_as_str_tuple(raw.get("aliases"), f"{where}: aliases"),
        notes=str(raw.get("notes") or "").strip(),
        anchors=_parse_anchors(raw.get("anchors"), f"{where}: anchors"),
        subject=_parse_choice(raw.get("subject"), SUBJECTS, f"{where}: subject"),
        pool=_parse_choice(raw.get("pool"), POOLS, f"{where}: pool"),
    )


def _parse_choice(value: Any, allowed: tuple[str, ...], where: str) -> str:
    """An optional one-word field: "" when absent, else one of ``allowed``."""
    choice = "" if value is None else str(value).strip().lower()
    if choice not in allowed:
        raise CodebookError(f"{where} must be one of {', '.join(repr(a) for a in allowed if a)} or absent, got {value!r}")
    return choice


def parse_codebook(data: Any, source: str = "<codebook>") -> Codebook:
    """Validate a parsed YAML mapping and build a ``Codebook``."""
    if not isinstance(data, dict):
        raise CodebookError(f"{source}: top level must be a mapping with 'version' and 'themes'")
    themes_raw = data.get("themes")
    if not isinstance(themes_raw, list) or not themes_raw:
        raise CodebookError(f"{source}: 'themes' must be a non-empty list")
    themes = tuple(_parse_theme(raw, i, source) for i, raw in enumerate(themes_raw))
    seen: set[str] = set()
    for theme in themes:
        if theme.id in seen:
            raise CodebookError(f"{source}: duplicate theme id {theme.id!r}")
        seen.add(theme.id)
    codebook = Codebook(
        name=str(data.get("name", "codebook")),
        version=str(data.get("version", "0")),
        themes=themes,
        source=source,
    )
    digest = hashlib.sha256(
        json.dumps(codebook.to_dict(), sort_keys=True, ensure_ascii=False).encode("utf-8")
    ).hexdigest()
    return Codebook(codebook.name, codebook.version, themes, source, digest)


def load_codebook(path: str | Path | None = None) -> Codebook:
    """Read and validate a codebook YAML file; the shipped one by default."""
    path = Path(path) if path is not None else DEFAULT_CODEBOOK
    if not path.is_file():
        raise CodebookError(f"codebook not found: {path}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CodebookError(f"{path}: not valid YAML: {exc}") from exc
    return parse_codebook(data, source=str(path))
