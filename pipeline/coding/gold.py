"""Human coding in one shape (``GoldCoding``) and the checks every reader shares."""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import pandas as pd

from practice_themes.coding.tables import AnnotationError

LONG_REQUIRED = ("doc_id", "coder", "theme")
LONG_OPTIONAL = ("quote", "start", "end", "page", "present", "note")
LONG_COLUMNS = ("doc_id", "coder", "theme", "present", "quote", "start", "end", "page", "note", "row")

# How many row numbers an error message lists before it says "and N more".
MAX_ROWS_LISTED = 12


@dataclass
class GoldCoding:
    """Human coding in one shape, whatever file it came from.

    ``codes`` has the columns of ``LONG_COLUMNS`` (``row`` is the spreadsheet
    row, or 0 when the format has none). ``coverage`` lists the (doc_id, coder)
    pairs coded. ``blank_is_missing`` is True for wide sheets, where a theme
    without a row is unknown rather than absent. ``texts`` holds document
    texts a format carries (REFI-QDA sources). ``samples`` maps doc_id to the
    part of the sample it was drawn in ("random" or "informative"), when the
    sheet says so. ``notes`` lists what the reader left out and why.
    """

    codes: pd.DataFrame
    coverage: pd.DataFrame
    source: str
    blank_is_missing: bool = False
    texts: dict[str, str] = field(default_factory=dict)
    samples: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def random_sample(self, documents: Sequence[str]) -> tuple[list[str], str]:
        """The ``documents`` that belong to the simple random sample, and a sentence saying how that was decided.

        Only a simple random sample may estimate corpus prevalence. With a
        ``sample`` column its "informative" documents are left out; without
        one every document is assumed to be part of the random sample.
        """
        documents = list(documents)
        if not self.samples:
            return documents, (f"PPI uses all {len(documents)} human-coded documents; with no 'sample' column they "
                               "are assumed to be a simple random sample of the corpus")
        kept = [d for d in documents if self.samples.get(d) == "random"]
        dropped = len(documents) - len(kept)
        return kept, (f"PPI uses the {len(kept)} documents of the simple random sample; {dropped} informative-sample "
                      "documents were left out because they are not a random sample")

    @property
    def coders(self) -> list[str]:
        return sorted(self.coverage["coder"].unique().tolist())

    def document_matrix(self, theme_ids: Sequence[str]) -> pd.DataFrame:
        """Document-level codes: index (doc_id, coder), one float column per theme.

        1.0 when the coder has a row with present = 1 for the theme, 0.0 when
        the document is covered and the theme is not coded present, NaN when
        unknown (wide sheets with a blank cell).
        """
        index = pd.MultiIndex.from_frame(self.coverage[["doc_id", "coder"]].drop_duplicates())
        fill = math.nan if self.blank_is_missing else 0.0
        matrix = pd.DataFrame(fill, index=index, columns=list(theme_ids), dtype=float)
        codes = self.codes[self.codes["theme"].isin(theme_ids)]
        if len(codes):
            # max over rows: any present row makes the document code 1.
            values = codes.groupby(["doc_id", "coder", "theme"])["present"].max()
            for (doc_id, coder, theme), value in values.items():
                matrix.loc[(doc_id, coder), theme] = float(value)
        return matrix.sort_index()


def format_rows(rows: Iterable[int]) -> str:
    """'rows 3, 7 and 9' with a cap on how many are listed."""
    rows = sorted({int(r) for r in rows})
    shown = [str(r) for r in rows[:MAX_ROWS_LISTED]]
    more = len(rows) - len(shown)
    if more:
        return "rows " + ", ".join(shown) + f" and {more} more"
    if len(shown) == 1:
        return f"row {shown[0]}"
    return "rows " + ", ".join(shown[:-1]) + f" and {shown[-1]}"


def check_themes(codes: pd.DataFrame, theme_ids: Sequence[str] | None, source: str) -> None:
    """Raise listing every unknown theme id with its rows and closest known id."""
    if theme_ids is None:
        return
    known = set(theme_ids)
    bad = codes[~codes["theme"].isin(known)]
    if bad.empty:
        return
    parts = []
    for theme, group in bad.groupby("theme", sort=True):
        close = difflib.get_close_matches(str(theme), list(theme_ids), n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        parts.append(f"{theme!r}{hint} in {format_rows(group['row'])}")
    raise AnnotationError(f"{source}: unknown theme id " + "; ".join(parts) + ". Theme ids are those of the codebook")


def check_coders(codes: pd.DataFrame, coders: Sequence[str] | None, source: str) -> None:
    """Raise listing coders not in the expected list, with their rows."""
    if coders is None:
        return
    bad = codes[~codes["coder"].isin(set(coders))]
    if bad.empty:
        return
    parts = [f"{coder!r} in {format_rows(g['row'])}" for coder, g in bad.groupby("coder", sort=True)]
    raise AnnotationError(f"{source}: unknown coder " + "; ".join(parts) + f". Expected coders: {', '.join(coders)}")
