"""The PFD child-suicide figures from the raw sheet, and wide-sheet reading as exported.

The published figure for the PFD Toolkit against the clinicians' post-consensus
verdict is Cohen's kappa = 0.93 with raw agreement 141/146 (Osian et al., 2025).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from practice_themes.evaluation.agreement import agreement_report, read_rater_sheet, split_rater_args
from practice_themes.coding.tables import AnnotationError

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
PFD = SHARED / "data" / "pfd_child_suicide" / "consensus_annotations.xlsx"
SHEET = "Consensus annotations"
TOOL = "PFD Toolkit: child suicide?"
CONSENSUS = "Post-consensus verdict: Is this a child suicide case? (Yes or No)"
CLINICIANS = ["Dan: child & suicide", "Arpan: child & suicide", "Sahil: child & suicide"]

needs_pfd = pytest.mark.skipif(not PFD.is_file(), reason=f"{PFD} not available (../shared missing)")
pytestmark = pytest.mark.filterwarnings("ignore:.*invalid dependency definitions:UserWarning")

# Each rater against the consensus: (raw agreements out of 146, Cohen's kappa).
EXPECTED_VS_CONSENSUS = {
    TOOL: (141, 0.9315),
    "Dan: child & suicide": (144, 0.9724),
    "Arpan: child & suicide": (124, 0.6920),
    "Sahil: child & suicide": (138, 0.8895),
}
CLINICIANS_FLEISS = 0.7453
CLINICIANS_ALPHA = 0.7459


@pytest.fixture(scope="module")
def pfd_table():
    return read_rater_sheet(PFD, SHEET, unit_col="URL", rater_cols=[TOOL, *CLINICIANS, CONSENSUS])


@pytest.fixture(scope="module")
def pfd_report(pfd_table):
    return agreement_report(pfd_table, [TOOL, *CLINICIANS], CONSENSUS, machines=[TOOL], n_boot=300, seed=20240601)


@needs_pfd
def test_pfd_sheet_reads_all_146_reports_with_no_missing_codes(pfd_table):
    assert pfd_table.shape == (146, 5)
    assert not pfd_table.isna().any().any()
    assert set(np.unique(pfd_table.to_numpy())) == {0.0, 1.0}


@needs_pfd
def test_pfd_formula_cells_give_cached_values():
    # "Agreement between Toolkit and Consensus?" is =IF(D2=E2, "Yes", "No") in every row.
    table = read_rater_sheet(PFD, SHEET, unit_col="URL", rater_cols=["Agreement between Toolkit and Consensus?"])
    assert int(table.iloc[:, 0].sum()) == 141


@needs_pfd
def test_pfd_tool_vs_consensus_reproduces_published_kappa(pfd_report):
    tool = next(r for r in pfd_report["vs_reference"] if r["rater"] == TOOL)
    assert (tool["n_agree"], tool["n"]) == (141, 146)
    assert round(tool["kappa"], 2) == 0.93
    assert tool["ci_low"] < tool["kappa"] < tool["ci_high"]


@needs_pfd
def test_pfd_each_rater_vs_consensus_and_clinicians_ceiling(pfd_report):
    for row in pfd_report["vs_reference"]:
        n_agree, kappa = EXPECTED_VS_CONSENSUS[row["rater"]]
        assert row["n_agree"] == n_agree
        assert row["kappa"] == pytest.approx(kappa, abs=5e-5)
    ceiling = pfd_report["human_ceiling"]
    assert ceiling["raters"] == CLINICIANS
    assert ceiling["fleiss_kappa"] == pytest.approx(CLINICIANS_FLEISS, abs=5e-5)
    assert ceiling["krippendorff_alpha"] == pytest.approx(CLINICIANS_ALPHA, abs=5e-5)


@needs_pfd
def test_pfd_numbers_agree_with_independent_implementations(pfd_table):
    from sklearn.metrics import cohen_kappa_score
    from statsmodels.stats.inter_rater import aggregate_raters, fleiss_kappa

    assert cohen_kappa_score(pfd_table[TOOL], pfd_table[CONSENSUS]) == pytest.approx(
        EXPECTED_VS_CONSENSUS[TOOL][1], abs=5e-5
    )
    counts, _ = aggregate_raters(pfd_table[CLINICIANS].to_numpy().astype(int))
    assert fleiss_kappa(counts) == pytest.approx(CLINICIANS_FLEISS, abs=5e-5)


@needs_pfd
def test_pfd_agreement_command_reproduces_the_figures(tmp_path):
    from typer.testing import CliRunner

    from practice_themes.cli import app

    out = tmp_path / "pfd.json"
    args = [
        "agreement", str(PFD), "--sheet", SHEET, "--unit", "URL",
        "--raters", TOOL, *CLINICIANS,
        "--reference", CONSENSUS, "--machine", TOOL,
        "--n-boot", "200", "-o", str(out),
    ]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "141/146" in result.output and "0.932" in result.output
    report = json.loads(out.read_text())
    tool = next(r for r in report["vs_reference"] if r["rater"] == TOOL)
    assert (tool["n_agree"], round(tool["kappa"], 2)) == (141, 0.93)
    assert report["human_ceiling"]["fleiss_kappa"] == pytest.approx(CLINICIANS_FLEISS, abs=5e-5)
    assert report["human_ceiling"]["krippendorff_alpha"] == pytest.approx(CLINICIANS_ALPHA, abs=5e-5)
    assert {"pairwise", "fleiss_kappa", "krippendorff_alpha", "gwet_ac1", "among_raters"} <= set(report)
    pair = report["pairwise"][0]
    assert {"a", "b", "n", "agreement", "kappa", "ci_low", "ci_high"} <= set(pair)


@needs_pfd
def test_pfd_duplicate_unit_reported_with_row_numbers():
    # Four reports have "--" as their reference number.
    with pytest.raises(AnnotationError, match=r"unit '--' in column 'Ref' appears more than once, at rows \[\d+, \d+"):
        read_rater_sheet(PFD, SHEET, unit_col="Ref", rater_cols=[TOOL])


@needs_pfd
def test_pfd_misspelt_column_names_the_closest_match():
    with pytest.raises(AnnotationError, match=r"did you mean 'Dan: child & suicide'\?.*Columns found: 'URL'"):
        read_rater_sheet(PFD, SHEET, unit_col="URL", rater_cols=["Dan: child and suicide"])


# --- the same reading rules on small sheets written here ----------------------------------------


def _write_xlsx(path: Path, rows: list[list]) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "codes"
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def test_stray_spaces_and_yes_no_vocabulary_in_xlsx(tmp_path):
    path = _write_xlsx(
        tmp_path / "codes.xlsx",
        [
            [" report ", "Coder A ", " Coder #2 (B)", "machine"],
            ["r1", " Yes ", "y", 1],
            ["r2", "NO", "false", 0],
            ["r3", None, "TRUE", "1"],
            [None, None, None, None],
            ["r4", "n", " ", "0"],
        ],
    )
    table = read_rater_sheet(path, "codes", unit_col="report", rater_cols=["Coder A", "Coder #2 (B)", "machine"])
    assert list(table.index) == ["r1", "r2", "r3", "r4"]
    assert table["Coder A"].tolist()[:2] == [1.0, 0.0] and np.isnan(table["Coder A"].iloc[2])
    assert table["Coder #2 (B)"].tolist()[:3] == [1.0, 0.0, 1.0] and np.isnan(table["Coder #2 (B)"].iloc[3])
    assert table["machine"].tolist() == [1.0, 0.0, 1.0, 0.0]


def test_formula_without_cached_value_is_an_error_not_a_blank(tmp_path):
    # openpyxl writes formulas without computing them, as a script-made workbook would.
    path = _write_xlsx(tmp_path / "formulas.xlsx", [["unit", "a", "b"], ["u1", "yes", '=IF(B2="yes","yes","no")']])
    with pytest.raises(AnnotationError, match="no cached value"):
        read_rater_sheet(path, unit_col="unit", rater_cols=["a", "b"])


def test_unknown_code_is_reported_with_its_row(tmp_path):
    path = tmp_path / "codes.csv"
    path.write_text("unit,a,b\nu1,yes,no\nu2,maybe,no\n", encoding="utf-8")
    with pytest.raises(AnnotationError, match=r"row 3: column 'a' has 'maybe'"):
        read_rater_sheet(path, unit_col="unit", rater_cols=["a", "b"])


def test_header_line_breaks_match_typed_spaces(tmp_path):
    path = _write_xlsx(tmp_path / "wrapped.xlsx", [["unit", "Coder\nA", "Coder B"], ["u1", "yes", "no"]])
    table = read_rater_sheet(path, unit_col="unit", rater_cols=["Coder A", "Coder B"])
    assert list(table.columns) == ["Coder\nA", "Coder B"]


def test_rater_arguments_split_on_commas_unless_a_column_has_the_comma():
    headers = ["Smith, J", "A", "B", "C"]
    assert split_rater_args(["A,B", "C"], headers) == ["A", "B", "C"]
    assert split_rater_args(["Smith, J", "A"], headers) == ["Smith, J", "A"]


def test_cli_accepts_repeated_and_comma_separated_raters(tmp_path):
    from typer.testing import CliRunner

    from practice_themes.cli import app

    path = tmp_path / "codes.csv"
    path.write_text(
        'doc id,Coder #1 (A),"Coder, B",machine\nd1,yes,yes,no\nd2,no,no,no\nd3,yes,no,yes\nd4,no,no,yes\n',
        encoding="utf-8",
    )
    runner = CliRunner()
    outputs = []
    for raters in (
        ["--raters", "Coder #1 (A)", "--raters", "Coder, B", "--raters", "machine"],
        ["--raters", "Coder #1 (A),machine", "--raters", "Coder, B"],
    ):
        out = tmp_path / "r.json"
        result = runner.invoke(app, ["agreement", str(path), "--unit", "doc id", *raters, "--n-boot", "50", "-o", str(out)])
        assert result.exit_code == 0, result.output
        report = json.loads(out.read_text())
        outputs.append({(p["a"], p["b"]): p["kappa"] for p in report["pairwise"]})
    assert set(map(frozenset, outputs[0])) == set(map(frozenset, outputs[1]))
    assert len(outputs[0]) == 3


def test_cli_misspelt_rater_exits_with_a_clear_error(tmp_path):
    from typer.testing import CliRunner

    from practice_themes.cli import app

    path = tmp_path / "codes.csv"
    path.write_text("unit,coder_a,coder_b\nu1,yes,no\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["agreement", str(path), "--unit", "unit", "--raters", "coder_a,codr_b"])
    assert result.exit_code == 2
    assert "did you mean 'coder_b'" in result.output


def test_agreement_report_with_missing_codes_and_text_labels():
    import pandas as pd

    from practice_themes.stats.coefficients import cohen_kappa, krippendorff_alpha

    table = pd.DataFrame(
        {
            "a": ["x", "y", "z", "x", None, "y"],
            "b": ["x", "y", "z", "y", "x", None],
            "ref": ["x", "y", "z", "x", "x", "y"],
        },
        index=[f"u{i}" for i in range(6)],
    )
    report = agreement_report(table, ["a", "b"], "ref", n_boot=100, seed=1)
    pair = next(p for p in report["pairwise"] if {p["a"], p["b"]} == {"a", "b"})
    assert (pair["n"], pair["n_agree"]) == (4, 3)
    assert pair["kappa"] == pytest.approx(cohen_kappa(table["a"], table["b"]))
    assert report["n_complete"] == 4 and report["n_units"] == 6
    assert report["krippendorff_alpha"] == pytest.approx(krippendorff_alpha(table.T.to_numpy()))
    assert report["categories"] == ["x", "y", "z"]
    vs_a = next(r for r in report["vs_reference"] if r["rater"] == "a")
    assert (vs_a["n"], vs_a["n_agree"]) == (5, 5) and "precision" not in vs_a
    assert report["among_raters"]["raters"] == ["a", "b"]
    json.dumps(report, allow_nan=False)


def test_cli_one_rater_exits_with_a_clear_error_not_a_traceback(tmp_path):
    """Issue 16: agreement_report raised a bare ValueError that the CLI did not catch (a traceback)."""
    from typer.testing import CliRunner

    from practice_themes.cli import app

    path = tmp_path / "codes.csv"
    path.write_text("unit,coder_a,coder_b\nu1,yes,no\nu2,no,no\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["agreement", str(path), "--unit", "unit", "--raters", "coder_a"])
    assert result.exit_code == 2
    assert "at least two rater columns" in result.output and "Traceback" not in result.output
    assert not isinstance(result.exception, ValueError)


def test_errors_of_statistics_coding_and_harness_share_the_one_root_and_stay_value_errors():
    from practice_themes.errors import PracticeThemesError, StatisticsError
    from practice_themes.evaluation.machine import PredictionError
    from practice_themes.stats.metrics import micro_macro_f1
    from practice_themes.summarize import SummaryError

    for error in (AnnotationError, PredictionError, StatisticsError, SummaryError):
        assert issubclass(error, PracticeThemesError) and issubclass(error, ValueError), error
    import pandas as pd

    gold = pd.DataFrame({"t": [1.0, 0.0]}, index=["a", "b"])
    with pytest.raises(StatisticsError, match="documents differ"):
        micro_macro_f1(gold, gold.drop(index="b"))
