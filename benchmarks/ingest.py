"""Ingestion throughput on ../shared/data/pdfs/gov: ours vs raw pdfplumber and pypdfium2.

Prints pages/s for (1) full ingestion (extract + clean + segment), (2) raw
pdfplumber ``extract_text()`` (on a page sample, it is slow), (3) raw
pypdfium2 ``get_text_range()``, the ratios, and peak memory of full ingestion
for a short and a long document (each measured in a fresh child process).
Each rate is given by the wall clock and per CPU-second (this process and its
children, such as ingestion's reader process): on a shared machine the wall
clock swings with other work, CPU time much less.

    .venv/bin/python benchmarks/ingest.py [--plumber-pages 60]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOV = ROOT.parent / "shared" / "data" / "pdfs" / "gov"
sys.path.insert(0, str(ROOT))


def _clock() -> tuple[float, float]:
    """Wall-clock seconds and CPU seconds of this process and its finished children."""
    t = os.times()
    return time.perf_counter(), t.user + t.system + t.children_user + t.children_system


def _since(start: tuple[float, float]) -> tuple[float, float]:
    now = _clock()
    return now[0] - start[0], now[1] - start[1]


def raw_pdfium(files: list[Path]) -> tuple[int, tuple[float, float]]:
    import pypdfium2 as pdfium

    pages, started = 0, _clock()
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
    return pages, _since(started)


def raw_pdfplumber(files: list[Path], per_file: int) -> tuple[int, tuple[float, float]]:
    import pdfplumber

    pages, started = 0, _clock()
    for f in files:
        with pdfplumber.open(str(f)) as pdf:
            for page in pdf.pages[:per_file]:
                page.extract_text()
                page.flush_cache()
                pages += 1
    return pages, _since(started)


def full(files: list[Path]) -> tuple[int, int, tuple[float, float]]:
    from practice_themes.clean import clean_document
    from practice_themes.ingest import ingest_file
    from practice_themes.segment import segment_document, sentence_pipeline

    sentence_pipeline()  # loading spaCy is a one-off, not per page
    pages = passages = 0
    started = _clock()
    for f in files:
        doc = clean_document(ingest_file(f, ocr=False))
        passages += len(segment_document(doc))
        pages += doc.n_pages
    return pages, passages, _since(started)


def _rss_mib() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def _peak_child(path: str, queue) -> None:
    """Ingest one file in a fresh process; report baseline, peak RSS and Python heap peak."""
    import threading
    import tracemalloc

    from practice_themes.clean import clean_document
    from practice_themes.ingest import ingest_file
    from practice_themes.segment import segment_document, sentence_pipeline

    sentence_pipeline()
    baseline = _rss_mib()
    peak = [baseline]
    done = threading.Event()

    def sample() -> None:  # RSS includes pdfium's native memory, which tracemalloc cannot see
        while not done.is_set():
            peak[0] = max(peak[0], _rss_mib())
            done.wait(0.005)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    tracemalloc.start()
    doc = clean_document(ingest_file(path, ocr=False))
    segment_document(doc)
    heap_peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    done.set()
    sampler.join()
    queue.put((doc.n_pages, baseline, max(peak[0], _rss_mib()), heap_peak))


def peak_memory(path: Path) -> tuple[int, float, float, float]:
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_peak_child, args=(str(path), queue))
    proc.start()
    result = queue.get()
    proc.join()
    return result


def build_long_pdf(sources: list[Path], n_pages: int, out: Path) -> Path:
    """Concatenate real gov pages into an ``n_pages`` PDF, so layout stays realistic."""
    import pypdfium2 as pdfium

    if out.exists():
        return out
    merged = pdfium.PdfDocument.new()
    while len(merged) < n_pages:
        for src in sources:
            pdf = pdfium.PdfDocument(str(src))
            take = min(len(pdf), n_pages - len(merged))
            merged.import_pages(pdf, list(range(take)))
            pdf.close()
            if len(merged) >= n_pages:
                break
    out.parent.mkdir(parents=True, exist_ok=True)
    merged.save(str(out))
    merged.close()
    return out


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
    print(f"gov PDFs: {len(files)} files, {n_full} pages, {n_passages} passages")
    print(f"{'':40} {'wall':>10} {'CPU':>14}")
    measured = (("full ingestion (extract+clean+segment)", n_full, t_full),
                ("raw pypdfium2 get_text_range", n_raw, t_raw),
                (f"raw pdfplumber extract_text ({n_plumb} pages)", n_plumb, t_plumb))
    rates = [(n / wall, n / cpu) for _, n, (wall, cpu) in measured]
    for (label, _, _), (per_wall, per_cpu) in zip(measured, rates):
        print(f"{label + ':':40} {per_wall:6.1f} pages/s {per_cpu:6.1f} pages/CPU-s")
    (full_wall, full_cpu), (raw_wall, raw_cpu), (plumb_wall, plumb_cpu) = rates
    print(f"full / pdfplumber = {full_wall / plumb_wall:5.1f}x wall, {full_cpu / plumb_cpu:5.1f}x CPU (goal >= 15x)")
    print(f"full / pypdfium2  = {full_wall / raw_wall:5.2f} wall, {full_cpu / raw_cpu:5.2f} CPU (goal >= 0.33)")
    cache = Path(__file__).resolve().parents[1] / ".benchcache"
    sizes = {}
    for n in (100, 400):
        path = build_long_pdf(files, n, cache / f"gov_{n}_pages.pdf")
        pages, base, peak, heap = peak_memory(path)
        sizes[n] = (peak, peak - base, heap)
        print(f"peak memory, {pages:3d}-page PDF: RSS {peak:7.1f} MiB total, +{peak - base:6.1f} MiB over "
              f"the loaded libraries; Python heap peak {heap:6.1f} MiB")
    print(f"400-page / 100-page: total RSS {sizes[400][0] / sizes[100][0]:4.2f}x, "
          f"growth over libraries {sizes[400][1] / max(sizes[100][1], 1e-9):4.2f}x, "
          f"heap {sizes[400][2] / sizes[100][2]:4.2f}x (goal: total < 4x)")


def _n_pages(path: Path) -> int:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        return len(pdf)
    finally:
        pdf.close()


if __name__ == "__main__":
    main()
