"""Time pre-screening one 40-page review: cold command, warm server, and where the time goes.

    .venv/bin/python benchmarks/screen.py [--pages 40] [--runs 3] [--out benchmarks/out/screen.json]

1. **cold**: ``practice-themes screen REVIEW.pdf -o report.html`` in a fresh
   process, from process start to exit (the report is written last). The
   first run may have to fit the classifier (empty cache); it is reported
   apart from the cached cold runs.
2. **warm**: ``practice-themes serve`` started once; each upload is timed
   from sending the request to the full report response.
3. **split**: one cold run in a child process with a clock around each
   phase: imports, model load (plain torch: no transformers or sentence-transformers), classifier fit (codebook vectors cached), ingest, clean,
   segment, embedding (inside classify), scoring, report, HTML rendering.

Goals (issue 7, 2-core machine): cold <= 10 s, warm <= 3 s. The 40-page PDF
is rendered from a corpus source with ``corpus/build.py`` into
``.benchcache/screen/`` (outside git) and reused.
Wall times depend on what else the machine runs; the CPU seconds of the
split show the work itself.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".benchcache" / "screen"
SOURCE = ROOT / "corpus" / "source" / "r01_lcspr_child_a.md"
GOALS = {"cold": 10.0, "warm": 3.0}
CLI = [sys.executable, "-c", "from practice_themes.cli import app; app()"]


def review_pdf(pages: int) -> Path:
    """A PDF of at least ``pages`` pages of distinct text, rendered once and cached.

    The body chains the bodies of several single-column corpus reviews under
    r01's front matter. Repeating one review's body would repeat every
    sentence, which the classifier embeds once, and so flatter the timing.
    """
    out = CACHE / f"{SOURCE.stem}_distinct_{pages}p.pdf"
    if out.exists():
        return out
    sys.path.insert(0, str(ROOT / "corpus"))
    from dataclasses import replace

    from build import parse_source, render_pdf

    first = parse_source(SOURCE)
    others = [parse_source(path) for path in sorted((ROOT / "corpus" / "source").glob("r*.md"))]
    others = [r for r in others if r.format == "pdf" and r.layout == "single" and r.doc_id != first.doc_id]
    blocks = list(first.blocks)
    for review in others:
        blocks.extend(review.blocks)
        n = render_pdf(replace(first, blocks=blocks, image_pages=()), out)
        if n >= pages:
            return out
    raise SystemExit(f"the corpus has too little distinct text for a {pages}-page review")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cold_runs(pdf: Path, runs: int, workdir: Path, cpu: list[float] | None = None) -> list[float]:
    """Wall seconds per fresh-process screen; appends each run's CPU seconds to ``cpu``."""
    times = []
    for i in range(runs):
        report = workdir / f"cold{i}.html"
        started, cpu_before = time.perf_counter(), _children_cpu()
        subprocess.run([*CLI, "screen", str(pdf), "-o", str(report)], check=True, cwd=ROOT,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        times.append(time.perf_counter() - started)
        if cpu is not None:
            cpu.append(_children_cpu() - cpu_before)
        assert report.stat().st_size > 0
    return times


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def warm_runs(pdf: Path, runs: int) -> dict:
    import httpx

    port = _free_port()
    started = time.perf_counter()
    server = subprocess.Popen([*CLI, "serve", "--port", str(port)], cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"server exited: {server.stderr.read()}")
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        ready = time.perf_counter() - started
        times = []
        data = pdf.read_bytes()
        for _ in range(runs):
            t = time.perf_counter()
            response = httpx.post(f"{base}/screen", files={"file": (pdf.name, data, "application/pdf")}, timeout=300)
            times.append(time.perf_counter() - t)
            assert response.status_code == 200, response.text[:500]
        return {"server_ready_s": ready, "uploads_s": times}
    finally:
        server.terminate()
        server.wait(timeout=30)


SPLIT_CHILD = r"""
import json, sys, time
t0 = time.perf_counter(); c0 = time.process_time()
out = {}
def lap(name, _s={"t": t0, "c": c0}):
    t, c = time.perf_counter(), time.process_time()
    out[name] = {"wall": t - _s["t"], "cpu": c - _s["c"]}
    _s["t"], _s["c"] = t, c
from practice_themes.cli import app
import practice_themes.screen.screener, practice_themes.screen.render, practice_themes.process
lap("import: cli + pipeline")
import torch, spacy
lap("import: torch, spacy")
from practice_themes.embed import default_embedder
default_embedder().encoder()  # the Screener below is handed this same embedder
lap("model load (weights, no transformers)")
from practice_themes.screen.screener import Screener
screener = Screener()
lap("classifier (cached fit)")
embedder = default_embedder()
encode, spent = embedder.encode, [0.0, 0.0]
def timed(*a, **k):
    t, c = time.perf_counter(), time.process_time()
    try:
        return encode(*a, **k)
    finally:
        spent[0] += time.perf_counter() - t; spent[1] += time.process_time() - c
embedder.encode = timed  # the classifiers call self.embedder_.encode: this same object
report = screener.screen(sys.argv[1])
lap("screen")
from practice_themes.screen.render import write_report
write_report(report, sys.argv[2])
lap("render + write")
screen = out.pop("screen")
stages = {k: v for k, v in report.timings.items()}
for k in ("ingest", "clean", "segment"):
    out[k] = {"wall": stages.get(k, 0.0), "cpu": None}
out["embedding"] = {"wall": spent[0], "cpu": spent[1]}
out["scoring (classify minus embedding)"] = {"wall": stages.get("classify", 0.0) - spent[0], "cpu": None}
out["report"] = {"wall": stages.get("report", 0.0), "cpu": None}
out["_screen_total"] = screen
out["_pages"] = report.n_pages; out["_sentences"] = report.n_sentences
out["_sentence_transformers_imported"] = "sentence_transformers" in sys.modules
print(json.dumps(out))
"""


def split_run(pdf: Path, workdir: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", SPLIT_CHILD, str(pdf), str(workdir / "split.html")], cwd=ROOT,
                          check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=40)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "screen.json")
    parser.add_argument("--empty-cache", action="store_true", help="Also time a cold run with no cached classifier.")
    args = parser.parse_args(argv)

    pdf = review_pdf(args.pages)
    results: dict = {"pdf": str(pdf.relative_to(ROOT)), "cpus": os.cpu_count(), "load_before": os.getloadavg()}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        if args.empty_cache:
            env_cache = workdir / "empty-cache"
            os.environ["PRACTICE_THEMES_CACHE"] = str(env_cache)
            results["cold_empty_cache_s"] = cold_runs(pdf, 1, workdir)[0]
        else:
            cold_runs(pdf, 1, workdir)  # make sure the classifier cache is filled
        results["cold_cpu_s"] = []
        results["cold_s"] = cold_runs(pdf, args.runs, workdir, results["cold_cpu_s"])
        results["split"] = split_run(pdf, workdir)
        results["warm"] = warm_runs(pdf, args.runs)
    results["load_after"] = os.getloadavg()
    cold = statistics.median(results["cold_s"])
    warm = statistics.median(results["warm"]["uploads_s"])
    split = results["split"]
    print(f"{split['_pages']}-page review ({split['_sentences']} sentences), {results['cpus']} CPUs, "
          f"load {results['load_before'][0]:.1f}")
    if "cold_empty_cache_s" in results:
        print(f"cold, empty classifier cache : {results['cold_empty_cache_s']:6.2f} s")
    print(f"cold screen (median of {args.runs})  : {cold:6.2f} s  goal <= {GOALS['cold']:g} s  "
          f"{'OK' if cold <= GOALS['cold'] else 'MISSED'}  runs {', '.join(f'{t:.2f}' for t in results['cold_s'])}"
          f"  (CPU s {', '.join(f'{t:.2f}' for t in results['cold_cpu_s'])})")
    print(f"warm server upload (median)  : {warm:6.2f} s  goal <= {GOALS['warm']:g} s  "
          f"{'OK' if warm <= GOALS['warm'] else 'MISSED'}  runs "
          f"{', '.join(f'{t:.2f}' for t in results['warm']['uploads_s'])} (server ready after "
          f"{results['warm']['server_ready_s']:.1f} s)")
    print("split of one cold run (wall s / cpu s):")
    for name, v in split.items():
        if not name.startswith("_"):
            cpu = f"{v['cpu']:6.2f}" if v.get("cpu") is not None else "     -"
            print(f"  {name:42s} {v['wall']:6.2f} {cpu}")
    print(f"  sentence-transformers imported on the screen path: {split['_sentence_transformers_imported']}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
