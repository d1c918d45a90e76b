"""``practice-themes codebook``: show, validate and diff theme codebooks."""

from __future__ import annotations

from pathlib import Path

import typer

from practice_themes.cli.app import app
from practice_themes.cli.exits import EXIT_FAILED


def codebook_problems(codebook) -> list[str]:
    """Warnings about a valid codebook that will classify poorly (few exemplars, no cues...)."""
    problems = []
    for theme in codebook.themes:
        if len(theme.exemplars) < 3:
            problems.append(f"{theme.id}: only {len(theme.exemplars)} exemplar(s); zero-shot scoring wants 3 or more")
        if not theme.cues:
            problems.append(f"{theme.id}: no cues; the lexical side cannot help this theme")
        if len(set(theme.exemplars)) != len(theme.exemplars):
            problems.append(f"{theme.id}: repeated exemplar")
        overlap = set(theme.exemplars) & set(theme.negative_exemplars)
        if overlap:
            problems.append(f"{theme.id}: sentence(s) both exemplar and negative exemplar: {sorted(overlap)[0]!r}")
    return problems


def codebook_diff(old, new) -> list[str]:
    """Human-readable differences between two codebooks, theme by theme and field by field."""
    lines = []
    if old.version != new.version:
        lines.append(f"version: {old.version} -> {new.version}")
    for theme_id in new.ids:
        if theme_id not in old:
            lines.append(f"+ {theme_id} (added)")
    for theme_id in old.ids:
        if theme_id not in new:
            lines.append(f"- {theme_id} (removed)")
            continue
        if theme_id not in new:
            continue
        a, b = old[theme_id], new[theme_id]
        for field in ("label", "kind", "definition", "notes"):
            if getattr(a, field) != getattr(b, field):
                lines.append(f"~ {theme_id}.{field}: {getattr(a, field)!r} -> {getattr(b, field)!r}")
        for field in ("include", "exclude", "exemplars", "cues", "anchors", "negative_exemplars", "aliases"):
            before, after = set(getattr(a, field)), set(getattr(b, field))
            if before != after:
                lines.append(f"~ {theme_id}.{field}: +{len(after - before)} -{len(before - after)}")
                lines.extend(f"    + {x}" for x in sorted(after - before))
                lines.extend(f"    - {x}" for x in sorted(before - after))
    if old.ids != new.ids and set(old.ids) == set(new.ids):
        lines.append("theme order changed")
    return lines


@app.command("codebook")
def codebook(
    codebook_path: Path = typer.Option(None, "--codebook", help="Codebook YAML (default: the shipped one)."),
    validate: bool = typer.Option(False, "--validate", help="Check the codebook; exit 1 if it is invalid."),
    diff: Path = typer.Option(None, "--diff", help="Another codebook YAML to compare against."),
    strict: bool = typer.Option(False, "--strict", help="With --validate: warnings also fail."),
) -> None:
    """Show the codebook's themes, validate it, or diff it against another."""
    from rich.console import Console
    from rich.table import Table

    from practice_themes.codebook import CodebookError, load_codebook

    console = Console()
    try:
        book = load_codebook(codebook_path)
        other = load_codebook(diff) if diff is not None else None
    except CodebookError as exc:
        console.print(f"[red]invalid codebook:[/red] {exc}")
        raise typer.Exit(EXIT_FAILED) from None
    if other is not None:
        lines = codebook_diff(book, other)
        console.print(f"{book.source} -> {other.source}: {len(lines) or 'no'} difference(s)", markup=False)
        for line in lines:
            console.print(line, markup=False, highlight=False)
        return
    if validate:
        problems = codebook_problems(book)
        console.print(f"{book.source}: valid, {len(book)} themes, version {book.version}, "
                      f"sha256 {book.sha256[:12]}", markup=False)
        for problem in problems:
            console.print(f"warning: {problem}", markup=False, highlight=False)
        if strict and problems:
            raise typer.Exit(EXIT_FAILED)
        return
    table = Table(title=f"{book.name} {book.version} ({len(book)} themes, sha256 {book.sha256[:12]})")
    table.add_column("id", no_wrap=True)
    for column in ("label", "kind", "exemplars", "cues", "negatives"):
        table.add_column(column)
    for t in book.themes:
        table.add_row(t.id, t.label, t.kind, str(len(t.exemplars)), str(len(t.cues)), str(len(t.negative_exemplars)))
    console.print(table)
