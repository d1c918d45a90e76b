"""Which coding is the reference, and which coders are independent.

One rule for every command that needs a single human coding from several
coders (``evaluate``'s reference, ``summarize --human``'s sample): a coder
named like a consensus (``consensus``, ``adjudicated``, ``reconciled``,
``gold``, ...) is the reference when there is one; otherwise the majority of
the independent coders, with ties left out (``TIE_RULE``). A consensus is
derived from the other coders, so it never counts as one more coder of the
human ceiling.
"""

from __future__ import annotations

import re
from typing import Sequence

import numpy as np
import pandas as pd

from practice_themes.coding.tables import AnnotationError

__all__ = ["TIE_RULE", "ceiling_coders", "is_consensus_name", "majority_vote", "reference_coding"]

_CONSENSUS = re.compile(r"consensus|adjudicat|reconcil|agreed|\bgold\b|\bfinal\b", re.IGNORECASE)
TIE_RULE = (
    "Majority vote of the independent coders on the documents every one of them coded: present when more than "
    "half coded the theme present, absent when more than half did not; a tie (e.g. one of two coders) is left "
    "out, because a disagreement nobody adjudicated is not a label."
)


def is_consensus_name(name: str) -> bool:
    """True for a coder or column named like a consensus or adjudicated verdict."""
    return bool(_CONSENSUS.search(str(name)))


def majority_vote(matrix: pd.DataFrame, coders: Sequence[str]) -> tuple[pd.DataFrame, int]:
    """doc × theme majority of ``coders`` (``TIE_RULE``) and the number of tied cells left out.

    ``matrix`` is ``GoldCoding.document_matrix``: index (doc_id, coder).
    """
    votes = matrix[matrix.index.get_level_values("coder").isin(list(coders))]
    per_doc = votes.reset_index().groupby("doc_id")["coder"].nunique()
    shared = per_doc.index[per_doc == len(coders)]
    if len(shared) == 0:
        raise AnnotationError(
            f"no document was coded by every one of {', '.join(coders)}, so there is no majority to form; "
            "name the reference coder with --reference"
        )
    votes = votes.loc[votes.index.get_level_values("doc_id").isin(shared)]
    present = votes.groupby(level="doc_id").sum(min_count=1)
    coded = votes.notna().groupby(level="doc_id").sum()
    out = pd.DataFrame(np.nan, index=present.index, columns=present.columns)
    out[present * 2 > coded] = 1.0
    out[(coded - present) * 2 > coded] = 0.0
    ties = int(((present * 2 == coded) & (coded > 0)).to_numpy().sum())
    return out, ties


def reference_coding(matrix: pd.DataFrame, coders: Sequence[str], reference: str | None) -> tuple[pd.DataFrame, str]:
    """The doc × theme reference the machine is scored against, and a sentence saying how it was formed."""
    if reference is not None:
        if reference not in coders:
            raise AnnotationError(f"--reference {reference!r} is not a coder in the gold file; coders: {', '.join(coders)}")
        return matrix.xs(reference, level="coder"), f"coder {reference!r} (given as --reference)"
    if len(coders) == 1:
        return matrix.xs(coders[0], level="coder"), f"the only coder, {coders[0]!r}"
    named = [c for c in coders if is_consensus_name(c)]
    if len(named) == 1:
        return matrix.xs(named[0], level="coder"), f"coder {named[0]!r} (a consensus, by its name)"
    independent = [c for c in coders if c not in named] or list(coders)
    consensus, ties = majority_vote(matrix, independent)
    return consensus, TIE_RULE + f" Coders: {', '.join(independent)}; {ties} tied document × theme cells left out."


def ceiling_coders(coders: Sequence[str], reference: str | None, explicit: Sequence[str] | None) -> tuple[list[str], str]:
    """The independent coders whose agreement forms the human ceiling, and why these.

    ``explicit`` (``--ceiling-coders``) wins; otherwise every coder not named
    like a consensus. The reference stays in when it is itself an
    independent coder (e.g. ``--reference coder_a``).
    """
    if explicit:
        unknown = [c for c in explicit if c not in coders]
        if unknown:
            raise AnnotationError(f"--ceiling-coders: {', '.join(unknown)} not among the coders ({', '.join(coders)})")
        return list(explicit), "given as --ceiling-coders"
    left_out = [c for c in coders if is_consensus_name(c)]
    kept = [c for c in coders if c not in left_out]
    if left_out:
        return kept, (f"{', '.join(repr(c) for c in left_out)} left out: named like a consensus, which is derived "
                      "from the other coders (name the independent coders with --ceiling-coders)")
    return kept, "every coder (none is named like a consensus; name the independent ones with --ceiling-coders)"
