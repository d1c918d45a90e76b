"""The human ceiling: one rule (practice_themes.stats.ceiling) for `agreement` and `evaluate`."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from practice_themes.evaluation.agreement import agreement_report
from practice_themes.stats.ceiling import ceiling_comparison
from practice_themes.coding.consensus import ceiling_coders, is_consensus_name
from practice_themes.stats.coefficients import cohen_kappa


def _noisy(truth: np.ndarray, flip: float, rng: np.random.Generator) -> np.ndarray:
    return np.where(rng.random(len(truth)) < flip, 1 - truth, truth).astype(float)


def test_nan_human_pair_never_makes_a_within_verdict():
    """Issue 15: human pairs {NaN, 0, 0} and a machine that disagrees read "within the human range"."""
    table = pd.DataFrame({
        "M": [0, 1, 0, 1, 0, 1, 0, 1],
        "A": [0] * 8,              # A and B never code the theme: their kappa is undefined
        "B": [0] * 8,
        "C": [1, 0, 1, 0, 0, 0, 1, 1],
    }, dtype=float)
    result = ceiling_comparison(table, "M", ["A", "B", "C"], n_boot=200, seed=1)
    undefined = result["undefined_pairs"]
    assert [(p["a"], p["b"], p["verdict"]) for p in undefined] == [("A", "B", "undefined")]
    assert [p["human_kappa"] for p in result["pairs"]] == [0.0, 0.0]
    assert result["mean"]["n_pairs"] == 2
    assert result["verdict"] != "within"
    assert "1 pair(s) with undefined κ left out" in result["statement"]


def test_paired_difference_is_machine_kappa_minus_human_kappa_on_the_same_documents():
    rng = np.random.default_rng(5)
    truth = (rng.random(60) < 0.4).astype(float)
    table = pd.DataFrame({"M": _noisy(truth, 0.1, rng), "A": _noisy(truth, 0.1, rng), "B": _noisy(truth, 0.1, rng)})
    table.loc[:9, "B"] = np.nan  # B coded 50 of the 60 documents; the pair uses only those
    pair = ceiling_comparison(table, "M", ["A", "B"], n_boot=300, seed=2)["pairs"][0]
    both = table.dropna()
    human = cohen_kappa(both["A"], both["B"])
    machine = (cohen_kappa(both["M"], both["A"]) + cohen_kappa(both["M"], both["B"])) / 2
    assert pair["n"] == 50
    assert (pair["human_kappa"], pair["machine_kappa"]) == pytest.approx((human, machine))
    assert pair["difference"] == pytest.approx(machine - human)
    assert pair["n_boot"] == 300 and pair["ci_method"] == "bca"


def test_verdicts_above_below_and_within_need_intervals_that_exclude_zero():
    rng = np.random.default_rng(11)
    truth = (rng.random(400) < 0.4).astype(float)
    humans = {"A": _noisy(truth, 0.15, rng), "B": _noisy(truth, 0.15, rng)}
    good = pd.DataFrame({"M": truth, **humans})
    bad = pd.DataFrame({"M": _noisy(truth, 0.45, rng), **humans})
    assert ceiling_comparison(good, "M", ["A", "B"], n_boot=300, seed=3)["verdict"] == "above"
    assert ceiling_comparison(bad, "M", ["A", "B"], n_boot=300, seed=3)["verdict"] == "below"
    # Within: A and B agree closely, C is a poor coder; the machine sits clearly between the pairs.
    close_a, close_b = _noisy(truth, 0.02, rng), _noisy(truth, 0.02, rng)
    within = pd.DataFrame({"M": _noisy(truth, 0.15, rng), "A": close_a, "B": close_b, "C": _noisy(truth, 0.35, rng)})
    result = ceiling_comparison(within, "M", ["A", "B", "C"], n_boot=300, seed=3)
    assert result["verdict"] == "within", result["statement"]
    # Few documents: the same machine cannot be told apart from the humans.
    few = good.iloc[:8]
    assert ceiling_comparison(few, "M", ["A", "B"], n_boot=300, seed=3)["verdict"] in ("cannot tell", "above")


def test_consensus_names_are_left_out_of_the_ceiling():
    assert is_consensus_name("consensus") and is_consensus_name("Post-consensus verdict: child suicide?")
    assert is_consensus_name("adjudicated") and not is_consensus_name("coder_a")
    kept, why = ceiling_coders(["coder_a", "coder_b", "consensus"], "consensus", None)
    assert kept == ["coder_a", "coder_b"] and "'consensus' left out" in why
    assert ceiling_coders(["x", "y", "final_call"], None, ["x", "y"]) == (["x", "y"], "given as --ceiling-coders")


def test_agreement_uses_the_same_rule_as_evaluate():
    rng = np.random.default_rng(2)
    truth = (rng.random(80) < 0.5).astype(float)
    table = pd.DataFrame({"tool": _noisy(truth, 0.1, rng), "h1": _noisy(truth, 0.1, rng), "h2": _noisy(truth, 0.1, rng),
                          "ref": truth})
    report = agreement_report(table, ["tool", "h1", "h2"], "ref", machines=["tool"], n_boot=200, seed=4)
    direct = ceiling_comparison(table, "tool", ["h1", "h2"], n_boot=200, seed=4)
    (shared,) = report["ceiling"]
    assert shared["verdict"] == direct["verdict"]
    assert shared["mean"]["difference"] == pytest.approx(direct["mean"]["difference"])
    assert shared["mean"]["ci_low"] == pytest.approx(direct["mean"]["ci_low"])
