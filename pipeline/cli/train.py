"""``practice-themes train``: train a theme classifier from human coding."""

from __future__ import annotations

from pathlib import Path

import typer

from practice_themes.cli.app import app
from practice_themes.cli.exits import exit_on_error
from practice_themes.errors import SettingError
from practice_themes.cli.table_options import ID_COLUMN_OPTION, TEXT_COLUMNS_OPTION, TableCommand, table_spec


@app.command("train", cls=TableCommand)
def train(
    annotations: list[Path] = typer.Argument(..., help="Coding CSV(s): doc_id, coder, theme, quote, note."),
    out: Path = typer.Option(..., "-o", "--out", help="Model folder to write, e.g. models/my-model."),
    codebook_path: Path = typer.Option(None, "--codebook", help="Codebook YAML (default: the shipped one)."),
    corpus: Path = typer.Option(Path("corpus"), "--corpus",
                                help="Folder holding the coded documents (PDF, DOCX, .md or .txt, matched by file stem), "
                                     "or a .csv/.jsonl table of texts (with --id-column and --text-columns)."),
    split: str = typer.Option(None, "--split", help="Train only on documents with this split in --metadata (e.g. dev)."),
    metadata: Path = typer.Option(None, "--metadata", help="Corpus metadata CSV with a 'split' column (default: CORPUS/metadata.csv)."),
    coder: str = typer.Option(None, "--coder", help="Use only this coder's rows (default: pool all coders)."),
    method: str = typer.Option("rate-matched", "--method",
                               help="rate-matched (default): the default classifier's scores, each theme's cut set so "
                                    "the coded documents get a fixed multiple (1.5) of their coded positives; stacked: a "
                                    "logistic regression over the default's document evidence (see README)."),
    c: float = typer.Option(None, "--C", help="--method stacked: fix the inverse regularisation strength of the "
                                               "logistic regression (default: chosen by the grouped CV from 0.1, 0.3, 1, 3)."),
    min_positives: int = typer.Option(None, "--min-positives", min=1,
                                      help="--method stacked: a theme with fewer coded positive documents stays at the "
                                           "default classifier (default: 3)."),
    id_column: str = ID_COLUMN_OPTION,
    text_columns: str = TEXT_COLUMNS_OPTION,
) -> None:
    """Calibrate a classifier to a corpus from human coding (document-level codes suffice); save it to a folder."""
    from rich.console import Console

    from practice_themes.classify.methods import training_method
    from practice_themes.classify.persistence import save_model
    from practice_themes.classify.training import AnnotationError, label_passages, read_annotations
    from practice_themes.training import document_passages, find_documents, read_splits
    from practice_themes.codebook import load_codebook

    console = Console(stderr=True)
    with exit_on_error(console, doing="training"):
        trainer = training_method(method)
        if method != "stacked" and (c is not None or min_positives is not None):
            raise SettingError("--C and --min-positives apply to --method stacked only")
        codebook = load_codebook(codebook_path)
        coding = read_annotations(annotations, codebook.ids, coder=coder)
        doc_ids = coding.doc_ids
        if split:
            splits = read_splits(metadata or corpus / "metadata.csv")
            doc_ids = [d for d in doc_ids if splits.get(d) == split]
            if not doc_ids:
                raise AnnotationError(f"no coded documents have split {split!r}")
        files = find_documents(corpus, doc_ids, table_spec(id_column, text_columns))
        docs = []
        for doc_id in doc_ids:
            labelled = label_passages(doc_id, document_passages(files[doc_id]), coding, codebook.ids)
            if labelled.unmatched_quotes:
                console.print(f"{doc_id}: {len(labelled.unmatched_quotes)} quote(s) not found in the text")
            docs.append(labelled)
        # Unset options are left out, so the stacked model's own defaults hold (one place for each).
        settings = {k: v for k, v in {"C": c, "min_docs": min_positives}.items() if v is not None}
        model = trainer(codebook, name=out.name, **settings).fit(docs)
        save_model(model, out, training_sha256=coding.sha256, training_source=coding.source,
                   extra={"training_documents": doc_ids, "split": split or "all", "coder": coder or "all"})
    cv = model.cv_scores_
    how = (f"C {model.C_:g}, threshold {model.global_threshold_:.2f}; " if method == "stacked"
           else f"cuts matched to {model.factor:g}x the coded rates; ")
    console.print(f"{method}: {len(model.trained_themes_)} theme(s) calibrated on {len(docs)} documents "
                  f"({how}grouped CV macro-F1 {cv['macro_f1']:.3f}, micro-F1 {cv['micro_f1']:.3f}) -> {out}")
    print_theme_report(cv, console)


def print_theme_report(cv: dict, console) -> None:
    """Per theme: who decides it, coded positives, out-of-fold P/R/kappa with 95% intervals, documents still needed."""
    from rich.table import Table

    def ci(entry: dict, key: str) -> str:
        value, interval = entry.get(key), entry.get(f"{key}_ci")
        if value is None:
            return "-"
        return f"{value:.2f}" + (f" [{interval[0]:.2f}-{interval[1]:.2f}]" if interval else "")

    table = Table(title="Per theme, out of fold (grouped by document)", title_justify="left")
    # One line per theme with its whole id: it fits 120 columns (footnote below the table).
    table.add_column("theme", no_wrap=True)
    table.add_column("by", no_wrap=True)
    for column in ("coded +", "precision", "recall", "kappa", "more docs*"):
        table.add_column(column, justify="right", no_wrap=True)
    for theme, entry in cv["themes"].items():
        table.add_row(theme, entry["source"], str(entry["n_positive"]), ci(entry, "precision"), ci(entry, "recall"),
                      ci(entry, "kappa"), str(entry.get("more_documents_for_recall_ci_0.1", "-")))
    console.print(table)
    console.print("* about how many more coded documents would narrow recall's 95% interval to ±0.1; "
                  "'by': the trained model, the default's scores with a rate-matched cut, or the default classifier")
    reasons = {t: e["why_default"] for t, e in cv["themes"].items() if e.get("why_default")}
    if reasons:
        console.print("themes left at the default classifier:")
        for theme, why in reasons.items():
            console.print(f"  {theme}: {why}")
