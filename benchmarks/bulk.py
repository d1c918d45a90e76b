"""Bulk-coding benchmark: throughput with 1 and 2 workers, memory per worker, time per stage.

    .venv/bin/python benchmarks/bulk.py            # default N, about 10 minutes on 2 cores
    .venv/bin/python benchmarks/bulk.py --n 200    # the overnight-style run

Generates N review-like PDFs of 30-50 pages into a cache folder outside git
(~/.cache/practice-themes/bench-bulk). Their paragraphs are drawn, shuffled,
from the corpus sources (corpus/source/*.md), so sentences rarely repeat
within a document; the corpus renderer's ``repeat_body`` would repeat every
body sentence and flatter a classifier that deduplicates sentences.
Each configuration runs ``run_corpus`` (the code command's engine) into a
fresh output folder with the real zero-shot classifier, unless --model says
otherwise. Results go to stdout and to benchmarks/results/bulk.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # synthetic_reviews: the test suite's review PDF writer

from practice_themes.bulk.inputs import expand_inputs  # noqa: E402
from practice_themes.bulk.runner import RunSettings, run_corpus  # noqa: E402
from synthetic_reviews import write_pdf  # noqa: E402
from practice_themes.classify.loader import ClassifierSpec  # noqa: E402

CACHE = Path(os.environ.get("PRACTICE_THEMES_BENCH_CACHE", Path.home() / ".cache" / "practice-themes" / "bench-bulk"))
TARGET_DOCS, TARGET_PAGES = 2000, 50


def source_paragraphs() -> list[str]:
    paragraphs = []
    for md in sorted((ROOT / "corpus" / "source").glob("*.md")):
        text = md.read_text(encoding="utf-8")
        text = re.sub(r"\A---.*?---", "", text, flags=re.S)  # front matter
        for para in re.split(r"\n\s*\n", text):
            para = " ".join(para.split())
            para = re.sub(r"^[#>*\-|0-9.\s]+", "", para).replace("**", "").replace("|", " ")
            if len(para.split()) >= 12:
                paragraphs.append(para)
    if not paragraphs:
        raise SystemExit("no corpus/source/*.md paragraphs to build benchmark documents from")
    return paragraphs


def make_corpus(n: int, seed: int = 0) -> tuple[Path, int]:
    """N PDFs of 30-50 pages in the cache; returns the folder and total pages."""
    folder = CACHE / f"n{n}_s{seed}_v2"
    paragraphs = source_paragraphs()
    rng = random.Random(seed)
    pages_total = 0
    folder.mkdir(parents=True, exist_ok=True)
    wanted = set()
    for i in range(n):
        pages = rng.randint(30, 50)
        order = paragraphs[:]
        rng.shuffle(order)
        path = folder / f"bench_{i:04d}_{pages}p.pdf"
        wanted.add(path.name)
        if not path.exists():
            # 13 pt on 22 pt leading: about 350 words a page, like the corpus and gov.uk PDFs.
            write_pdf(path, order, pages=pages, title=f"Local Child Safeguarding Practice Review {i}",
                      font_size=13, leading=22, margin=90)
        pages_total += pages
    for stale in folder.glob("*.pdf"):  # left by a run when the corpus sources were different
        if stale.name not in wanted:
            stale.unlink()
    return folder, pages_total


class RssSampler:
    """Peak resident memory of each child process (the workers), sampled every 0.2 s."""

    def __init__(self) -> None:
        import psutil

        self._me = psutil.Process()
        self.peak: dict[int, int] = {}
        self.series: list[tuple[float, int, int]] = []  # (time, pid, rss)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for child in self._me.children(recursive=True):
                try:
                    rss = child.memory_info().rss
                except Exception:  # noqa: BLE001 - a worker exited between listing and reading
                    continue
                self.peak[child.pid] = max(self.peak.get(child.pid, 0), rss)
                self.series.append((time.perf_counter(), child.pid, rss))
            time.sleep(0.2)

    def __enter__(self) -> "RssSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def run_config(corpus: Path, workers: int, model: str | None, label: str) -> dict:
    out = CACHE / "out" / label
    shutil.rmtree(out, ignore_errors=True)
    spec = ClassifierSpec(model=model, torch_threads=1)
    settings = RunSettings(workers=workers, progress=False, timeout_s=600)
    with RssSampler() as rss:
        started = time.perf_counter()
        outcome = run_corpus(expand_inputs([corpus]), out, spec, settings)
    m = outcome.manifest
    t = m["timings"]
    stages = t["stage_seconds_summed_over_workers"]
    coding = t["coding"]
    pages, docs = m["counts"]["pages_computed"], m["counts"]["computed"]
    core = stages["ingest"] + stages["classify"]  # ingestion + embedding + scoring
    peaks = sorted(rss.peak.values(), reverse=True)[:workers]
    # Flatness within one run: the workers' peak in the first vs the second half of the coding phase.
    begin = started + t["startup"] + t["hash"]
    middle, end = begin + coding / 2, begin + coding
    half_peaks = [max([r for ts, _, r in rss.series if lo <= ts < hi], default=0) / 2**20
                  for lo, hi in ((begin, middle), (middle, end))]
    # Workers' CPU seconds over (workers x wall): below 1 means they waited for a core
    # (other load on the machine) or for work; the CPU-normalised rate corrects for that.
    cpu_efficiency = t["worker_cpu_seconds"] / (workers * coding)
    return {
        "label": label, "workers": workers, "documents": docs, "pages": pages, "failed": m["counts"]["failed"],
        "startup_s": t["startup"], "coding_s": coding, "tables_s": t["tables"], "wall_s": t["wall"],
        "docs_per_min": 60 * docs / coding, "pages_per_s": pages / coding,
        "stage_s": stages,
        "stage_share": {k: v / max(1e-9, sum(stages.values())) for k, v in stages.items()},
        # Work outside ingest+classify, as a share of the coding wall time (per worker).
        "overhead_share_coding": max(0.0, 1 - core / workers / coding),
        "overhead_share_total": max(0.0, 1 - core / workers / t["wall"]),
        "peak_rss_mb_per_worker": [round(p / 2**20) for p in peaks],
        "peak_rss_mb_first_half_second_half": [round(v) for v in half_peaks],
        "worker_cpu_s": t["worker_cpu_seconds"], "cpu_efficiency": cpu_efficiency,
        "pages_per_s_cpu_normalised": pages / coding / cpu_efficiency,
        "loadavg_1m_after": os.getloadavg()[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10, help="documents in the large corpus (small one is n/2)")
    parser.add_argument("--model", default=None, help="classifier (default: zero-shot from the codebook)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "bulk.json")
    args = parser.parse_args()

    big, big_pages = make_corpus(args.n)
    # The small corpus is the first half of the large one, so that only the corpus size differs.
    half = sorted(big.glob("*.pdf"))[: max(1, args.n // 2)]
    small = CACHE / f"first_{len(half)}_of_{args.n}.txt"
    small.write_text("\n".join(str(p) for p in half) + "\n", encoding="utf-8")
    small_pages = sum(int(p.stem.rsplit("_", 1)[1].rstrip("p")) for p in half)
    print(f"corpus: {args.n} docs / {big_pages} pages; small corpus {args.n // 2} docs / {small_pages} pages "
          f"(cache {CACHE})", flush=True)
    runs = {}
    for label, corpus, workers in (("w1", big, 1), ("w2", big, 2), ("w2_small", small, 2)):
        runs[label] = run_config(corpus, workers, args.model, label)
        r = runs[label]
        print(f"{label}: {r['documents']} docs {r['pages']} pages in {r['coding_s']:.1f} s coding "
              f"({r['docs_per_min']:.2f} docs/min, {r['pages_per_s']:.2f} pages/s), startup {r['startup_s']:.1f} s, "
              f"peak RSS/worker {r['peak_rss_mb_per_worker']} MB (1st/2nd half {r['peak_rss_mb_first_half_second_half']}), CPU efficiency {r['cpu_efficiency']:.0%}, "
              f"load {r['loadavg_1m_after']:.1f}", flush=True)

    w1, w2 = runs["w1"], runs["w2"]
    scaling = w2["pages_per_s"] / w1["pages_per_s"]
    scaling_cpu = w2["pages_per_s_cpu_normalised"] / w1["pages_per_s_cpu_normalised"]
    projected_h = (TARGET_DOCS * TARGET_PAGES / w2["pages_per_s"] + w2["startup_s"]) / 3600
    # The same projection had the workers had both cores to themselves (see cpu_efficiency).
    projected_h_cpu = (TARGET_DOCS * TARGET_PAGES / w2["pages_per_s_cpu_normalised"] + w2["startup_s"]) / 3600
    summary = {
        "n_docs": args.n, "pages": big_pages, "model": args.model or "zero-shot", "cpu_count": os.cpu_count(),
        "scaling_2_vs_1": scaling,
        "scaling_2_vs_1_cpu_normalised": scaling_cpu,
        "projected_hours_2000x50_2_workers": projected_h,
        "projected_hours_2000x50_2_workers_cpu_normalised": projected_h_cpu,
        "peak_rss_mb_per_worker": {"small": runs["w2_small"]["peak_rss_mb_per_worker"],
                                   "large": w2["peak_rss_mb_per_worker"]},
        "goals": {
            "scaling>=1.7": scaling >= 1.7,
            "rss<=1.5GB_and_flat": max(w2["peak_rss_mb_per_worker"] + runs["w2_small"]["peak_rss_mb_per_worker"]) <= 1536
            and max(w2["peak_rss_mb_per_worker"]) <= 1.1 * max(runs["w2_small"]["peak_rss_mb_per_worker"]),
            "projected<2h": projected_h < 2,
            "overhead<10%": w2["overhead_share_coding"] < 0.10,
        },
        "runs": runs,
    }
    print(json.dumps({k: v for k, v in summary.items() if k != "runs"}, indent=2))
    print("time per stage (2 workers, summed over workers, s):",
          {k: round(v, 1) for k, v in w2["stage_s"].items()},
          f"overhead share of coding wall: {w2['overhead_share_coding']:.1%}, of total wall: "
          f"{w2['overhead_share_total']:.1%}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
