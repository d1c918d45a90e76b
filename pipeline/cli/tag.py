"""``practice-themes tag``: tag texts you already have (JSON lines in, JSON lines out).

Every input line gives exactly one output line: its result, or an error
record with its line number (bad JSON, nesting too deep, bytes that are not
UTF-8, no text, a text that cannot be segmented). Nothing aborts the file.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from practice_themes.cli.app import app
from practice_themes.cli.exits import EXIT_USAGE, exit_on_error

CHUNK_LINES = 512  # lines scored per encoding batch


def _error(number: int, message: str, record_id=None) -> dict:
    record = {"line": number, "error": f"line {number}: {message}"}
    return {"id": record_id, **record} if record_id is not None else record


def decode_line(raw: bytes, number: int) -> str | dict:
    """The line as text, or an error record when its bytes are not UTF-8 (never silently replaced)."""
    try:
        return raw.decode("utf-8-sig" if number == 1 else "utf-8")
    except UnicodeDecodeError as exc:
        return _error(number, f"not UTF-8 (byte 0x{raw[exc.start]:02x} at position {exc.start})")


def parse_line(raw: str, number: int) -> tuple[object, str] | dict:
    """(id, text) for a good input line, else an error record naming the line number."""
    try:
        record = json.loads(raw)
    except json.JSONDecodeError as exc:
        return _error(number, f"not valid JSON ({exc.msg})")
    except RecursionError:
        return _error(number, "JSON nested too deeply to read")
    if not isinstance(record, dict):
        return _error(number, "expected a JSON object with 'id' and 'text'")
    record_id = record.get("id", number)
    if not isinstance(record_id, (str, int, float, bool, type(None))):
        return _error(number, "'id' must be a string or a number")
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        return {"id": record.get("id"), "line": number, "error": f"line {number}: no text"}
    return record_id, text


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
    """Tag JSON lines (``bytes`` or ``str``), calling ``write(record)`` in input order; returns (tagged, errors)."""
    from practice_themes.segment import segment_text

    tagged = errors = 0
    pending: list[tuple[int, object, list]] = []

    def flush():
        nonlocal tagged, errors
        if not pending:
            return
        try:
            results = classifier.tag_documents([p for _, _, p in pending])
        except Exception:  # noqa: BLE001 - find the line that fails instead of losing the batch
            results = None
        for index, (number, record_id, passages) in enumerate(pending):
            try:
                tags = results[index] if results is not None else classifier.tag_documents([passages])[0]
            except Exception as exc:  # noqa: BLE001
                write(_error(number, f"cannot be tagged ({type(exc).__name__}: {exc})"[:500], record_id))
                errors += 1
                continue
            write(output_record(record_id, tags))
            tagged += 1
        pending.clear()

    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        parsed = decode_line(raw, number) if isinstance(raw, bytes) else raw
        if isinstance(parsed, str):
            parsed = parse_line(parsed, number)
        if not isinstance(parsed, dict):
            record_id, text = parsed
            try:
                pending.append((number, record_id, segment_text(text, doc_id=str(record_id))))
            except Exception as exc:  # noqa: BLE001 - one line never aborts the file
                parsed = _error(number, f"cannot be segmented ({type(exc).__name__}: {exc})"[:500], record_id)
        if isinstance(parsed, dict):
            flush()
            write(parsed)
            errors += 1
            continue
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

    from practice_themes.classify import load_classifier
    from practice_themes.classify.aggregate import parse_threshold_overrides
    from practice_themes.codebook import load_codebook

    console = Console(stderr=True)
    if not input_path.is_file():
        console.print(f"[red]error:[/red] input not found: {input_path}")
        raise typer.Exit(EXIT_USAGE)
    with exit_on_error(console, doing="loading the classifier"):
        codebook = load_codebook(codebook_path)
        thresholds = parse_threshold_overrides(threshold, codebook.ids)
        classifier = load_classifier(model, codebook=codebook, thresholds=thresholds)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(input_path, "rb") as source, open(out, "w", encoding="utf-8") as sink:
        tagged, errors = tag_lines(source, classifier,
                                   lambda r: sink.write(json.dumps(r, ensure_ascii=False) + "\n"))
    console.print(f"tagged {tagged} line(s), {errors} error record(s) -> {out}")
