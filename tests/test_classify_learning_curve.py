"""``make_fit_predict``: the evaluation harness's learning-curve hook trains from document-level coding."""

import pytest

TEXTS = {
    "da1": "Police were called after Mr X punched mother in the kitchen.\n\n"
           "Mother later said she was frightened of him and that he controlled her money.",
    "da2": "A neighbour reported hearing a man shouting and a woman screaming in the flat.\n\n"
           "Mother had a black eye, which she said came from walking into a door.",
    "ne1": "The home was cold, there was no food in the cupboards and the children were unwashed.\n\n"
           "The baby's nappy had not been changed for many hours.",
    "ne2": "The children were often hungry at school and wore the same dirty clothes for days.\n\n"
           "Mattresses were soaked in urine and the kitchen was covered in rubbish.",
    "da3": "He hit her again in front of the children and police were called to the house.",
}


@pytest.mark.slow
def test_fit_predict_trains_from_document_codes_and_returns_a_0_1_frame(codebook):
    import pandas as pd

    from practice_themes.classify.methods import make_fit_predict

    gold = pd.DataFrame(0, index=list(TEXTS), columns=["domestic_abuse", "neglect", "not_in_codebook"])
    gold.loc[["da1", "da2", "da3"], "domestic_abuse"] = 1
    gold.loc[["ne1", "ne2"], "neglect"] = 1
    fit_predict = make_fit_predict(TEXTS, list(gold.columns), gold=gold, seed=0, codebook=codebook)
    predicted = fit_predict(["da1", "da2", "ne1", "ne2"], ["da3"])
    assert list(predicted.index) == ["da3"] and list(predicted.columns) == list(gold.columns)
    assert set(predicted.to_numpy().ravel()) <= {0, 1}
    assert predicted.loc["da3", "domestic_abuse"] == 1 and predicted.loc["da3", "not_in_codebook"] == 0
    assert predicted.equals(fit_predict(["da1", "da2", "ne1", "ne2"], ["da3"]))


def test_fit_predict_without_gold_says_what_it_needs():
    from practice_themes.classify.methods import make_fit_predict

    with pytest.raises(TypeError, match="gold="):
        make_fit_predict(TEXTS, ["neglect"], seed=0)
