"""Ingestion throughput on ../shared/data/pdfs/gov: ours vs raw pdfplumber and pypdfium2.

Prints pages/s for (1) full ingestion (extract + clean + segment), (2) raw
pdfplumber ``extract_text()`` (on a page sample, it is slow), (3) raw
pypdfium2 ``get_text_range()``, the ratios, and peak memory of full ingestion
for a short and a long document (each measured in a fresh child process).

    .venv/bin/python benchmarks/ingest.py [--plumber-pages 60]
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOV = ROOT.parent / "shared" / "data" / "pdfs" / "gov"
sys.path.insert(0, str(ROOT))


def raw_pdfium(files: list[Path]) -> tuple[int, float]:
    import pypdfium2 as pdfium

    pages, started = 0, time.perf_counter()
    for f in files:
        pdf = pdfium.PdfDocument(str(f))
        for i in range(len(pdf)):
            page = pdf[i]
            textpage = page.get_textpage()
            textpage.get_text_range()
            textpage.close()
            page.close()
            pages += 1
        pdf.close()
    return pages, time.perf_counter() - started


def raw_pdfplumber(files: list[Path], per_file: int) -> tuple[int, float]:
    import pdfplumber

    pages, started = 0, time.perf_counter()
    for f in files:
        with pdfplumber.open(str(f)) as pdf:
            for page in pdf.pages[:per_file]:
                page.extract_text()
                page.flush_cache()
                pages += 1
    return pages, time.perf_counter() - started


def full(files: list[Path]) -> tuple[int, int, float]:
    from pipeline.clean import clean_document
    from pipeline.ingest import ingest_file
    from pipeline.segment import segment_document, sentence_pipeline

    sentence_pipeline()  # loading spaCy is a one-off, not per page
    pages = passages = 0
    started = time.perf_counter()
    for f in files:
        doc = clean_document(ingest_file(f, ocr=False))
        passages += len(segment_document(doc))
        pages += doc.n_pages
    return pages, passages, time.perf_counter() - started


def _peak_child(path: str, queue) -> None:
    from pipeline.clean import clean_document
    from pipeline.ingest import ingest_file
    from pipeline.segment import segment_document, sentence_pipeline

    sentence_pipeline()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    doc = clean_document(ingest_file(path, ocr=False))
    segment_document(doc)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    queue.put((doc.n_pages, before / 1024, after / 1024))


def peak_memory(path: Path) -> tuple[int, float, float]:
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_peak_child, args=(str(path), queue))
    proc.start()
    result = queue.get()
    proc.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plumber-pages", type=int, default=8, help="pages per file for pdfplumber (slow)")
    args = parser.parse_args()
    if not GOV.is_dir():
        print(f"skipped: {GOV} not found")
        return
    files = sorted(GOV.glob("*.pdf"))
    raw_pdfium(files[:1])  # warm the library and the page cache
    n_raw, t_raw = raw_pdfium(files)
    n_full, n_passages, t_full = full(files)
    n_plumb, t_plumb = raw_pdfplumber(files, args.plumber_pages)
    full_rate, raw_rate, plumb_rate = n_full / t_full, n_raw / t_raw, n_plumb / t_plumb
    print(f"gov PDFs: {len(files)} files, {n_full} pages, {n_passages} passages")
    print(f"full ingestion (extract+clean+segment): {full_rate:8.1f} pages/s")
    print(f"raw pypdfium2 get_text_range:           {raw_rate:8.1f} pages/s")
    print(f"raw pdfplumber extract_text ({n_plumb} pages): {plumb_rate:8.1f} pages/s")
    print(f"full / pdfplumber = {full_rate / plumb_rate:5.1f}x (goal >= 15x)")
    print(f"full / pypdfium2  = {full_rate / raw_rate:5.2f}  (goal >= 0.33)")
    for label, path in (("short", min(files, key=_n_pages)), ("long", max(files, key=_n_pages))):
        pages, base, peak = peak_memory(path)
        print(f"peak RSS {label:5} ({pages:3d} pages, {path.name[:40]}): {peak:7.1f} MiB "
              f"(+{peak - base:5.1f} MiB over the loaded libraries)")


def _n_pages(path: Path) -> int:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        return len(pdf)
    finally:
        pdf.close()


if __name__ == "__main__":
    main()
