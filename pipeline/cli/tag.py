"""``practice-themes tag``: tag texts you already have (JSON lines in, JSON lines out)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from pipeline.cli.app import app

CHUNK_LINES = 512  # lines scored per encoding batch


def parse_line(raw: str, number: int) -> tuple[object, str] | dict:
    """(id, text) for a good input line, else an error record naming the line number."""
    try:
        record = json.loads(raw)
    except json.JSONDecodeError as exc:
        return {"line": number, "error": f"line {number}: not valid JSON ({exc.msg})"}
    if not isinstance(record, dict):
        return {"line": number, "error": f"line {number}: expected a JSON object with 'id' and 'text'"}
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        return {"id": record.get("id"), "line": number, "error": f"line {number}: no text"}
    return record.get("id", number), text


def output_record(record_id, tags) -> dict:
    """The output line: present ids, a probability for every theme, evidence for present themes."""
    return {
        "id": record_id,
        "present": [t.theme_id for t in tags if t.present],
        "scores": {t.theme_id: round(t.score, 4) for t in tags},
        "evidence": {t.theme_id: [{"text": e.passage.text, "start": e.passage.start, "end": e.passage.end}
                                  for e in t.evidence] for t in tags if t.present},
    }


def tag_lines(lines, classifier, write) -> tuple[int, int]:
    """Tag JSON lines, calling ``write(record)`` in input order; returns (tagged, errors)."""
    from pipeline.classify.text import passages_from_text

    tagged = errors = 0
    pending: list[tuple[int, object, list]] = []

    def flush():
        nonlocal tagged
        results = classifier.tag_documents([p for _, _, p in pending])
        for (_, record_id, _), tags in zip(pending, results):
            write(output_record(record_id, tags))
            tagged += 1
        pending.clear()

    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        parsed = parse_line(raw, number)
        if isinstance(parsed, dict):
            flush()
            write(parsed)
            errors += 1
            continue
        record_id, text = parsed
        pending.append((number, record_id, passages_from_text(text, doc_id=str(record_id))))
        if len(pending) >= CHUNK_LINES:
            flush()
    flush()
    return tagged, errors


@app.command("tag")
def tag(
    input_path: Path = typer.Argument(..., help='JSON lines: {"id": ..., "text": ...} per line.'),
    out: Path = typer.Option(..., "-o", "--out", help="Output JSON lines file."),
    model: str = typer.Option(None, "--model", help="Trained model name or folder (default: zero-shot)."),
    codebook_path: Path = typer.Option(None, "--codebook", help="Codebook YAML (default: the shipped one)."),
    threshold: list[str] = typer.Option(None, "--threshold", help="0.5 for every theme, or THEME=0.4; repeatable."),
) -> None:
    """Tag each line's text; bad lines become error records, never abort the file."""
    from rich.console import Console

    from pipeline.classify import load_classifier
    from pipeline.classify.aggregate import parse_threshold_overrides
    from pipeline.codebook import load_codebook

    console = Console(stderr=True)
    if not input_path.is_file():
        console.print(f"[red]error:[/red] input not found: {input_path}")
        raise typer.Exit(code=2)
    try:
        codebook = load_codebook(codebook_path)
        thresholds = parse_threshold_overrides(threshold, codebook.ids)
        classifier = load_classifier(model, codebook=codebook, thresholds=thresholds)
    except ValueError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(code=2) from None
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(input_path, encoding="utf-8", errors="replace") as source, open(out, "w", encoding="utf-8") as sink:
        tagged, errors = tag_lines(source, classifier,
                                   lambda r: sink.write(json.dumps(r, ensure_ascii=False) + "\n"))
    console.print(f"tagged {tagged} line(s), {errors} error record(s) -> {out}")
