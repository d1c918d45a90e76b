"""``practice-themes sample``: split sizes, a random part that is only random, an informative part that
prefers documents near the thresholds of several themes and rare-theme documents, exclusion across
rounds, and the three output formats.

Every run folder is built in tmp_path (documents.csv + passages.parquet + run.json); no model is loaded.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import numpy as np
import openpyxl
import pandas as pd
import pytest

from practice_themes.coding.qdpx import NS, validate_project
from practice_themes.coding.readers import read_gold
from practice_themes.sample_sheets import write_selection
from practice_themes.sampling import (
    INFORMATIVE, RANDOM, SampleError, candidate_values, cue_disagreement, load_run, pick_informative,
    read_excluded, select,
)

RARE = "sexual_abuse_family"
N_DOCS = 40


def make_run(folder: Path, codebook, *, seed: int = 0, overrides: dict | None = None,
             passages: list[dict] | None = None, thresholds: bool = True) -> Path:
    """A fake `code` folder: every theme tagged in about half the documents, scores far from 0.5 (the
    threshold), except the cells in ``overrides`` ({(doc_id, theme): score}); RARE is tagged nowhere."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    ids = [f"doc{i:02d}" for i in range(N_DOCS)]
    rows = []
    for doc_id in ids:
        row = {"doc_id": doc_id, "status": "ok", "source_path": f"/nowhere/{doc_id}.pdf"}
        for theme in codebook.ids:
            score = 0.01 if theme == RARE else float(rng.choice([0.02, 0.98]))
            score = (overrides or {}).get((doc_id, theme), score)
            row[theme], row[f"{theme}_score"] = int(score >= 0.5), score
        rows.append(row)
    rows.append({"doc_id": "failed", "status": "error", "source_path": "/nowhere/failed.pdf"})
    pd.DataFrame(rows).to_csv(folder / "documents.csv", index=False)
    columns = ["doc_id", "theme", "rank", "score", "page", "start", "end", "section", "region", "text"]
    pd.DataFrame(passages or [], columns=columns).to_parquet(folder / "passages.parquet")
    manifest = {"classifier": {"thresholds": {t: 0.5 for t in codebook.ids}}} if thresholds else {}
    (folder / "run.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def passage(doc_id: str, theme: str, text: str, rank: int = 1, start: int = 0) -> dict:
    return {"doc_id": doc_id, "theme": theme, "rank": rank, "score": 0.9, "page": 1, "start": start,
            "end": start + len(text), "section": "findings", "region": "body", "text": text}


@pytest.fixture()
def run(tmp_path, codebook):
    return load_run(make_run(tmp_path / "run", codebook), codebook)


def test_split_sizes_and_parts(run):
    selection = select(run, 10, seed=3)
    assert len(selection.picks) == 10
    assert len(selection.part(RANDOM)) == 5 and len(selection.part(INFORMATIVE)) == 5
    assert len(set(selection.doc_ids)) == 10 and "failed" not in selection.doc_ids
    assert len(select(run, 10, seed=3, random_share=0.3).part(RANDOM)) == 3
    assert select(run, 10, random_share=0.0).part(RANDOM) == []
    assert select(run, 10, random_share=1.0).part(INFORMATIVE) == []


def test_random_part_is_reproducible_and_ignores_scores(tmp_path, codebook, run):
    first = select(run, 10, seed=7).part(RANDOM)
    assert select(run, 10, seed=7).part(RANDOM) == first
    assert select(run, 10, seed=8).part(RANDOM) != first
    # Other scores, same documents: the random part must not move.
    other = load_run(make_run(tmp_path / "other", codebook, seed=99), codebook)
    assert select(other, 10, seed=7).part(RANDOM) == first
    expected = sorted(np.array(sorted(run.scores.index))[np.random.default_rng(7).choice(N_DOCS, 5, replace=False)])
    assert first == expected


def test_random_part_is_uniform(run):
    counts = pd.Series(0, index=sorted(run.scores.index))
    draws = 1500
    for seed in range(draws):
        counts[select(run, 8, seed=seed, random_share=1.0).doc_ids] += 1
    share = counts / draws
    # Each document has inclusion probability 8/40 = 0.2; 1500 draws give a standard error of about 0.01.
    assert share.between(0.2 - 0.05, 0.2 + 0.05).all(), share[~share.between(0.15, 0.25)]


def test_informative_part_prefers_near_threshold_and_rare_theme(tmp_path, codebook):
    overrides = {("doc05", "information_sharing"): 0.5, ("doc17", "neglect"): 0.49, ("doc23", RARE): 0.2}
    run = load_run(make_run(tmp_path / "run", codebook, overrides=overrides), codebook)
    selection = select(run, 3, random_share=0.0)
    assert set(selection.doc_ids) == {"doc05", "doc17", "doc23"}
    reasons = {p.doc_id: p.reason for p in selection.picks}
    assert "rare theme" in reasons["doc23"] and "information_sharing" in reasons["doc05"]
    assert select(run, 3, random_share=0.0).doc_ids == selection.doc_ids  # deterministic


def test_rare_bonus_breaks_ties_only(tmp_path, codebook):
    # RARE's three likeliest documents score 0.99, as near the threshold (0.5) in log-odds as the others'
    # 0.01, so every document but doc05 is equally near; the bonus orders those, never outranking doc05.
    overrides = {("doc05", "information_sharing"): 0.3, **{(f"doc{i}", RARE): 0.99 for i in (37, 38, 39)}}
    run = load_run(make_run(tmp_path / "run", codebook, overrides=overrides), codebook)
    values = candidate_values(run, list(run.scores.index))
    assert set(values.loc[values["rare"] > 0, "doc_id"]) == {"doc37", "doc38", "doc39"}
    picks = pick_informative(values, 4, codebook.ids)
    assert [p.doc_id for p in picks] == ["doc05", "doc37", "doc38", "doc39"]
    assert "rare theme" in picks[1].reason


def test_informative_part_prefers_documents_uncertain_on_several_themes(tmp_path, codebook):
    # One shared regression learns from every (document, theme) pair: a document near the threshold on
    # two themes outranks one exactly at a single theme's threshold.
    overrides = {("doc05", "information_sharing"): 0.5,
                 ("doc11", "neglect"): 0.35, ("doc11", "domestic_abuse"): 0.65}
    run = load_run(make_run(tmp_path / "run", codebook, overrides=overrides), codebook)
    values = candidate_values(run, list(run.scores.index))
    picks = pick_informative(values, 1, codebook.ids)
    assert [p.doc_id for p in picks] == ["doc11"]
    assert "neglect" in picks[0].reason and "domestic_abuse" in picks[0].reason
    nearness = values.groupby("doc_id")["near"].sum()
    assert nearness["doc11"] > nearness["doc05"] > nearness["doc20"]


def test_cue_disagreement_flags_embedding_only_evidence(tmp_path, codebook):
    overrides = {("doc01", "domestic_abuse"): 0.9, ("doc02", "domestic_abuse"): 0.9, ("doc03", "domestic_abuse"): 0.9}
    evidence = [passage("doc01", "domestic_abuse", "The mother's partner was violent towards her at home."),
                passage("doc02", "domestic_abuse", "Police attended two incidents of domestic abuse.")]
    run = load_run(make_run(tmp_path / "run", codebook, overrides=overrides, passages=evidence), codebook)
    flags = cue_disagreement(run.passages, run.labels, codebook)
    assert flags.at["doc01", "domestic_abuse"]
    assert not flags.at["doc02", "domestic_abuse"]  # a cue is named
    assert not flags.at["doc03", "domestic_abuse"]  # no passages: cannot tell
    assert int(flags.to_numpy().sum()) == 1


def test_n_beyond_eligible_selects_all(run):
    selection = select(run, 100, seed=1)
    assert sorted(selection.doc_ids) == sorted(run.scores.index)
    assert any("exceeds the 40 eligible" in note for note in selection.notes)


def test_xlsx_sheets_blank_theme_cells_and_validation(run, codebook, tmp_path):
    out = tmp_path / "to_code.xlsx"
    write_selection(select(run, 10), run, codebook, out)
    workbook = openpyxl.load_workbook(out)
    assert workbook.sheetnames == ["coding", "evidence", "about"]
    coding = workbook["coding"]
    header = [c.value for c in coding[1]]
    assert header == ["doc_id", "sample", "coder", *codebook.ids, "note"]
    assert all(c.font.bold for c in coding[1])
    assert coding.freeze_panes == "D2"
    rows = list(coding.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 10 and {r[1] for r in rows} == {"random", "informative"}
    assert all(v is None for r in rows for v in r[2:])  # coder, themes and note all blank
    (validation,) = coding.data_validations.dataValidation
    assert validation.formula1 == '"0,1"' and str(validation.sqref) == "D2:AB11"
    about = "\n".join(str(v) for row in workbook["about"].iter_rows(values_only=True) for v in row if v)
    assert "Only the rows with sample = random may be used for prevalence" in about
    assert "seed" in about and "do not record separate embedding and cue scores" in about


def test_filled_sheet_reads_back_and_all_zero_rows_count(run, codebook, tmp_path):
    out = tmp_path / "to_code.xlsx"
    write_selection(select(run, 4), run, codebook, out)
    workbook = openpyxl.load_workbook(out)
    coding = workbook["coding"]
    # The reader wants a coder on every row with a doc_id, coded yet or not (see the report to the lead).
    for i, row in enumerate(coding.iter_rows(min_row=2), start=2):
        row[2].value = "Ann"
        for cell in row[3:3 + len(codebook.ids)] if i <= 3 else ():
            cell.value = 0
    workbook.save(out)
    gold = read_gold(out, theme_ids=codebook.ids)
    assert len(gold.coverage) == 2 and set(gold.samples.values()) <= {"random", "informative"}
    assert gold.document_matrix(codebook.ids).eq(0).all().all()  # all-0 documents count as coded negatives


def test_evidence_sheet_has_top_passages_of_selected_documents(tmp_path, codebook):
    overrides = {("doc05", RARE): 0.3}  # the best candidate of all
    evidence = [passage("doc05", "information_sharing", f"Passage {r} was not shared.", rank=r, start=40 * r)
                for r in range(1, 5)] + [passage("doc06", "neglect", "The home was cold.")]
    run = load_run(make_run(tmp_path / "run", codebook, overrides=overrides, passages=evidence), codebook)
    out = tmp_path / "to_code.csv"
    written = write_selection(select(run, 1, random_share=0.0), run, codebook, out)
    assert written == [out, tmp_path / "to_code.evidence.csv"]
    coding = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert coding["doc_id"].tolist() == ["doc05"] and coding.loc[0, "sample"] == "informative"
    assert (coding[codebook.ids] == "").all().all()
    ev = pd.read_csv(written[1])
    assert ev.columns.tolist() == ["doc_id", "theme", "rank", "page", "score", "text"]
    assert ev["rank"].tolist() == [1, 2, 3] and set(ev["doc_id"]) == {"doc05"}


def test_exclusion_across_rounds(run, codebook, tmp_path):
    first = tmp_path / "round1.xlsx"
    write_selection(select(run, 10, seed=0), run, codebook, first)
    excluded = read_excluded(first, codebook.ids)
    assert len(excluded) == 10  # handed out, not coded yet: still never drawn again
    second = select(run, 10, seed=1, exclude=excluded)
    assert not set(second.doc_ids) & excluded and second.n_excluded == 10
    plain = tmp_path / "ids.csv"
    pd.DataFrame({"doc_id": ["doc01", "doc02"]}).to_csv(plain, index=False)
    long = tmp_path / "long.csv"
    pd.DataFrame({"doc_id": ["doc03", "doc04"], "coder": ["Ann", "Ann"], "theme": ["neglect", "neglect"],
                  "present": [1, 0]}).to_csv(long, index=False)
    assert read_excluded(plain, codebook.ids) == {"doc01", "doc02"}
    assert read_excluded(long, codebook.ids) == {"doc03", "doc04"}
    everything = excluded | read_excluded(plain, codebook.ids) | read_excluded(long, codebook.ids)
    rest = select(run, 100, exclude=everything)
    assert set(rest.doc_ids) == set(run.scores.index) - everything


def test_qdpx_opens_and_has_no_coded_selections(run, codebook, tmp_path):
    run.passages = pd.DataFrame([passage("doc05", "neglect", "The home was cold.")])
    out = tmp_path / "to_code.qdpx"
    selection = select(run, 6, seed=2)
    written = write_selection(selection, run, codebook, out)
    assert written == [out, tmp_path / "to_code.sample.csv"]
    with zipfile.ZipFile(out) as archive:
        root = ET.fromstring(archive.read("project.qde"))
        files = {n: archive.read(n).decode("utf-8") for n in archive.namelist() if n.startswith("sources/")}
    assert validate_project(root, files) == []
    q = f"{{{NS}}}"
    assert len(list(root.iter(f"{q}Code"))) == len(codebook.ids)
    assert not list(root.iter(f"{q}PlainTextSelection")) and not list(root.iter(f"{q}Coding"))
    sources = {s.get("name"): s.find(f"{q}Description").text for s in root.iter(f"{q}TextSource")}
    assert sorted(sources) == sorted(f"{d}.txt" for d in selection.doc_ids)
    assert all("practice-themes sample" in text for text in sources.values())
    parts = pd.read_csv(written[1])
    assert dict(zip(parts["doc_id"], parts["sample"])) == {p.doc_id: p.sample for p in selection.picks}
    assert read_excluded(out, codebook.ids) == set(selection.doc_ids)


def test_thresholds_default_when_run_json_has_none(tmp_path, codebook):
    run = load_run(make_run(tmp_path / "run", codebook, thresholds=False), codebook)
    assert set(run.thresholds.values()) == {0.5} and "records no thresholds" in run.threshold_source


def test_select_errors(run):
    with pytest.raises(SampleError, match="-n must be at least 1"):
        select(run, 0)
    with pytest.raises(SampleError, match="between 0 and 1"):
        select(run, 5, random_share=1.5)
    with pytest.raises(SampleError, match="no document left"):
        select(run, 5, exclude=set(run.scores.index))


def _cli(*args: str):
    from typer.testing import CliRunner

    from practice_themes.cli import app

    return CliRunner().invoke(app, ["sample", *args])


def test_cli_writes_and_reports(tmp_path, codebook):
    folder = make_run(tmp_path / "run", codebook)
    result = _cli(str(folder), "-n", "6", "-o", str(tmp_path / "x.xlsx"), "--seed", "4")
    assert result.exit_code == 0, result.output
    assert "3 random, 3 informative" in result.output and (tmp_path / "x.xlsx").is_file()
    result = _cli(str(folder), "-n", "6", "-o", str(tmp_path / "y.csv"), "--exclude", str(tmp_path / "x.xlsx"))
    assert result.exit_code == 0, result.output
    assert "6 excluded" in result.output


@pytest.mark.parametrize("case, message", [
    ("missing", "run folder not found"),
    ("no_documents", "no documents.csv"),
    ("bad_format", "unknown output format '.pdf'"),
    ("bad_exclude", "--exclude file not found"),
])
def test_cli_errors_are_one_line_exit_2(tmp_path, codebook, case, message):
    folder = make_run(tmp_path / "run", codebook)
    args = {
        "missing": [str(tmp_path / "absent"), "-o", str(tmp_path / "x.xlsx")],
        "no_documents": [str(tmp_path), "-o", str(tmp_path / "x.xlsx")],
        "bad_format": [str(folder), "-o", str(tmp_path / "x.pdf")],
        "bad_exclude": [str(folder), "-o", str(tmp_path / "x.xlsx"), "--exclude", str(tmp_path / "nope.csv")],
    }[case]
    result = _cli(*args)
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
