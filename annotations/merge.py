"""Merge the per-coder coding files into ``codings.csv`` (sorted, deduplicated)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
COLUMNS = ["doc_id", "coder", "theme", "quote", "note"]


def merge(folder: Path = HERE) -> pd.DataFrame:
    parts = sorted(folder.glob("coder_*.csv"))
    frames = [pd.read_csv(p, dtype=str, keep_default_na=False) for p in parts]
    merged = pd.concat(frames, ignore_index=True)[COLUMNS]
    merged = merged.drop_duplicates().sort_values(["doc_id", "coder", "theme", "quote"], kind="stable")
    return merged.reset_index(drop=True)


if __name__ == "__main__":
    table = merge()
    table.to_csv(HERE / "codings.csv", index=False)
    print(f"wrote {HERE / 'codings.csv'}: {len(table)} rows, {table['doc_id'].nunique()} documents, "
          f"coders {sorted(table['coder'].unique())}")
