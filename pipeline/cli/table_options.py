"""The --id-column / --text-columns options shared by every command that reads tables of texts.

``--text-columns`` takes several names: ``--text-columns circumstances concerns``
(up to the next option, so list the columns after the paths, or end them with
``--``) or ``--text-columns circumstances,concerns``. Click options take a fixed
number of values, so ``TableCommand`` folds the words after ``--text-columns``
into one comma-separated value before parsing.
"""

from __future__ import annotations

import typer
from typer.core import TyperCommand

from practice_themes.ingest.tabular import TableSpec

TEXT_COLUMNS = "--text-columns"

ID_COLUMN_OPTION = typer.Option(
    None, "--id-column", help="For a .csv/.jsonl table of texts: the column holding each document's id.")
TEXT_COLUMNS_OPTION = typer.Option(
    None, TEXT_COLUMNS, help="For a .csv/.jsonl table: the column(s) holding the text, joined as paragraphs "
                             "in this order (space- or comma-separated; put them after the paths).")


def fold_text_columns(args: list[str]) -> list[str]:
    """``[..., "--text-columns", "a", "b", "-o", "x"]`` -> ``[..., "--text-columns", "a,b", "-o", "x"]``."""
    out: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        out.append(arg)
        i += 1
        if arg != TEXT_COLUMNS:
            continue
        names: list[str] = []
        while i < len(args) and not args[i].startswith("-"):
            names.append(args[i])
            i += 1
        if i < len(args) and args[i] == "--":
            i += 1  # "--" only ended the list of columns
        if names:
            out.append(",".join(names))
    return out


class TableCommand(TyperCommand):
    """A command whose ``--text-columns`` takes several words."""

    def parse_args(self, ctx, args: list[str]) -> list[str]:
        return super().parse_args(ctx, fold_text_columns(list(args)))


def table_spec(id_column: str | None, text_columns: str | None) -> TableSpec | None:
    """The table options as a ``TableSpec``; None when neither is given.

    Raises:
        typer.BadParameter: only one of the two options is given.
    """
    columns = tuple(c.strip() for c in (text_columns or "").split(",") if c.strip())
    if not id_column and not columns:
        return None
    if not id_column or not columns:
        raise typer.BadParameter("give both --id-column COLUMN and --text-columns COLUMN [COLUMN ...]")
    return TableSpec(id_column=id_column.strip(), text_columns=columns)
