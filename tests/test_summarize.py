"""Summaries against prevalences computed by hand on a six-document fixture."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from practice_themes.stats.prevalence import wilson_ci
from practice_themes.summarize import SummaryError, summarize

# Six documents, one failed. Over the five coded ones:
#   alpha: 3/5; beta: 1/5; both: d1 only.  year 2020: d1,d2,d3 -> alpha 2/3; 2021: d4,d5 -> alpha 1/2.
ROWS = [
    ("d1", "ok", 2020, "north", 1, 1),
    ("d2", "ok", 2020, "south", 1, 0),
    ("d3", "ok", 2020, "north", 0, 0),
    ("d4", "ok", 2021, "north", 1, 0),
    ("d5", "ok", 2021, "south", 0, 0),
    ("d6", "error", 2021, "south", None, None),
]


@pytest.fixture
def outdir(tmp_path):
    frame = pd.DataFrame(ROWS, columns=["doc_id", "status", "year", "area", "alpha", "beta"])
    frame["title"] = [f"Review {i}" for i in range(6)]  # an identifier: not a grouping
    frame["alpha_score"] = frame["alpha"].astype(float) * 0.9
    frame["beta_score"] = frame["beta"].astype(float) * 0.8
    frame.to_csv(tmp_path / "documents.csv", index=False)
    return tmp_path


def test_overall_prevalence_counts_only_coded_documents(outdir):
    s = summarize(outdir, charts=False)
    prev = s.prevalence.set_index("theme")
    assert (s.n_documents, s.n_ok) == (6, 5)
    assert (prev.loc["alpha", "k"], prev.loc["alpha", "n"]) == (3, 5)
    assert prev.loc["alpha", "percent"] == pytest.approx(60.0)
    low, high = wilson_ci(3, 5)
    assert (prev.loc["alpha", "ci_low"], prev.loc["alpha", "ci_high"]) == pytest.approx((100 * low, 100 * high))
    # Wilson for 3/5 by hand: centre (0.6 + 1.96^2/10)/(1 + 1.96^2/5), about 0.23-0.88.
    assert prev.loc["alpha", "ci_low"] == pytest.approx(23.1, abs=0.1)
    assert prev.loc["alpha", "ci_high"] == pytest.approx(88.2, abs=0.1)
    assert (prev.loc["beta", "k"], prev.loc["beta", "percent"]) == (1, pytest.approx(20.0))


def test_prevalence_by_metadata_column_with_denominators(outdir):
    s = summarize(outdir, charts=False)
    assert s.group_columns == ["year", "area"]
    g = s.by_group.set_index(["column", "group", "theme"])
    assert (g.loc[("year", 2020, "alpha"), "k"], g.loc[("year", 2020, "alpha"), "n"]) == (2, 3)
    assert (g.loc[("year", 2021, "alpha"), "k"], g.loc[("year", 2021, "alpha"), "n"]) == (1, 2)
    assert g.loc[("area", "south", "alpha"), "percent"] == pytest.approx(50.0)  # d2 of d2, d5
    assert g.loc[("area", "north", "beta"), "percent"] == pytest.approx(100 / 3)


def test_cooccurrence_matrix(outdir):
    co = summarize(outdir, charts=False).cooccurrence
    assert co.loc["alpha", "alpha"] == 3 and co.loc["beta", "beta"] == 1
    assert co.loc["alpha", "beta"] == co.loc["beta", "alpha"] == 1


def test_reports_and_charts_are_written(outdir):
    s = summarize(outdir, outdir / "sum")
    for name in ("prevalence.csv", "prevalence_by_group.csv", "cooccurrence.csv", "summary.md", "summary.html",
                 "prevalence.png", "year_theme_heatmap.png", "cooccurrence.png"):
        assert (outdir / "sum" / name).stat().st_size > 0, name
    md = (outdir / "sum" / "summary.md").read_text()
    assert "5 of 6 documents" in md and "| 3/5 | 60.0 |" in md and "## By year" in md
    assert set(s.charts) == {"prevalence", "year_heatmap", "cooccurrence"}


def test_human_sample_gives_the_ppi_correction(outdir):
    # Humans coded d1..d4: alpha 1,0,0,1 -> the machine over-calls alpha once (d2).
    pd.DataFrame({"doc_id": ["d1", "d2", "d3", "d4"], "alpha": [1, 0, 0, 1]}).to_csv(outdir / "human.csv", index=False)
    ppi = summarize(outdir, charts=False, human=outdir / "human.csv").ppi.set_index("theme")
    # corrected = mean(machine, all 5) - mean(machine - human, sample) = 0.6 - 1/4
    assert ppi.loc["alpha", "corrected_percent"] == pytest.approx(35.0)
    assert ppi.loc["alpha", "n_sample"] == 4 and ppi.loc["alpha", "human_only_percent"] == pytest.approx(50.0)
    assert not math.isnan(ppi.loc["alpha", "ci_low"])


def test_human_file_with_bad_values_is_refused(outdir):
    pd.DataFrame({"doc_id": ["d1"], "alpha": [2]}).to_csv(outdir / "bad.csv", index=False)
    with pytest.raises(SummaryError, match=r"row 2: column 'alpha' has '2'"):
        summarize(outdir, charts=False, human=outdir / "bad.csv")


def test_folder_without_documents_table_is_a_clear_error(tmp_path):
    with pytest.raises(SummaryError, match="no documents.parquet or documents.csv"):
        summarize(tmp_path)


def test_an_empty_documents_csv_is_named_as_such_not_as_pandas_error(tmp_path):
    (tmp_path / "documents.csv").write_bytes(b"")
    with pytest.raises(SummaryError, match="documents.csv: the file is empty"):
        summarize(tmp_path)


def test_long_coding_table_from_the_evaluation_harness(outdir):
    # Two coders, the rule `evaluate` uses: majority, a tie (d2) left out. Alpha on d1, d3, d4: 1, 0, 1.
    rows = [("d1", "a", "alpha", 1), ("d1", "b", "alpha", 1), ("d2", "a", "alpha", 1), ("d2", "b", "alpha", 0),
            ("d3", "a", "alpha", 0), ("d3", "b", "alpha", 0), ("d4", "a", "alpha", 1), ("d4", "b", "alpha", 1)]
    pd.DataFrame(rows, columns=["doc_id", "coder", "theme", "present"]).to_csv(outdir / "long.csv", index=False)
    summary = summarize(outdir, charts=False, human=outdir / "long.csv")
    ppi = summary.ppi.set_index("theme")
    # machine alpha on d1, d3, d4 is 1, 0, 1 too: no correction.
    assert ppi.loc["alpha", "corrected_percent"] == pytest.approx(60.0)
    assert ppi.loc["alpha", "n_sample"] == 3
    assert ppi.loc["alpha", "human_only_percent"] == pytest.approx(200 / 3)
    assert any("1 tied document × theme cells left out" in note for note in summary.ppi_notes)


def test_ppi_uses_only_the_random_part_of_a_coded_sheet_and_says_so(outdir):
    sheet = pd.DataFrame({"doc_id": ["d1", "d2", "d3", "d4"], "sample": ["random", "random", "random", "informative"],
                          "alpha": [1, 0, 0, 1]})
    sheet.to_csv(outdir / "coded.csv", index=False)
    summary = summarize(outdir, charts=False, human=outdir / "coded.csv")
    assert summary.ppi.set_index("theme").loc["alpha", "n_sample"] == 3
    assert summary.ppi_notes[0] == ("PPI uses the 3 documents of the simple random sample; 1 informative-sample "
                                    "documents were left out because they are not a random sample")
    md = (outdir / "summary" / "summary.md").read_text()
    assert "1 informative-sample documents were left out" in md
    # Without a sample column every document is assumed random, and the output says that is assumed.
    sheet.drop(columns="sample").to_csv(outdir / "plain.csv", index=False)
    plain = summarize(outdir, charts=False, human=outdir / "plain.csv")
    assert plain.ppi.set_index("theme").loc["alpha", "n_sample"] == 4
    assert "assumed to be a simple random sample" in plain.ppi_notes[0]


def test_coded_xlsx_from_sample_is_read_from_its_coding_sheet(outdir):
    path = outdir / "to_code.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"doc_id": ["d1", "d2"], "sample": ["random", "random"], "alpha": [1, 0]}).to_excel(
            writer, sheet_name="coding", index=False)
        pd.DataFrame({"doc_id": ["d1"], "theme": ["alpha"], "text": ["evidence"]}).to_excel(
            writer, sheet_name="evidence", index=False)
    summary = summarize(outdir, charts=False, human=path)
    assert summary.ppi.set_index("theme").loc["alpha", "n_sample"] == 2
