"""Real text: each seed paragraph's heading theme ranks 1st or 2nd (zero-shot)."""

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SEED = SHARED / "seeds" / "004_30fe8f6ec7eddf9b.txt"


@pytest.mark.slow
@pytest.mark.skipif(not SEED.is_file(), reason="../shared seed file not available")
def test_each_seed_heading_theme_ranks_first_or_second(zero_shot):
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from seedcheck import seed_ranks  # reads ../shared, so it lives with the benchmarks, not the package

    rows = seed_ranks(zero_shot, SEED)
    assert len(rows) == 11
    failures = [(r["heading"], r["ranks"], r["top3"]) for r in rows if r["rank"] > 2]
    assert not failures
