"""Corpus summaries of a ``code`` run: prevalence with intervals, by metadata, co-occurrence, charts.

Every percentage is over the documents that were coded successfully
(``status == "ok"``); failed documents are counted separately and never
treated as "theme absent". Intervals are Wilson 95% score intervals. With a
human-coded random sample, each theme also gets the prediction-powered
(bias-corrected) prevalence from ``practice_themes.stats.prevalence.ppi_prevalence``,
from the documents of the simple random sample only.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from practice_themes.errors import PracticeThemesError
from practice_themes.stats.prevalence import ppi_prevalence, wilson_ci
from practice_themes.outputs import DOCUMENT_COLUMNS, read_output_csv

MAX_GROUPS = 30  # a metadata column with more distinct values is an identifier, not a grouping


class SummaryError(PracticeThemesError, ValueError):
    """The output folder or the human coding cannot be summarised."""


@dataclass
class Summary:
    """The tables behind the report; every frame is also written as CSV."""

    themes: list[str]
    labels: dict[str, str]
    n_documents: int
    n_ok: int
    prevalence: pd.DataFrame
    by_group: pd.DataFrame
    cooccurrence: pd.DataFrame
    group_columns: list[str]
    ppi: pd.DataFrame | None = None
    ppi_notes: list[str] = field(default_factory=list)
    charts: dict[str, Path] = field(default_factory=dict)


def read_documents(outdir: str | Path) -> pd.DataFrame:
    """``documents.parquet`` (or ``documents.csv``) of a ``code`` output folder."""
    outdir = Path(outdir)
    if (outdir / "documents.parquet").is_file():
        return pd.read_parquet(outdir / "documents.parquet")
    if (outdir / "documents.csv").is_file():
        return read_output_csv(outdir / "documents.csv", SummaryError, dtype={"doc_id": str})
    raise SummaryError(f"{outdir}: no documents.parquet or documents.csv; is this a `practice-themes code` folder?")


def theme_columns(docs: pd.DataFrame) -> list[str]:
    """Theme ids in table order: every column that has a ``<theme>_score`` partner."""
    return [c for c in docs.columns if f"{c}_score" in docs.columns]


def group_columns(docs: pd.DataFrame, themes: list[str]) -> list[str]:
    """Metadata columns worth breaking down by: few distinct values, not an id."""
    reserved = set(DOCUMENT_COLUMNS) | set(themes) | {f"{t}_score" for t in themes}
    ok = docs[docs["status"] == "ok"]
    columns = []
    for column in docs.columns:
        if column in reserved:
            continue
        distinct = ok[column].dropna().nunique()
        if 1 <= distinct <= MAX_GROUPS and (distinct < len(ok) or len(ok) <= 1):
            columns.append(column)
    return columns


def _rate_row(k: int, n: int) -> dict:
    low, high = wilson_ci(k, n)
    return {"k": k, "n": n, "percent": 100 * k / n if n else np.nan,
            "ci_low": 100 * low if n else np.nan, "ci_high": 100 * high if n else np.nan}


def prevalence_table(ok: pd.DataFrame, themes: list[str], labels: dict[str, str]) -> pd.DataFrame:
    rows = []
    for theme in themes:
        values = ok[theme].dropna().astype(int)
        rows.append({"theme": theme, "label": labels.get(theme, theme), **_rate_row(int(values.sum()), len(values))})
    return pd.DataFrame(rows)


def group_table(ok: pd.DataFrame, themes: list[str], columns: list[str]) -> pd.DataFrame:
    rows = []
    for column in columns:
        for value, part in ok.groupby(column, dropna=True, sort=True):
            for theme in themes:
                values = part[theme].dropna().astype(int)
                rows.append({"column": column, "group": value, "theme": theme,
                             **_rate_row(int(values.sum()), len(values))})
    return pd.DataFrame(rows, columns=["column", "group", "theme", "k", "n", "percent", "ci_low", "ci_high"])


def cooccurrence_table(ok: pd.DataFrame, themes: list[str]) -> pd.DataFrame:
    """Documents tagged with both themes; the diagonal is each theme's own count."""
    x = ok[themes].fillna(0).astype(int).to_numpy()
    return pd.DataFrame(x.T @ x, index=themes, columns=themes)


@dataclass
class HumanSample:
    """The human coding PPI may use: doc × theme 0/1 (NaN = not coded), and sentences saying what was used."""

    codes: pd.DataFrame
    notes: list[str]


def read_human(path: str | Path, themes: list[str]) -> HumanSample:
    """Human coding for the bias-corrected prevalence, read by ``practice_themes.coding.readers.read_gold``.

    Accepts every form of human coding: the long table (doc_id, coder,
    theme, present), the document sheet (doc_id, optional coder and sample,
    one 0/1 column per theme; .csv or the "coding" sheet of an .xlsx) and
    REFI-QDA is not accepted here (it needs a mapping: use ``evaluate``).
    Several coders become one coding by ``practice_themes.coding.consensus`` (a
    consensus coder, else the majority with ties left out), the rule
    ``evaluate`` uses. Only the simple random sample is kept: documents
    marked ``sample = informative`` are left out.
    """
    from practice_themes.coding.consensus import reference_coding
    from practice_themes.coding.readers import read_gold
    from practice_themes.coding.tables import AnnotationError

    try:
        gold = read_gold(path, theme_ids=themes)
        matrix = gold.document_matrix(themes)
        codes, rule = reference_coding(matrix, gold.coders, None)
    except AnnotationError as exc:
        raise SummaryError(str(exc)) from exc
    codes = codes.dropna(axis=1, how="all")
    random_docs, sample_note = gold.random_sample(list(codes.index))
    notes = [sample_note, f"Human coding: {rule}"] + list(gold.notes)
    return HumanSample(codes=codes.loc[random_docs], notes=notes)


def ppi_table(ok: pd.DataFrame, human: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """Bias-corrected prevalence per human-coded theme (documents in both the corpus and the sample)."""
    machine = ok.set_index("doc_id")
    rows = []
    for theme in human.columns:
        sample = human[theme].dropna()
        sample = sample[sample.index.isin(machine.index)]
        if len(sample) < 2:
            continue
        est = ppi_prevalence(machine[theme].dropna().astype(int).to_numpy(),
                             machine.loc[sample.index, theme].astype(int).to_numpy(), sample.to_numpy())
        rows.append({"theme": theme, "label": labels.get(theme, theme), "n_corpus": est.n_all,
                     "n_sample": est.n_sample, "machine_percent": 100 * est.naive,
                     "human_only_percent": 100 * est.human_only,
                     "human_only_ci_low": 100 * est.human_only_ci[0], "human_only_ci_high": 100 * est.human_only_ci[1],
                     "corrected_percent": 100 * est.corrected, "ci_low": 100 * est.ci_low,
                     "ci_high": 100 * est.ci_high, "ci_method": est.ci_method, "warning": est.warning})
    return pd.DataFrame(rows)


def _labels(themes: list[str]) -> dict[str, str]:
    try:
        from practice_themes.codebook import load_codebook

        codebook = load_codebook()
        return {t: codebook[t].label for t in themes if t in codebook}
    except Exception:  # noqa: BLE001 - labels are cosmetic; ids always work
        return {}


def summarize(outdir: str | Path, dest: str | Path | None = None, *, human: str | Path | None = None,
              charts: bool = True) -> Summary:
    """Compute every table, write CSVs, charts and summary.md/.html into ``dest``."""
    outdir = Path(outdir)
    dest = Path(dest) if dest else outdir / "summary"
    docs = read_documents(outdir)
    themes = theme_columns(docs)
    if not themes:
        raise SummaryError(f"{outdir}: documents table has no theme columns")
    labels = _labels(themes)
    ok = docs[docs["status"] == "ok"].copy()
    columns = group_columns(docs, themes)
    summary = Summary(
        themes=themes, labels=labels, n_documents=len(docs), n_ok=len(ok),
        prevalence=prevalence_table(ok, themes, labels), by_group=group_table(ok, themes, columns),
        cooccurrence=cooccurrence_table(ok, themes), group_columns=columns,
    )
    if human is not None:
        sample = read_human(human, themes)
        summary.ppi = ppi_table(ok, sample.codes, labels)
        summary.ppi_notes = sample.notes + sorted(set(summary.ppi["warning"].dropna())) if len(summary.ppi) else sample.notes
    dest.mkdir(parents=True, exist_ok=True)
    summary.prevalence.to_csv(dest / "prevalence.csv", index=False)
    summary.by_group.to_csv(dest / "prevalence_by_group.csv", index=False)
    summary.cooccurrence.to_csv(dest / "cooccurrence.csv")
    if summary.ppi is not None:
        summary.ppi.to_csv(dest / "prevalence_corrected.csv", index=False)
    if charts:
        summary.charts = draw_charts(summary, dest)
    _write_reports(summary, outdir, dest)
    return summary


def _fmt(row) -> str:
    return f"{row['k']}/{row['n']} ({row['percent']:.1f}%, {row['ci_low']:.1f}–{row['ci_high']:.1f})" if row["n"] else "–"


def _write_reports(summary: Summary, outdir: Path, dest: Path) -> None:
    prev = summary.prevalence.sort_values(["percent", "theme"], ascending=[False, True])
    lines = [f"# Theme prevalence: {outdir}", "",
             f"{summary.n_ok} of {summary.n_documents} documents coded successfully; percentages are over "
             f"those {summary.n_ok}, with Wilson 95% intervals.", "",
             "| theme | documents | % | 95% CI |", "|---|---:|---:|---|"]
    lines += [f"| {r.label} | {r.k}/{r.n} | {r.percent:.1f} | {r.ci_low:.1f}–{r.ci_high:.1f} |" for r in prev.itertuples()]
    for column in summary.group_columns:
        part = summary.by_group[summary.by_group["column"] == column]
        groups = list(dict.fromkeys(part["group"]))
        lines += ["", f"## By {column}", "", "| theme | " + " | ".join(map(_label, groups)) + " |",
                  "|---|" + "---:|" * len(groups)]
        for theme in summary.themes:
            cells = [_fmt(r) for _, r in part[part["theme"] == theme].iterrows()]
            lines.append(f"| {summary.labels.get(theme, theme)} | " + " | ".join(cells) + " |")
    if summary.ppi is not None and len(summary.ppi):
        lines += ["", "## Bias-corrected prevalence (prediction-powered inference)", "",
                  "Assumes the human-coded documents are a simple random sample of the corpus.", ""]
        lines += [f"- {note}" for note in summary.ppi_notes] + ["",
                  "| theme | machine % | human-only % (n, Wilson 95% CI) | corrected % | 95% CI | interval |",
                  "|---|---:|---:|---:|---|---|"]
        lines += [f"| {r.label} | {r.machine_percent:.1f} | {r.human_only_percent:.1f} ({r.n_sample}, "
                  f"{r.human_only_ci_low:.1f}–{r.human_only_ci_high:.1f}) | {r.corrected_percent:.1f} | "
                  f"{r.ci_low:.1f}–{r.ci_high:.1f} | {r.ci_method} |" for r in summary.ppi.itertuples()]
    if summary.charts:
        lines += ["", "## Charts", ""] + [f"![{name}]({path.name})" for name, path in summary.charts.items()]
    (dest / "summary.md").write_text("\n".join(lines) + "\n", encoding="utf-8")

    body = [f"<h1>Theme prevalence: {html.escape(str(outdir))}</h1>",
            f"<p>{summary.n_ok} of {summary.n_documents} documents coded successfully; Wilson 95% intervals.</p>",
            prev.to_html(index=False, float_format=lambda v: f"{v:.1f}")]
    if summary.ppi is not None and len(summary.ppi):
        body += ["<h2>Bias-corrected prevalence (PPI)</h2>",
                 "".join(f"<p>{html.escape(note)}</p>" for note in summary.ppi_notes),
                 summary.ppi.drop(columns=["warning"]).to_html(index=False, float_format=lambda v: f"{v:.1f}")]
    body += [f'<h2>{html.escape(name)}</h2><img src="{path.name}" style="max-width:100%">'
             for name, path in summary.charts.items()]
    (dest / "summary.html").write_text(
        "<!doctype html><meta charset='utf-8'><title>Theme prevalence</title>"
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:2px 6px}</style>" + "\n".join(body), encoding="utf-8")
    (dest / "summary.json").write_text(json.dumps({
        "outdir": str(outdir), "n_documents": summary.n_documents, "n_ok": summary.n_ok,
        "group_columns": summary.group_columns, "charts": {k: v.name for k, v in summary.charts.items()},
    }, indent=2) + "\n", encoding="utf-8")


def _label(value) -> str:
    """2019.0 (a year read back from a column with gaps) prints as 2019."""
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def draw_charts(summary: Summary, dest: Path) -> dict[str, Path]:
    """Prevalence bars with intervals, a year (or first grouping) x theme heatmap, co-occurrence heatmap."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    charts: dict[str, Path] = {}
    prev = summary.prevalence.sort_values(["percent", "theme"], ascending=[True, False])
    names = [summary.labels.get(t, t) for t in prev["theme"]]
    fig, ax = plt.subplots(figsize=(8, 0.32 * len(prev) + 1.4))
    ax.barh(names, prev["percent"], color="#4c72b0")
    ax.errorbar(prev["percent"], names, xerr=[prev["percent"] - prev["ci_low"], prev["ci_high"] - prev["percent"]],
                fmt="none", ecolor="black", capsize=2, linewidth=0.8)
    ax.set_xlim(0, 100)
    ax.set_xlabel(f"% of {summary.n_ok} coded documents (Wilson 95% CI)")
    ax.set_title("Theme prevalence")
    fig.tight_layout()
    charts["prevalence"] = dest / "prevalence.png"
    fig.savefig(charts["prevalence"], dpi=120)
    plt.close(fig)

    column = "year" if "year" in summary.group_columns else (summary.group_columns[0] if summary.group_columns else None)
    if column is not None:
        part = summary.by_group[summary.by_group["column"] == column]
        grid = part.pivot(index="theme", columns="group", values="percent").reindex(summary.themes)
        counts = part.drop_duplicates("group").set_index("group")["n"].reindex(grid.columns)
        fig, ax = plt.subplots(figsize=(1.0 * len(grid.columns) + 4, 0.3 * len(grid) + 1.6))
        image = ax.imshow(grid.to_numpy(dtype=float), aspect="auto", cmap="viridis", vmin=0, vmax=100)
        ax.set_xticks(range(len(grid.columns)), [f"{_label(g)}\n(n={n})" for g, n in counts.items()], fontsize=8)
        ax.set_yticks(range(len(grid)), [summary.labels.get(t, t) for t in grid.index], fontsize=8)
        ax.set_xlabel(column)
        ax.set_title(f"Theme prevalence (%) by {column}")
        fig.colorbar(image, ax=ax, label="% of documents")
        fig.tight_layout()
        charts[f"{column}_heatmap"] = dest / f"{column}_theme_heatmap.png"
        fig.savefig(charts[f"{column}_heatmap"], dpi=120)
        plt.close(fig)

    co = summary.cooccurrence
    fig, ax = plt.subplots(figsize=(0.36 * len(co) + 3, 0.36 * len(co) + 2))
    image = ax.imshow(co.to_numpy(), cmap="Blues", vmin=0)
    short = [summary.labels.get(t, t) for t in co.index]
    ax.set_xticks(range(len(co)), short, rotation=90, fontsize=7)
    ax.set_yticks(range(len(co)), short, fontsize=7)
    if len(co) <= 30:
        peak = max(1, int(co.to_numpy().max()))
        for i in range(len(co)):
            for j in range(len(co)):
                value = int(co.iat[i, j])
                ax.text(j, i, str(value), ha="center", va="center", fontsize=5,
                        color="white" if value > peak / 2 else "black")
    ax.set_title("Documents tagged with both themes (diagonal: theme alone)")
    fig.colorbar(image, ax=ax, label="documents")
    fig.tight_layout()
    charts["cooccurrence"] = dest / "cooccurrence.png"
    fig.savefig(charts["cooccurrence"], dpi=120)
    plt.close(fig)
    return charts
