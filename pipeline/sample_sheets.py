"""Write a ``Selection`` for coders: an .xlsx workbook, CSV files, or a REFI-QDA project.

The coding sheet is the document sheet ``practice_themes.coding.readers`` reads: doc_id,
sample, coder, one column per theme id (codebook order), note. Theme cells
are blank: the machine's answer is never pre-filled. Its evidence goes to a
side sheet (``evidence``) to speed the coding up.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import pandas as pd

from practice_themes.coding.readers import CODING_SHEET
from practice_themes.codebook import Codebook
from practice_themes.errors import PracticeThemesError
from practice_themes.sampling import (
    DISAGREE_BONUS, RANDOM, RARE_BONUS, RARE_SHARE, RARE_TOP, RunForSampling, SampleError,
    Selection,
)

FORMATS = (".xlsx", ".csv", ".qdpx")
EVIDENCE_COLUMNS = ("doc_id", "theme", "rank", "page", "score", "text")
EVIDENCE_TOP = 3
_WIDTHS = {"doc_id": 28, "sample": 12, "coder": 14, "note": 40, "theme": 26, "text": 100, "field": 22, "value": 100}


def check_format(out: str | Path) -> str:
    """The output format named by ``out``'s extension; an error for any other."""
    suffix = Path(out).suffix.lower()
    if suffix not in FORMATS:
        raise SampleError(f"{out}: unknown output format {suffix or '(no extension)'!r}; use {', '.join(FORMATS)}")
    return suffix


def coding_frame(selection: Selection, theme_ids: Sequence[str]) -> pd.DataFrame:
    """One row per selected document, theme cells blank (None)."""
    rows = [{"doc_id": p.doc_id, "sample": p.sample, "coder": None, **{t: None for t in theme_ids}, "note": None}
            for p in selection.picks]
    return pd.DataFrame(rows, columns=["doc_id", "sample", "coder", *theme_ids, "note"])


def evidence_frame(run: RunForSampling, selection: Selection, theme_ids: Sequence[str]) -> pd.DataFrame:
    """The machine's top passages per theme for each selected document, themes with a nonzero score only."""
    passages = run.passages
    order = {d: i for i, d in enumerate(selection.doc_ids)}
    theme_rank = {t: i for i, t in enumerate(theme_ids)}
    keep = passages["doc_id"].isin(order) & passages["theme"].isin(theme_rank)
    rows = passages[keep].copy()
    if not rows.empty:
        score = [run.scores.at[d, t] for d, t in zip(rows["doc_id"], rows["theme"])]
        rows = rows[[s > 0 for s in pd.Series(score).fillna(0.0)]]
        rows["rank"] = pd.to_numeric(rows["rank"], errors="coerce")
        rows = rows[rows["rank"] <= EVIDENCE_TOP]
        rows = rows.assign(_d=rows["doc_id"].map(order), _t=rows["theme"].map(theme_rank))
        rows = rows.sort_values(["_d", "_t", "rank"])
    return rows[list(EVIDENCE_COLUMNS)].reset_index(drop=True)


def about_rows(selection: Selection, run: RunForSampling, codebook: Codebook) -> list[tuple[str, str]]:
    """The "about" sheet: how to code, how the sample was drawn, and the prevalence rule."""
    n_random, n_info = len(selection.part(RANDOM)), len(selection.picks) - len(selection.part(RANDOM))
    rows = [
        ("how to code", "Fill in your name in 'coder'. For every theme column enter 1 (present) or 0 (absent). "
                        "Fill every theme cell of a document you code; a document with no theme present is all 0s "
                        "and still counts. Leave a row entirely blank if you did not code it."),
        ("evidence", f"Sheet 'evidence' lists the machine's top {EVIDENCE_TOP} passages per theme it scored above 0. "
                     "They are there to speed reading up, not the answer: code what the document says."),
        ("PREVALENCE RULE", "Only the rows with sample = random may be used for prevalence estimates. The "
                            "informative rows were chosen for what the machine is unsure of and are not a random "
                            "sample; they serve calibration only."),
        ("run", str(run.folder)),
        ("n requested", str(selection.n_requested)),
        ("selected", f"{len(selection.picks)} documents: {n_random} random, {n_info} informative"),
        ("seed", str(selection.seed)),
        ("random share", str(selection.random_share)),
        ("eligible", f"{selection.n_eligible} documents with status ok and not excluded "
                     f"({selection.n_excluded} excluded as already coded, {run.n_not_ok} not ok in the run)"),
        ("random part", f"Simple random sample without replacement (numpy default_rng, seed {selection.seed}) of "
                        "the eligible documents; the machine's scores play no part in it."),
        ("informative part", "From the remaining documents, those nearest the thresholds over all themes: per "
                             "(document, theme) the closeness of the score to the theme's threshold, "
                             "exp(-|logit(score) - logit(threshold)|), summed over the themes, highest first. Ties "
                             f"go to +{RARE_BONUS} for the {RARE_TOP} highest-scoring documents of a rare theme "
                             f"(tagged in under {RARE_SHARE:.0%} of the run's documents) and +{DISAGREE_BONUS} where "
                             "the embedding and cue evidence disagree."),
        ("disagreement", "The run's outputs do not record separate embedding and cue scores. Disagreement is "
                         "measured on what they carry: a theme tagged present whose evidence passages name none "
                         "of the theme's cues (tagged on embedding evidence alone). Cues named in a document whose "
                         "theme is absent cannot be seen, as passages are stored for present themes only."),
        ("thresholds", f"from {run.threshold_source}"),
        *[("note", note) for note in selection.notes],
        ("", ""),
        ("document", "why it was selected"),
        *[(p.doc_id, f"{p.sample}: {p.reason}") for p in selection.picks],
        ("", ""),
        ("theme id", "label: definition"),
        *[(t.id, f"{t.label}: {t.definition}") for t in codebook.themes],
    ]
    return rows


def write_selection(selection: Selection, run: RunForSampling, codebook: Codebook, out: str | Path) -> list[Path]:
    """Write the selection in the format ``out`` names; return the files written."""
    out = Path(out)
    suffix = check_format(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".xlsx":
        return [_write_xlsx(selection, run, codebook, out)]
    if suffix == ".csv":
        evidence = out.with_name(f"{out.stem}.evidence.csv")
        coding_frame(selection, codebook.ids).to_csv(out, index=False)
        evidence_frame(run, selection, codebook.ids).to_csv(evidence, index=False)
        return [out, evidence]
    return _write_qdpx(selection, run, codebook, out)


def _write_xlsx(selection: Selection, run: RunForSampling, codebook: Codebook, out: Path) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    theme_ids = codebook.ids
    workbook = Workbook()
    coding = workbook.active
    coding.title = CODING_SHEET
    frame = coding_frame(selection, theme_ids)
    _fill(coding, list(frame.columns), frame.itertuples(index=False))
    if len(frame):
        first, last = get_column_letter(4), get_column_letter(3 + len(theme_ids))
        valid = DataValidation(type="list", formula1='"0,1"', allow_blank=True, showErrorMessage=True,
                               errorTitle="0 or 1", error="Enter 1 (present) or 0 (absent).")
        valid.add(f"{first}2:{last}{len(frame) + 1}")
        coding.add_data_validation(valid)
    for j, column in enumerate(frame.columns, start=1):
        coding.column_dimensions[get_column_letter(j)].width = _WIDTHS.get(column, max(6, len(column) + 2))
    coding.freeze_panes = "D2"  # doc_id, sample and coder stay in view while scrolling across themes

    evidence = workbook.create_sheet("evidence")
    ev = evidence_frame(run, selection, theme_ids)
    _fill(evidence, list(ev.columns), ev.itertuples(index=False))
    for j, column in enumerate(ev.columns, start=1):
        evidence.column_dimensions[get_column_letter(j)].width = _WIDTHS.get(column, 10)
    for cell in evidence["F"][1:]:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    evidence.freeze_panes = "C2"

    about = workbook.create_sheet("about")
    _fill(about, ["field", "value"], about_rows(selection, run, codebook))
    about.column_dimensions["A"].width = _WIDTHS["field"]
    about.column_dimensions["B"].width = _WIDTHS["value"]
    for cell in about["B"]:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in about.iter_rows(min_row=2):
        if row[0].value in ("PREVALENCE RULE", "document", "theme id"):
            for cell in row:
                cell.font = Font(bold=True)
    workbook.save(out)
    return out


def _fill(sheet, header: list[str], rows) -> None:
    from openpyxl.styles import Font

    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([None if pd.isna(v) else v for v in row])


def document_texts(run: RunForSampling, doc_ids: Sequence[str]) -> tuple[dict[str, str], list[str]]:
    """Each document's text: re-read from its source file when it exists, else its evidence passages joined.

    Returns the texts and the doc_ids whose text is passages only.
    """
    from practice_themes.evaluation.qdpx_export import ingest_texts

    texts: dict[str, str] = {}
    for doc_id in doc_ids:
        path = Path(run.source_paths.get(doc_id, ""))
        if run.source_paths.get(doc_id) and path.is_file():
            try:
                texts.update(ingest_texts({doc_id: path}))
            except (PracticeThemesError, OSError, ValueError):
                pass  # falls back to the evidence passages below
    partial = [d for d in doc_ids if not texts.get(d)]
    for doc_id in partial:
        rows = run.passages[run.passages["doc_id"] == doc_id].drop_duplicates(["start", "end"])
        rows = rows.sort_values("start")
        text = "\n\n".join(str(t) for t in rows["text"] if isinstance(t, str))
        texts[doc_id] = text or "(no text: the source file was not found and the run stored no evidence passages)"
    return texts, partial


def _write_qdpx(selection: Selection, run: RunForSampling, codebook: Codebook, out: Path) -> list[Path]:
    """A REFI-QDA project: the selected documents as sources, the themes as codes, nothing coded."""
    from practice_themes.evaluation.qdpx_export import write_qdpx

    texts, partial = document_texts(run, selection.doc_ids)
    descriptions = {}
    for p in selection.picks:
        note = " Text: the machine's evidence passages only (source file not found)." if p.doc_id in partial else ""
        rule = "may be used for prevalence" if p.sample == RANDOM else "not for prevalence (calibration only)"
        descriptions[p.doc_id] = f"practice-themes sample: {p.sample} part, {rule}.{note}"
    codings = pd.DataFrame({"doc_id": [], "theme": [], "start": [], "end": []})
    themes = [(t.id, t.label, t.definition) for t in codebook.themes]
    write_qdpx(out, texts, codings, themes, descriptions=descriptions, project_name="practice-themes sample to code")
    # A QDA program does not carry the random/informative labels back; this file does.
    parts = out.with_name(f"{out.stem}.sample.csv")
    coding_frame(selection, []).drop(columns=["coder", "note"]).to_csv(parts, index=False)
    return [out, parts]
