"""The evaluate command on a tiny fixture whose numbers were computed by hand.

Fixture (2 themes, 8 human-coded documents, coder ann codes all, bob d1-d4):

neglect        d1 d2 d3 d4 d5 d6 d7 d8      domestic_abuse  d1 d2 d3..d8
  ann           1  1  0  0  1  0  0  1        ann            1  0  0
  bob           1  0  0  0                    bob            1  0  0 (d3, d4)
  machine       1  0  1  0  1  0  0  1        machine        1  1  0

Against ann: neglect TP 3 FP 1 FN 1 TN 3: P = R = F1 = 0.75, agreement 0.75,
p_e = 0.5 so kappa = AC1 = 0.5. Domestic abuse TP 1 FP 1 FN 0 TN 6: P 0.5,
R 1, F1 2/3, agreement 7/8; p_e = .125*.25 + .875*.75 = .6875 so kappa = 0.6;
pi = .1875, p_e(AC1) = 2 pi (1 - pi) = .3046875 so AC1 = .5703125/.6953125.
Micro: TP 4 FP 2 FN 1 TN 9: P 2/3, R 0.8, F1 8/11. Macro F1 (0.75 + 2/3)/2.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from practice_themes.evaluation.evaluate import reference_coding, run_evaluation
from practice_themes.evaluation.learning_curve import learning_curve, summarise_curve
from practice_themes.evaluation.passages import locate_quote, spans_match, texts_match
from practice_themes.cli import app
from practice_themes.outputs import RunManifest, write_manifest

CODEBOOK = """
name: test
version: "1"
themes:
  - id: neglect
    label: Neglect
    kind: practice
    definition: Persistent failure to meet a child's basic needs.
    include: [hunger]
    exclude: [poverty alone]
    exemplars: [The home was filthy.]
  - id: domestic_abuse
    label: Domestic abuse
    kind: context
    definition: Abuse between adults in the household.
    include: [violence]
    exclude: [arguments]
    exemplars: [Father assaulted mother.]
"""

TEXTS = {f"d{i}": f"Review d{i}. The house was filthy and there was no food. Father hit mother. Agencies met." for i in range(1, 11)}
NEGLECT_QUOTE = "The house was filthy and there was no food."
SCRIPT_QUOTE = "<script>alert('x')</script> the child went hungry"
TEXTS["d2"] += " " + SCRIPT_QUOTE

ANN_NEGLECT = dict(d1=1, d2=1, d3=0, d4=0, d5=1, d6=0, d7=0, d8=1)
MACHINE_NEGLECT = dict(d1=1, d2=0, d3=1, d4=0, d5=1, d6=0, d7=0, d8=1, d10=1)
MACHINE_DA = dict(d1=1, d2=1, d10=0)


def span(doc: str, quote: str) -> tuple[int, int]:
    start = TEXTS[doc].index(quote)
    return start, start + len(quote)


@pytest.fixture()
def fixture_dir(tmp_path: Path) -> Path:
    (tmp_path / "codebook.yaml").write_text(CODEBOOK)
    rows = []
    for doc, value in ANN_NEGLECT.items():
        quote = {"d1": NEGLECT_QUOTE, "d2": SCRIPT_QUOTE, "d5": "Agencies met."}.get(doc, "")
        rows.append({"doc_id": doc, "coder": "ann", "theme": "neglect", "quote": quote, "present": value, "page": 2})
    rows.append({"doc_id": "d1", "coder": "ann", "theme": "domestic_abuse", "quote": "Father hit mother.", "present": 1})
    for doc, value in dict(d1=1, d2=0, d3=0, d4=0).items():
        rows.append({"doc_id": doc, "coder": "bob", "theme": "neglect", "quote": "", "present": value})
    rows.append({"doc_id": "d1", "coder": "bob", "theme": "domestic_abuse", "quote": "", "present": 1})
    pd.DataFrame(rows).to_csv(tmp_path / "gold.csv", index=False)

    out = tmp_path / "machine"
    out.mkdir()
    docs, passages = [], []
    for i in range(1, 11):
        doc = f"d{i}"
        if doc == "d9":
            docs.append({"doc_id": doc, "status": "error", "error": "encrypted"})
            continue
        neglect, da = MACHINE_NEGLECT.get(doc, 0), MACHINE_DA.get(doc, 0)
        docs.append({"doc_id": doc, "status": "ok", "error": "", "neglect": neglect, "neglect_score": 0.8 if neglect else 0.2,
                     "domestic_abuse": da, "domestic_abuse_score": 0.9 if da else 0.1})
        if neglect:
            quote = NEGLECT_QUOTE if doc != "d5" else "Father hit mother."
            s, e = span(doc, quote)
            passages.append({"doc_id": doc, "theme": "neglect", "rank": 1, "score": 0.8, "page": 3, "start": s, "end": e,
                             "section": "Findings", "region": "body", "text": quote})
        if da:
            s, e = span(doc, "Father hit mother.")
            passages.append({"doc_id": doc, "theme": "domestic_abuse", "rank": 1, "score": 0.9, "page": 4, "start": s,
                             "end": e, "section": "", "region": "body", "text": "Father hit mother."})
    pd.DataFrame(docs).to_csv(out / "documents.csv", index=False)
    pd.DataFrame(passages).to_csv(out / "passages.csv", index=False)
    # What `code` writes: the classifier's fingerprint is the model hash.
    write_manifest(RunManifest(fingerprint="m0d31", codebook={"sha256": "c" * 64}), out)
    with (tmp_path / "ingest.jsonl").open("w") as handle:
        for doc, text in TEXTS.items():
            handle.write(json.dumps({"doc_id": doc, "text": text}) + "\n")
    return tmp_path


def run(fixture_dir: Path, **kwargs):
    return run_evaluation(
        fixture_dir / "gold.csv", fixture_dir / "machine", fixture_dir / "report",
        codebook_path=fixture_dir / "codebook.yaml", text_path=fixture_dir / "ingest.jsonl", n_boot=50, seed=7, **kwargs,
    )


def test_metrics_match_hand_computation(fixture_dir):
    m = run(fixture_dir, reference="ann")
    neglect, da = m["themes"]["neglect"], m["themes"]["domestic_abuse"]
    assert (neglect["tp"], neglect["fp"], neglect["fn"], neglect["tn"]) == (3, 1, 1, 3)
    for metric, value in dict(precision=0.75, recall=0.75, f1=0.75, agreement=0.75, kappa=0.5, ac1=0.5).items():
        assert neglect[metric]["estimate"] == pytest.approx(value), metric
        assert neglect[metric]["ci_low"] <= value <= neglect[metric]["ci_high"]
    assert (da["tp"], da["fp"], da["fn"], da["tn"]) == (1, 1, 0, 6)
    expected = dict(precision=0.5, recall=1.0, f1=2 / 3, agreement=7 / 8, kappa=0.6, ac1=0.5703125 / 0.6953125)
    for metric, value in expected.items():
        assert da[metric]["estimate"] == pytest.approx(value), metric
    assert neglect["prevalence_human"]["estimate"] == 0.5 and da["prevalence_machine"]["estimate"] == 0.25
    micro, macro = m["overall"]["micro"], m["overall"]["macro"]
    assert (micro["tp"], micro["fp"], micro["fn"], micro["tn"]) == (4, 2, 1, 9)
    assert micro["precision"]["estimate"] == pytest.approx(2 / 3)
    assert micro["recall"]["estimate"] == pytest.approx(0.8)
    assert micro["f1"]["estimate"] == pytest.approx(8 / 11)
    assert macro["f1"]["estimate"] == pytest.approx((0.75 + 2 / 3) / 2)
    assert micro["f1"]["ci_low"] <= 8 / 11 <= micro["f1"]["ci_high"]


def test_documents_excluded_and_corpus_prevalence(fixture_dir):
    m = run(fixture_dir, reference="ann")
    docs = m["documents"]
    assert docs["n_evaluated"] == 8 and docs["n_machine_ok"] == 9
    assert docs["machine_excluded"] == [{"doc_id": "d9", "status": "error", "reason": "encrypted"}]
    # Corpus = the 9 coded documents: naive 5/9; on the sample machine and human both say 4/8, so no correction.
    prev = m["prevalence"]["neglect"]
    assert prev["naive"] == pytest.approx(5 / 9)
    assert prev["corrected"] == pytest.approx(5 / 9)
    assert prev["ci_low"] < 5 / 9 < prev["ci_high"]
    assert "simple random sample" in m["settings"]["prevalence_assumption"]


def test_human_ceiling_and_plain_statement(fixture_dir):
    m = run(fixture_dir, reference="ann")
    assert m["ceiling"]["coders"] == ["ann", "bob"]
    neglect = m["ceiling"]["themes"]["neglect"]
    pair = neglect["comparison"]["pairs"][0]
    # ann and bob share d1-d4: ann 1,1,0,0; bob 1,0,0,0 -> kappa 0.5. The machine (1,0,1,0) is judged on the same four.
    assert (pair["a"], pair["b"], pair["n"]) == ("ann", "bob", 4)
    assert pair["human_kappa"] == pytest.approx(0.5)
    assert pair["machine_kappa"] == pytest.approx((0.0 + 0.5) / 2)
    assert pair["difference"] == pytest.approx(-0.25)
    assert pair["ci_low"] <= -0.25 <= pair["ci_high"] and pair["n_boot"] == 50
    # Four documents cannot tell a difference of -0.25 from none.
    assert neglect["verdict"] == "cannot tell"
    assert neglect["statement"].startswith("machine κ 0.25 vs human κ 0.50 (1 coder pair, 4 documents)")
    kappas = {v["coder"]: v["kappa"] for v in neglect["machine_vs_coder"]}
    assert kappas == pytest.approx({"ann": 0.5, "bob": 0.5})
    # domestic_abuse: the coders agree perfectly (1,0,0,0); resamples without d1 leave every kappa undefined,
    # and the interval says how many it dropped.
    da = m["ceiling"]["themes"]["domestic_abuse"]["comparison"]["pairs"][0]
    assert da["human_kappa"] == 1.0 and 0 < da["n_boot_dropped"] < 50
    assert da["ci_method"].startswith("percentile (BCa undefined:")
    assert sum(m["ceiling"]["counts"].values()) == 2


def test_a_consensus_coder_is_the_reference_and_never_a_ceiling_coder(fixture_dir):
    gold = pd.read_csv(fixture_dir / "gold.csv")
    consensus = gold[gold["coder"] == "ann"].assign(coder="consensus")
    pd.concat([gold, consensus]).to_csv(fixture_dir / "gold3.csv", index=False)
    m = run_evaluation(fixture_dir / "gold3.csv", fixture_dir / "machine", fixture_dir / "report3",
                       codebook_path=fixture_dir / "codebook.yaml", n_boot=50, seed=7)
    assert "'consensus' (a consensus, by its name)" in m["settings"]["reference"]
    assert m["ceiling"]["coders"] == ["ann", "bob"]
    assert "'consensus' left out" in m["ceiling"]["coders_rule"]
    assert "the 2 independent coders, ann, bob" in " ".join(m["summary"])
    named = run_evaluation(fixture_dir / "gold3.csv", fixture_dir / "machine", fixture_dir / "report4",
                           codebook_path=fixture_dir / "codebook.yaml", n_boot=50, seed=7, reference="consensus",
                           ceiling_coders=["ann", "bob"])
    assert named["ceiling"]["coders_rule"] == "given as --ceiling-coders"


def test_consensus_reference_leaves_ties_out(fixture_dir):
    m = run(fixture_dir)
    assert "Majority vote" in m["settings"]["reference"]
    # Only d1-d4 are coded by both; d2 neglect is a 1-1 tie and is not scored.
    assert m["themes"]["neglect"]["n"] == 3
    assert m["themes"]["domestic_abuse"]["n"] == 4


def test_reference_must_be_a_coder(fixture_dir):
    from practice_themes.coding.tables import AnnotationError

    with pytest.raises(AnnotationError, match="--reference 'carl' is not a coder"):
        run(fixture_dir, reference="carl")


def test_passage_matching_and_errors(fixture_dir):
    m = run(fixture_dir, reference="ann")
    neglect = m["passages"]["themes"]["neglect"]
    # Machine: d1 (matches ann's quote), d3 (ann coded absent: judged, no match), d5 (wrong sentence),
    # d8 (ann coded present without a quote: cannot be judged). Ann quoted d1, d2, d5.
    assert (neglect["n_machine"], neglect["machine_matched"]) == (3, 1)
    assert (neglect["n_human"], neglect["human_matched"]) == (3, 1)
    assert m["passages"]["themes"]["domestic_abuse"]["n_machine"] == 2  # d1 matches, d2 coded absent
    assert "50% of the shorter span" in m["passages"]["rule"]
    errors = m["errors"]["neglect"]
    assert [e["doc_id"] for e in errors["false_positives"]] == ["d3"]
    assert errors["false_positives"][0]["evidence"][0] == {"text": NEGLECT_QUOTE, "page": 3, "score": 0.8}
    assert errors["false_negatives"][0]["quotes"][0]["text"] == SCRIPT_QUOTE


def test_report_files_escaping_and_provenance(fixture_dir):
    m = run(fixture_dir, reference="ann")
    report = fixture_dir / "report"
    for name in ("metrics.json", "report.md", "report.html", "f1_by_theme.png", "kappa_vs_ceiling.png", "calibration.png"):
        assert (report / name).stat().st_size > 0, name
    html = (report / "report.html").read_text()
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    assert html.index("Summary") < html.index("Per theme") < html.index("Human ceiling") < html.index("Error analysis")
    assert "data:image/png;base64," in html
    assert "<script>" not in (report / "report.md").read_text()
    saved = json.loads((report / "metrics.json").read_text())
    prov = saved["provenance"]
    assert prov["model_hash"] == "m0d31"
    assert set(prov["versions"]) >= {"python", "numpy", "pandas", "sklearn", "practice-themes"}
    assert len(prov["codebook"]["sha256"]) == 64
    assert any(k.endswith("gold.csv") for k in prov["inputs_sha256"])
    assert saved["settings"]["seed"] == 7 and saved["settings"]["n_boot"] == 50
    assert prov["run"]["codebook_sha256"] == "c" * 64
    # Same inputs and seed: same results hash although the time and the output folder differ.
    again = run_evaluation(fixture_dir / "gold.csv", fixture_dir / "machine", fixture_dir / "elsewhere",
                           codebook_path=fixture_dir / "codebook.yaml", text_path=fixture_dir / "ingest.jsonl",
                           n_boot=50, seed=7, reference="ann")
    assert again["provenance"]["results_sha256"] == m["provenance"]["results_sha256"]


def test_cli_evaluate_and_export_qdpx_round_trip(fixture_dir):
    runner = CliRunner()
    result = runner.invoke(app, [
        "evaluate", "--gold", str(fixture_dir / "gold.csv"), "--pred", str(fixture_dir / "machine"),
        "-o", str(fixture_dir / "cli-report"), "--codebook", str(fixture_dir / "codebook.yaml"),
        "--reference", "ann", "--n-boot", "20",
    ])
    assert result.exit_code == 0, result.output
    assert "micro F1 0.73" in result.output
    assert (fixture_dir / "cli-report" / "report.html").is_file()

    bad = runner.invoke(app, ["evaluate", "--gold", str(fixture_dir / "nope.csv"), "--pred", str(fixture_dir / "machine"),
                              "--codebook", str(fixture_dir / "codebook.yaml")])
    assert bad.exit_code == 2 and "file not found" in bad.output

    qdpx = fixture_dir / "machine.qdpx"
    result = runner.invoke(app, ["export-qdpx", str(fixture_dir / "machine"), "-o", str(qdpx),
                                 "--text", str(fixture_dir / "ingest.jsonl"), "--codebook", str(fixture_dir / "codebook.yaml")])
    assert result.exit_code == 0, result.output
    assert zipfile.is_zipfile(qdpx)
    from practice_themes.coding.qdpx import read_qdpx

    gold = read_qdpx(qdpx, mapping={"Neglect": "neglect", "Domestic abuse": "domestic_abuse"})
    got = gold.codes[["doc_id", "theme", "start", "end"]].astype({"start": int, "end": int})
    passages = pd.read_csv(fixture_dir / "machine" / "passages.csv")[["doc_id", "theme", "start", "end"]]
    key = ["doc_id", "theme", "start", "end"]
    assert got.sort_values(key).reset_index(drop=True).equals(passages.sort_values(key).reset_index(drop=True))


def test_export_refuses_text_that_does_not_match_the_spans(fixture_dir):
    from practice_themes.evaluation.machine import PredictionError
    from practice_themes.evaluation.qdpx_export import export_results

    wrong = fixture_dir / "wrong.jsonl"
    wrong.write_text("".join(json.dumps({"doc_id": d, "text": "x" * 200}) + "\n" for d in TEXTS))
    with pytest.raises(PredictionError, match="do not match the document text"):
        export_results(fixture_dir / "machine", fixture_dir / "x.qdpx", text_path=wrong,
                       codebook_path=fixture_dir / "codebook.yaml")


def test_reference_coding_majority_vote_of_three():
    index = pd.MultiIndex.from_tuples([(d, c) for d in ("a", "b") for c in ("x", "y", "z")], names=["doc_id", "coder"])
    matrix = pd.DataFrame({"t": [1, 1, 0, 0, 0, 1]}, index=index, dtype=float)
    ref, rule = reference_coding(matrix, ["x", "y", "z"], None)
    assert ref["t"].to_dict() == {"a": 1.0, "b": 0.0}


def test_passage_rule_pieces():
    assert spans_match((0, 10), (5, 30))          # overlap 5 = 50% of the shorter (10)
    assert not spans_match((0, 10), (6, 30))
    assert locate_quote("the  HOUSE was\nfilthy", "Yes. The house was filthy.") == (5, 25)
    assert texts_match("The house was filthy!", "Review: the house was filthy and cold")
    assert not texts_match("Father hit mother.", "The house was filthy.")


def test_learning_curve_with_a_toy_model():
    docs = [f"d{i}" for i in range(12)]
    gold = pd.DataFrame({"a": [1, 0] * 6, "b": [1] * 12}, index=docs, dtype=float)

    def fit_predict(train, test):
        # Majority class per theme from the training documents.
        majority = (gold.loc[train].mean() >= 0.5).astype(int)
        return pd.DataFrame([majority.to_dict()] * len(test), index=test)

    curve = learning_curve(fit_predict, docs, gold, [2, 4, 9, 50], n_repeats=3, seed=1)
    assert sorted(curve["n_train"].unique()) == [2, 4, 9]
    assert len(curve) == 9 and curve["n_test"].eq(3).all()
    # Theme b is always present and always predicted: its F1 is 1, so macro F1 is at least 0.5.
    assert (curve["macro_f1"] >= 0.5).all()
    summary = summarise_curve(curve)
    assert list(summary["n_train"]) == [2, 4, 9]
    assert curve.equals(learning_curve(fit_predict, docs, gold, [2, 4, 9, 50], n_repeats=3, seed=1))


def test_machine_spans_that_do_not_hold_their_text_fall_back_to_text_matching():
    from practice_themes.evaluation.passages import passage_agreement

    text = "Intro. The school did not share the referral. End."
    human = pd.DataFrame([{"doc_id": "a", "theme": "t", "quote": "The school did not share the referral.",
                           "start": None, "end": None}])
    # Span shifted by 3 characters (another cleaning version): the span overlap rule would still
    # pass, but the span is untrustworthy, so the text decides.
    machine = pd.DataFrame([{"doc_id": "a", "theme": "t", "start": 10, "end": 48, "text": "The school did not share the referral."},
                            {"doc_id": "a", "theme": "t", "start": 7, "end": 45, "text": "Completely different words here, none."}])
    result = passage_agreement(machine, human, {"a": text})
    assert result["machine_spans_not_in_text"] == 2
    assert (result["overall"]["machine_matched"], result["overall"]["human_matched"]) == (1, 1)




def test_learning_curve_trains_with_the_factory_the_caller_passes_not_an_imported_model(fixture_dir):
    """Issue 16: the harness imported the supervised classifier (an upward edge); now the CLI hands it in."""
    calls = []

    def make_fit_predict(texts, theme_ids, *, gold, seed):
        calls.append((sorted(texts), list(theme_ids), seed))

        def fit_predict(train, test):
            majority = (gold.loc[train].mean() >= 0.5).astype(int)
            return pd.DataFrame([majority.to_dict()] * len(test), index=test)

        return fit_predict

    m = run(fixture_dir, reference="ann", learning_curve=True, make_fit_predict=make_fit_predict)
    assert calls and calls[0][0] == sorted(TEXTS) and calls[0][2] == 7
    assert m["learning_curve"]["rows"] and "summary" in m["learning_curve"]
    skipped = run(fixture_dir, reference="ann", learning_curve=True)
    assert skipped["learning_curve"]["status"].startswith("skipped: needs document texts")
