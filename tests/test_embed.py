"""Embeddings: normalised, deduplicated, and bf16 equivalent to fp32."""

import numpy as np
import pytest

from pipeline import embed

SENTENCES = [
    "The health visitor did not share her concerns about the baby's weight with the GP.",
    "Police attended the home twice after neighbours reported shouting and a woman crying.",
    "The child was not brought to three hospital appointments and was discharged.",
    "Mother agreed to every action at the core group but none were completed.",
    "The review panel met four times between March and September.",
]


@pytest.mark.slow
def test_embeddings_are_unit_length_and_duplicates_are_identical():
    vectors = embed.encode(SENTENCES + SENTENCES[:2], precision="fp32")
    assert vectors.shape == (7, embed.DIMENSION) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(vectors[5], vectors[0]) and np.array_equal(vectors[6], vectors[1])


@pytest.mark.slow
@pytest.mark.skipif(not embed.bf16_supported(), reason="this CPU has no native bf16 units")
def test_bf16_embeddings_match_fp32_to_cosine_0_9999():
    fp32 = embed.encode(SENTENCES, precision="fp32")
    bf16 = embed.encode(SENTENCES, precision="bf16")
    assert np.min(np.sum(fp32 * bf16, axis=1)) >= 0.9999


def test_precision_choice_honours_the_environment(monkeypatch):
    monkeypatch.setenv(embed.PRECISION_ENV, "fp32")
    assert embed.resolve_precision() == "fp32"
    monkeypatch.setenv(embed.PRECISION_ENV, "fp8")
    with pytest.raises(ValueError, match="fp8"):
        embed.resolve_precision()


def test_empty_input_needs_no_model():
    assert embed.encode([]).shape == (0, embed.DIMENSION)
