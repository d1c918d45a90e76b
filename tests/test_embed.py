"""Embeddings: the same vectors as sentence-transformers, normalised, deduplicated, and bf16 close to fp32."""

import json

import numpy as np
import pytest

from practice_themes import embed

SENTENCES = [
    "The health visitor did not share her concerns about the baby's weight with the GP.",
    "Police attended the home twice after neighbours reported shouting and a woman crying.",
    "The child was not brought to three hospital appointments and was discharged.",
    "Mother agreed to every action at the core group but none were completed.",
    "The review panel met four times between March and September.",
]

# Short, long (well past the 256-token limit), unicode, odd spacing, punctuation only, empty.
VARIED = SENTENCES + [
    "Yes.", "No", "?", "", "   ", "A", "GP", "MASH", "Child A (aged 7 weeks).", "See paragraph 4.12.",
    "  Leading and trailing spaces  ", "Tabs\tand\nnew\nlines in one sentence.",
    "Ünïcödé accents: café, naïve, façade, São Paulo, Zoë, Chloë.",
    "Quotes “curly” and ‘single’ — dashes – and ellipses…",
    "Polish and Romanian names: Łukasz, Ștefan, Țara, Grzegorz Brzęczyszczykiewicz.",
    "Arabic العربية, Urdu اردو, Bengali বাংলা, Chinese 中文, emoji 👶🏽🚓.",
    "CAPITALS: THE SOCIAL WORKER DID NOT VISIT FOR SIX WEEKS.",
    "Numbers 01234 567890, 12/03/2019, £1,200 and 37.5°C.",
    "Section 47 enquiries; s.20 accommodation; CP-IS flags; MARAC referral (x3).",
    "The father's previous convictions for violence were not known to children's social care.",
    "Nobody asked who the man seen at the home was.",
    "Professionals were reassured by the parents' presentation and the case was closed.",
    "The school raised concerns about neglect but the threshold for a referral was not met.",
    "She was seen by eleven different practitioners in four months, and none of them spoke to her alone.",
    "Escalation: the health visitor disagreed with the decision but did not escalate it.",
    "Safe sleep advice was given at the new birth visit but not repeated after the family moved.",
    "The mother's mental health deteriorated after the birth and her GP increased her medication.",
    "Cannabis use by both parents was described as recreational and not explored further.",
    "Missing episodes were treated as a behavioural problem rather than a sign of exploitation.",
    "An interpreter was not used at the strategy meeting.",
    "Recommendation 3: the partnership should audit the use of written agreements.",
    ("The review found that information about the family was held across health, education, police and "
     "children's social care, but that no single agency had the full picture at any point. ") * 3,
    "word " * 300,
    "Very long sentence " + ", and then the practitioners met again to discuss the plan" * 40 + ".",
    ("In the months before the incident, the family moved address three times, the children changed school "
     "twice, and the records that followed them were incomplete, so each new practitioner started again "
     "with little knowledge of the history, of previous referrals, or of the concerns that earlier "
     "professionals had raised about the mother's partner and his history of violence. ") * 4,
    "x" * 2000,
    "末尾 " * 400,
    "Ｆｕｌｌｗｉｄｔｈ letters and the ligature ﬁ.",
    "Zero\u200bwidth\u200bspaces and a soft\u00adhyphen.",
    "Mixed: Police/CSC/Health – 3 agencies; 0 joint visits.",
    "He said: \"I'm fine\" — but he wasn't.",
    "Repeated repeated repeated repeated words words words.",
    "a b c d e f g h i j k l m n o p q r s t u v w x y z",
    "The baby was seven weeks old.",
    "Strategy discussion held by phone; no minutes were kept.",
]


@pytest.fixture(scope="session")
def fp32_model():
    return embed.load_encoder("fp32")


@pytest.mark.slow
def test_embeddings_match_sentence_transformers(fp32_model):
    from sentence_transformers import SentenceTransformer

    assert len(VARIED) >= 50
    reference = SentenceTransformer(str(embed.model_path()), device="cpu").encode(
        VARIED, batch_size=16, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
    ours = fp32_model.encode(VARIED, batch_size=16)
    cosine = np.sum(ours * reference, axis=1)
    worst = int(np.argmin(cosine))
    assert cosine[worst] >= 0.99999, f"{VARIED[worst][:60]!r}: cosine {cosine[worst]:.7f}"


@pytest.mark.slow
def test_batching_and_order_do_not_change_vectors(fp32_model):
    one_batch = fp32_model.encode(VARIED, batch_size=len(VARIED))
    small = fp32_model.encode(VARIED[::-1], batch_size=3)[::-1]
    assert np.min(np.sum(one_batch * small, axis=1)) >= 0.99999


@pytest.mark.slow
def test_long_inputs_are_truncated_to_max_seq_length(fp32_model):
    layout = embed.SentenceTransformerLayout.read(embed.model_path())
    assert layout.max_seq_length == json.loads((embed.model_path() / "sentence_bert_config.json").read_text())[
        "max_seq_length"]
    long = "The plan was reviewed. " * 200
    longer = long + "Police were called after father assaulted mother. " * 50
    a, b = fp32_model.encode([long, longer])
    assert float(a @ b) >= 0.99999  # the tail past the limit is never seen


@pytest.mark.slow
def test_embeddings_are_unit_length_and_duplicates_are_identical():
    vectors = embed.default_embedder("fp32").encode(SENTENCES + SENTENCES[:2])
    assert vectors.shape == (7, embed.DIMENSION) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(vectors[5], vectors[0]) and np.array_equal(vectors[6], vectors[1])


@pytest.mark.slow
@pytest.mark.skipif(not embed.bf16_supported(), reason="this CPU has no native bf16 units")
def test_bf16_embeddings_match_fp32_to_cosine_0_9999():
    fp32 = embed.default_embedder("fp32").encode(VARIED)
    bf16 = embed.default_embedder("bf16").encode(VARIED)
    assert np.min(np.sum(fp32 * bf16, axis=1)) >= 0.9999


def test_layout_rejects_a_folder_that_is_not_mean_pooled(tmp_path):
    (tmp_path / "1_Pooling").mkdir()
    (tmp_path / "modules.json").write_text(json.dumps([
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]))
    (tmp_path / "1_Pooling" / "config.json").write_text(json.dumps(
        {"word_embedding_dimension": 384, "pooling_mode_cls_token": True, "pooling_mode_mean_tokens": False}))
    (tmp_path / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": 128}))
    with pytest.raises(ValueError, match="mean pooling"):
        embed.SentenceTransformerLayout.read(tmp_path)


def test_shipped_layout_is_mean_pooling_then_normalise():
    layout = embed.SentenceTransformerLayout.read(embed.model_path())
    assert (layout.dimension, layout.normalize, layout.max_seq_length) == (embed.DIMENSION, True, 256)


@pytest.mark.slow
def test_loading_the_model_imports_neither_transformers_nor_sentence_transformers():
    import subprocess
    import sys

    code = ("import sys; from practice_themes import embed; embed.load_encoder('fp32'); "
            "print('sentence_transformers' in sys.modules or 'transformers' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_dtype_choice_honours_the_environment(monkeypatch):
    monkeypatch.setenv(embed.DTYPE_ENV, "fp32")
    assert embed.resolve_dtype() == "fp32"
    monkeypatch.setenv(embed.DTYPE_ENV, "fp8")
    with pytest.raises(ValueError, match="fp8"):
        embed.resolve_dtype()


def test_an_embedder_loads_its_encoder_only_when_something_needs_encoding(monkeypatch):
    monkeypatch.setattr(embed, "load_encoder", lambda dtype=None: pytest.fail("the encoder was loaded"))
    embedder = embed.Embedder(dtype="fp32")
    assert embedder.encode([]).shape == (0, embed.DIMENSION)
    with embedder.memoised():
        embedder.memo_[("fp32", "known")] = np.ones(embed.DIMENSION, dtype=np.float32)
        assert embedder.encode(["known", "known"]).shape == (2, embed.DIMENSION)
    assert embedder.encoder_ is None and embedder.memo_ is None


def test_embedders_keep_separate_memos():
    # The memo belongs to the embedder object: one classifier's memo never feeds another's.
    a, b = embed.Embedder(dtype="fp32"), embed.Embedder(dtype="fp32")
    with a.memoised():
        assert a.memo_ == {} and b.memo_ is None


def test_empty_input_needs_no_model():
    assert embed.default_embedder().encode([]).shape == (0, embed.DIMENSION)


@pytest.mark.slow
def test_token_budget_batches_match_one_sentence_at_a_time(fp32_model):
    # Batches are cut by padded tokens; a sentence's vector must not depend on its batch-mates' padding.
    alone = np.stack([fp32_model.encode([s])[0] for s in VARIED[:20]])
    budgeted = fp32_model.encode(VARIED[:20], max_batch_tokens=64)
    assert np.min(np.sum(alone * budgeted, axis=1)) >= 0.99999


@pytest.mark.slow
@pytest.mark.skipif(not embed.bf16_supported(), reason="this CPU has no native bf16 units")
def test_bf16_one_word_inputs_stay_within_cosine_0_9999_of_fp32():
    # Regression: bf16 layer norms let "Yes." drift to 0.9998; only dense products may run in bf16.
    short = ["Yes.", "No", "GP", "A", "Agreed.", "See 3.2."]
    fp32 = embed.default_embedder("fp32").encode(short)
    bf16 = embed.default_embedder("bf16").encode(short)
    assert np.min(np.sum(fp32 * bf16, axis=1)) >= 0.9999
