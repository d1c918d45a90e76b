"""``practice-themes train`` on a tiny coded corpus; the model loads, tags and checks its codebook."""

import csv
import json

import pytest
import yaml
from typer.testing import CliRunner

from practice_themes.cli import app
from practice_themes.codebook import DEFAULT_CODEBOOK, load_codebook

runner = CliRunner()

DOCS = {
    "da1": ["Police were called after Mr X punched mother in the kitchen.",
            "Mother later said she was frightened of him and that he controlled her money.",
            "The children attended school regularly and were well presented."],
    "da2": ["A neighbour reported hearing a man shouting and a woman screaming in the flat.",
            "Mother had a black eye, which she said came from walking into a door.",
            "The family lived in a two-bedroom flat near the town centre."],
    "ne1": ["The home was cold, there was no food in the cupboards and the children were unwashed.",
            "The baby's nappy had not been changed for many hours.",
            "The review panel met four times."],
    "ne2": ["The children were often hungry at school and wore the same dirty clothes for days.",
            "Mattresses were soaked in urine and the kitchen was covered in rubbish.",
            "The reviewer thanks the practitioners who took part."],
}
CODES = [("da1", "domestic_abuse", 0), ("da1", "domestic_abuse", 1), ("da2", "domestic_abuse", 0),
         ("da2", "domestic_abuse", 1), ("ne1", "neglect", 0), ("ne1", "neglect", 1),
         ("ne2", "neglect", 0), ("ne2", "neglect", 1)]


def _coded_corpus(folder):
    """(annotations CSV, corpus folder) of the four tiny coded documents."""
    from docx import Document

    corpus = folder / "corpus"
    corpus.mkdir()
    for doc_id, sentences in DOCS.items():
        document = Document()
        for sentence in sentences:
            document.add_paragraph(sentence)
        document.save(corpus / f"{doc_id}.docx")
    annotations = folder / "codings.csv"
    with open(annotations, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["doc_id", "coder", "theme", "quote", "note"])
        for doc_id, theme, i in CODES:
            writer.writerow([doc_id, "coder_a", theme, DOCS[doc_id][i], ""])
    return annotations, corpus


def _changed_neglect(folder):
    """The shipped codebook with neglect's definition edited."""
    data = yaml.safe_load(DEFAULT_CODEBOOK.read_text(encoding="utf-8"))
    next(t for t in data["themes"] if t["id"] == "neglect")["definition"] = "Something else entirely."
    (folder / "changed.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    return load_codebook(folder / "changed.yaml")


def _added_fire_setting(folder):
    """The shipped codebook plus a theme no model was trained with."""
    data = yaml.safe_load(DEFAULT_CODEBOOK.read_text(encoding="utf-8"))
    data["themes"].append({"id": "fire_setting", "label": "Fire setting", "kind": "context",
                           "definition": "A child or adult deliberately setting fires.",
                           "include": [], "exclude": [], "exemplars": ["He set fire to the curtains in the bedroom."]})
    (folder / "added.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    return load_codebook(folder / "added.yaml")


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    annotations, corpus = _coded_corpus(tmp_path_factory.mktemp("train"))
    out = annotations.parent / "model"
    result = runner.invoke(app, ["train", str(annotations), "-o", str(out), "--corpus", str(corpus),
                                 "--method", "stacked", "--min-positives", "2"])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def rate_matched(tmp_path_factory):
    annotations, corpus = _coded_corpus(tmp_path_factory.mktemp("train"))
    out = annotations.parent / "model"
    result = runner.invoke(app, ["train", str(annotations), "-o", str(out), "--corpus", str(corpus)])
    assert result.exit_code == 0, result.output
    assert "rate-matched: 2 theme(s) calibrated on 4 documents" in result.output
    return out


@pytest.mark.slow
def test_model_folder_records_what_it_was_trained_with(trained):
    metadata = json.loads((trained / "metadata.json").read_text())
    assert metadata["codebook"]["sha256"] == load_codebook().sha256
    assert metadata["embedding_model"] == "all-MiniLM-L6-v2"
    assert len(metadata["training_data"]["sha256"]) == 64
    assert set(metadata["trained_themes"]) == {"domestic_abuse", "neglect"}
    # every uncoded theme stays at the default classifier, and says why
    assert metadata["default_themes"]["escalation"].startswith("0 coded positive document(s), fewer than 2")
    assert "macro_f1" in metadata["cv_scores"] and metadata["versions"]["sklearn"]
    assert metadata["chosen_C"] in metadata["settings"]["Cs"] and metadata["settings"]["C"] is None
    assert sum(f.stat().st_size for f in trained.iterdir()) < 2_000_000


@pytest.mark.slow
def test_trained_model_tags_and_untrained_themes_fall_back_to_zero_shot(trained):
    from practice_themes.classify import load_classifier
    from practice_themes.segment import segment_text as passages_from_text

    model = load_classifier(trained)
    assert model.describe()["kind"] == "trained"
    tags = {t.theme_id: t for t in model.tag(passages_from_text(
        "Police were called after father hit mother. The young person had self-harmed and spoke of suicide."))}
    assert tags["domestic_abuse"].present
    assert tags["adolescent_risk"].score > tags["neglect"].score  # zero-shot theme still scores
    again = load_classifier(trained)
    assert again.fingerprint == model.fingerprint


@pytest.mark.slow
def test_changed_trained_theme_is_refused_and_added_theme_is_zero_shot(trained, tmp_path):
    from practice_themes.classify import load_classifier
    from practice_themes.classify.persistence import CodebookMismatchError
    from practice_themes.segment import segment_text as passages_from_text

    with pytest.raises(CodebookMismatchError, match="neglect"):
        load_classifier(trained, codebook=_changed_neglect(tmp_path))
    model = load_classifier(trained, codebook=_added_fire_setting(tmp_path))
    tags = model.tag(passages_from_text("The boy set fire to his mattress while the family slept."))
    assert [t.theme_id for t in tags][-1] == "fire_setting"
    assert max(tags, key=lambda t: t.score).theme_id == "fire_setting"
    assert "fire_setting" in model.describe()["zero_shot_themes"]


def test_training_reads_coding_with_the_evaluation_reader(tmp_path):
    # train had its own CSV reader: it took present = 0 rows as coded and gave no row
    # numbers or column suggestions; it now shares practice_themes.coding.readers.read_gold.
    import pytest

    from practice_themes.classify.training import AnnotationError, read_annotations

    ids = ["neglect", "domestic_abuse"]
    good = tmp_path / "coding.csv"
    good.write_text("doc_id,coder,theme,quote,present\n"
                    "d1,ann,neglect,The home was cold.,1\n"
                    "d1,ann,domestic_abuse,,0\n", encoding="utf-8")
    coding = read_annotations(good, ids)
    assert coding.doc_themes == {"d1": {"neglect"}}
    assert coding.quotes == {"d1": [("neglect", "The home was cold.")]}
    bad = tmp_path / "bad.csv"
    bad.write_text("doc_id,coder,theem\nd1,ann,neglect\n", encoding="utf-8")
    with pytest.raises(AnnotationError, match=r"missing column 'theme' \(did you mean 'theem'\?\)"):
        read_annotations(bad, ids)


@pytest.mark.slow
def test_train_calibrates_rate_matched_cuts_by_default(rate_matched):
    from practice_themes.classify import load_classifier
    from practice_themes.segment import segment_text as passages_from_text

    metadata = json.loads((rate_matched / "metadata.json").read_text())
    assert metadata["kind"] == "rate-matched" and metadata["format_version"] == 5
    assert not (rate_matched / "weights.npz").exists()  # cuts only
    assert set(metadata["trained_themes"]) == {"domestic_abuse", "neglect"}
    assert metadata["default_themes"]["escalation"].startswith("no coded positive document")
    assert set(metadata["cuts"]) == set(load_codebook().ids)
    assert metadata["cv_scores"]["themes"]["neglect"]["source"] == "rate-matched"
    model = load_classifier(rate_matched)
    assert model.describe()["kind"] == "rate-matched"
    assert model.theme_thresholds["neglect"] == pytest.approx(metadata["cuts"]["neglect"])
    tags = {t.theme_id: t for t in model.tag(passages_from_text(
        "The children were hungry and unwashed, and the kitchen was covered in rubbish."))}
    assert tags["neglect"].present
    assert load_classifier(rate_matched).fingerprint == model.fingerprint


@pytest.mark.slow
def test_a_format_4_rate_matched_model_keeps_its_decisions_under_the_per_theme_calibrations(rate_matched, tmp_path):
    # Format 4 cuts are on the one global calibration; read as they stand on the per-theme scale, a cut of
    # 0.02 (management oversight) would tag every document.
    import shutil

    from practice_themes.classify import load_classifier
    from practice_themes.classify.calibration import map_cut
    from practice_themes.classify.zeroshot import ZERO_SHOT_CALIBRATION

    metadata = json.loads((rate_matched / "metadata.json").read_text())
    old = tmp_path / "old"
    shutil.copytree(rate_matched, old)
    rows = metadata.pop("calibration")
    assert any(tuple(row) != ZERO_SHOT_CALIBRATION for row in rows.values())
    metadata["format_version"] = 4
    metadata["cuts"] = {t: map_cut(c, tuple(rows[t]), ZERO_SHOT_CALIBRATION) for t, c in metadata["cuts"].items()}
    (old / "metadata.json").write_text(json.dumps(metadata), encoding="utf-8")
    assert load_classifier(old).theme_thresholds == pytest.approx(load_classifier(rate_matched).theme_thresholds)


@pytest.mark.slow
def test_rate_matched_model_refuses_a_changed_theme_and_gives_an_added_one_the_default_cut(rate_matched, tmp_path):
    from practice_themes.classify import load_classifier
    from practice_themes.classify.persistence import CodebookMismatchError
    from practice_themes.classify.zeroshot import ZeroShotClassifier

    with pytest.raises(CodebookMismatchError, match="neglect"):
        load_classifier(rate_matched, codebook=_changed_neglect(tmp_path))
    codebook = _added_fire_setting(tmp_path)
    model = load_classifier(rate_matched, codebook=codebook)
    default = ZeroShotClassifier(codebook).fit()
    assert model.theme_thresholds["fire_setting"] == default.theme_thresholds["fire_setting"]
    saved = json.loads((rate_matched / "metadata.json").read_text())["cuts"]
    assert model.theme_thresholds["neglect"] == pytest.approx(saved["neglect"])


def test_stacked_only_options_are_refused_for_the_rate_matched_method(tmp_path):
    result = runner.invoke(app, ["train", str(tmp_path / "codings.csv"), "-o", str(tmp_path / "m"), "--C", "1"])
    assert result.exit_code == 2
    assert "--C and --min-positives apply to --method stacked only" in result.output
    result = runner.invoke(app, ["train", str(tmp_path / "codings.csv"), "-o", str(tmp_path / "m"),
                                 "--method", "forest"])
    assert result.exit_code == 2 and "unknown training method" in result.output


@pytest.mark.slow
def test_a_rate_matched_folder_without_its_cuts_is_refused_clearly(rate_matched, tmp_path):
    import shutil

    from practice_themes.classify import load_classifier
    from practice_themes.classify.persistence import ModelLoadError

    broken = tmp_path / "broken"
    shutil.copytree(rate_matched, broken)
    metadata = json.loads((broken / "metadata.json").read_text())
    del metadata["cuts"]
    (broken / "metadata.json").write_text(json.dumps(metadata), encoding="utf-8")
    with pytest.raises(ModelLoadError, match="no readable per-theme cuts"):
        load_classifier(broken)
