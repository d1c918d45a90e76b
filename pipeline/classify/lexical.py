"""The lexical side of scoring: cue phrases, negation, good practice and hedges.

Matching runs on spaCy's blank English tokenizer with ``PhraseMatcher``
(no statistical model is needed, so it is fast and deterministic). Cues and
anchors are matched over lemmas: each token's ``NORM`` is set to the lookup
lemma of its lower-cased text (``spacy-lookups-data``'s English table), so
the cue "information was not shared" also finds "information is not
shared" and "self-harm" finds "self-harmed". The fixed polarity phrases
are matched over lower-cased tokens as written. Four things are found per
sentence:

- **cues**: a theme's ``cues`` (and ``aliases``) named outright. A bare cue is
  weak evidence; the semantic side has to agree for a passage to score high.
- **absence scope**: "there were no concerns about ...", "no evidence of ...",
  "neither parent ...", "was not known to ...". Everything from the trigger to
  the end of its clause is negated: cues inside it do not count, and the
  semantic side re-scores the sentence with that scope cut out. Some triggers
  follow what they negate ("domestic abuse was not a factor", "... were not
  present in this case", as in NegEx's post-triggers): their scope runs back
  to the start of the clause.
  Plain "not" is *not* an absence trigger: "information was not shared" is
  how reviews describe the practice failure itself.
- **good practice**: "shared promptly", "a good example of", "was seen alone".
  Without a failure marker in the same sentence ("not", "delay", "however"),
  the sentence praises practice and is not evidence of a practice theme.
- **hedges**: "may have", "it is possible"; they weaken the sentence a little.
- **anchors**: a theme's ``anchors``, the topic's own vocabulary (for
  adolescent risk: "young person", "aged {11-17}", "CAMHS"). They are not
  evidence by themselves; the scorer uses them to tell whether a passage's
  paragraph is about the topic at all. Negation does not matter here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from practice_themes.codebook import Codebook, expand_anchor

ABSENCE_TRIGGERS: tuple[str, ...] = (
    "no concerns", "no concern", "no safeguarding concerns", "no significant concerns",
    "no evidence of", "no evidence to suggest", "no history of", "no known history",
    "no previous history", "no indication of", "no indications of", "no sign of", "no signs of",
    "no suggestion of", "no suggestion that", "no reports of", "no report of", "no allegations of",
    "no allegation of", "no issues of", "no issues around", "no issues regarding",
    "nothing to suggest", "nothing to indicate", "did not identify any", "did not find any",
    "there was no", "there were no", "there had been no", "there has been no", "neither parent",
    "neither of the parents", "neither of them", "neither mother nor father", "not known to",
    "not previously known", "no involvement with", "not aware of any", "ruled out",
    "not a failure", "no failure", "no lack of",
    "found no", "showed no", "revealed no",
)
# Triggers that follow the concern they negate: "neglect and substance misuse were not present".
# "was not identified" is deliberately absent: "the injury was not identified" is a practice failure.
POST_ABSENCE_TRIGGERS: tuple[str, ...] = (
    "was not a factor", "were not a factor", "were not factors", "not a significant factor",
    "not considered to be a factor", "was not a feature", "were not a feature", "were not features",
    "not a feature", "did not feature", "was not present", "were not present", "was not a concern",
    "were not a concern", "was not an issue", "were not an issue", "were not issues", "was not relevant",
    "were not relevant",
)
# Some triggers open an absence scope only before one of their objects.
# "there was no" negates an absent concern, not "there was no assessment of father" (a failure).
_THERE_WAS_NO_OBJECTS = frozenset((
    "concern", "concerns", "evidence", "history", "indication", "indications", "suggestion",
    "sign", "signs", "report", "reports", "allegation", "allegations", "injury", "injuries",
    "mark", "marks", "known", "previous", "record", "suspicion", "reason", "domestic", "violence",
    "issue", "issues", "risk", "involvement", "disclosure", "incident", "incidents",
    # a death not suspicious: "there were no suspicious circumstances", "no third party involvement"
    "suspicious", "third",
))
# "found no" / "showed no" negate only a clinical finding ("the skeletal survey showed no fractures") or
# a death found not suspicious ("police enquiries revealed no suspicious circumstances"), not "the
# reviewer found no record that anyone asked him" (a failure).
_FOUND_NO_OBJECTS = frozenset((
    "injury", "injuries", "fracture", "fractures", "bruise", "bruises", "bruising", "mark", "marks",
    "sign", "signs", "abnormality", "abnormalities", "bleeding", "suspicious", "third",
))
_TRIGGER_OBJECTS: dict[str, frozenset[str]] = {
    **dict.fromkeys(("there was no", "there were no", "there had been no", "there has been no"), _THERE_WAS_NO_OBJECTS),
    **dict.fromkeys(("found no", "showed no", "revealed no"), _FOUND_NO_OBJECTS),
}
GOOD_PRACTICE: tuple[str, ...] = (
    "good practice", "good example", "example of good", "positive practice", "best practice",
    "promptly", "swiftly", "timely", "in a timely", "appropriately", "appropriate action",
    "effective", "effectively", "well coordinated", "well-coordinated", "thorough", "thoroughly",
    "robust", "diligent", "diligently", "tenacious", "tenacity", "commendable", "excellent",
    "high quality", "good quality", "worked well", "was seen alone", "were seen alone",
    "seen on her own", "seen on his own", "seen on their own", "spoken to alone",
    "spoke to her alone", "spoke to him alone", "clear evidence of good", "was noted to be good",
)
FAILURE_MARKERS: tuple[str, ...] = (
    "not", "n't", "no", "never", "nor", "failed", "fail", "failure", "without", "lack", "lacked",
    "lacking", "missed", "delay", "delayed", "late", "insufficient", "inadequate", "limited",
    "poor", "weak", "however", "but", "although", "despite", "unclear", "gap", "gaps",
    "unable", "absence", "omitted", "overlooked", "only",
)
HEDGES: tuple[str, ...] = (
    "may have", "might have", "may be", "might be", "it is possible", "it is conceivable",
    "possibly", "perhaps", "potentially", "it is unclear whether", "unclear whether",
    "it is not clear whether", "cannot be known", "speculative",
)
# Tokens that close a negation scope: the negated clause ends here.
_SCOPE_BREAKS = frozenset({";", ":", ".", "but", "however", "although", "though", "whereas",
                           "yet", "while", "whilst", "except", "until", "because", "so"})


@dataclass
class LexicalAnalysis:
    """Per-sentence lexical findings for a batch of sentences.

    ``cues[i, j]`` counts non-negated cue matches of theme j in sentence i;
    ``negated_cues`` counts those inside an absence scope. ``residual[i]`` is
    the sentence with absence scopes cut out, or None when it has none.
    """

    cues: np.ndarray
    negated_cues: np.ndarray
    absence: np.ndarray
    good_practice: np.ndarray
    failure: np.ndarray
    hedge: np.ndarray
    residual: list[str | None] = field(default_factory=list)
    # anchors[i, j]: sentence i names one of theme j's anchors or cues, negated or not.
    anchors: np.ndarray | None = None

    def features(self) -> np.ndarray:
        """Dense float features: cue presence per theme, then four polarity flags."""
        flags = np.stack([self.absence, self.good_practice & ~self.failure, self.failure, self.hedge], axis=1)
        return np.hstack([(self.cues > 0).astype(np.float32), flags.astype(np.float32)])


@lru_cache(maxsize=1)
def _tokenizer():
    import spacy

    return spacy.blank("en")


@lru_cache(maxsize=1)
def lemma_table() -> dict[str, str]:
    """English lookup lemmas (word -> lemma) from ``spacy-lookups-data``.

    Read straight from the package's gzipped JSON (about 15 ms); going through
    ``spacy.lookups.load_lookups`` costs about 1.6 s of entry-point scanning.
    """
    from pathlib import Path

    import spacy_lookups_data
    import srsly

    path = Path(spacy_lookups_data.__file__).parent / "data" / "en_lemma_lookup.json.gz"
    return dict(srsly.read_gzip_json(path))


def _set_lemma_norms(doc) -> None:
    table = lemma_table()
    for token in doc:
        lower = token.lower_
        token.norm_ = table.get(lower, lower)


def _lemma_docs(nlp, texts):
    """Tokenise ``texts`` and set every token's NORM to its lemma, for matching over lemmas."""
    for doc in nlp.tokenizer.pipe(texts, batch_size=256):
        _set_lemma_norms(doc)
        yield doc


class LexicalMatcher:
    """Find cue phrases, absence scopes, good-practice wording and hedges in sentences."""

    def __init__(self, codebook: Codebook) -> None:
        from spacy.matcher import PhraseMatcher

        self.codebook = codebook
        nlp = _tokenizer()
        self._cue_matcher = PhraseMatcher(nlp.vocab, attr="NORM")
        self._anchor_matcher = PhraseMatcher(nlp.vocab, attr="NORM")
        for theme in codebook.themes:
            cues = sorted({" ".join(c.split()) for c in theme.cues + theme.aliases})
            if cues:
                self._cue_matcher.add(theme.id, list(_lemma_docs(nlp, cues)))
            anchors = sorted({expanded for anchor in theme.anchors for expanded in expand_anchor(anchor)})
            if anchors:
                self._anchor_matcher.add(theme.id, list(_lemma_docs(nlp, anchors)))
        # Themes that have anchors; the others are never gated.
        self.has_anchors = np.array([bool(t.anchors) for t in codebook.themes], dtype=bool)
        self._polarity = PhraseMatcher(nlp.vocab, attr="LOWER")
        for label, phrases in (("ABSENCE", ABSENCE_TRIGGERS), ("POST_ABSENCE", POST_ABSENCE_TRIGGERS),
                               ("GOOD", GOOD_PRACTICE), ("FAILURE", FAILURE_MARKERS), ("HEDGE", HEDGES)):
            self._polarity.add(label, list(nlp.tokenizer.pipe(phrases)))
        self._theme_index = {t.id: j for j, t in enumerate(codebook.themes)}

    def analyse(self, texts: list[str]) -> LexicalAnalysis:
        """Lexical findings for each text, in order."""
        nlp = _tokenizer()
        n, m = len(texts), len(self.codebook)
        cues = np.zeros((n, m), dtype=np.int32)
        negated = np.zeros((n, m), dtype=np.int32)
        anchored = np.zeros((n, m), dtype=bool)
        flags = {name: np.zeros(n, dtype=bool) for name in ("ABSENCE", "GOOD", "FAILURE", "HEDGE")}
        residual: list[str | None] = [None] * n
        vocab = nlp.vocab.strings
        for i, doc in enumerate(_lemma_docs(nlp, texts)):
            scopes: list[tuple[int, int]] = []
            for match_id, start, end in self._polarity(doc):
                label = vocab[match_id]
                if label == "ABSENCE":
                    objects = _TRIGGER_OBJECTS.get(doc[start:end].text.lower())
                    if objects is not None and (end >= len(doc) or doc[end].lower_ not in objects):
                        continue
                    stop = end
                    while stop < len(doc) and doc[stop].lower_ not in _SCOPE_BREAKS:
                        stop += 1
                    scopes.append((start, stop))
                elif label == "POST_ABSENCE":
                    first = start
                    while first > 0 and doc[first - 1].lower_ not in _SCOPE_BREAKS:
                        first -= 1
                    scopes.append((first, end))
                    label = "ABSENCE"
                flags[label][i] = True
            for match_id, start, end in self._cue_matcher(doc):
                j = self._theme_index[vocab[match_id]]
                if any(s <= start < e for s, e in scopes):
                    negated[i, j] += 1
                else:
                    cues[i, j] += 1
            for match_id, _start, _end in self._anchor_matcher(doc):
                anchored[i, self._theme_index[vocab[match_id]]] = True
            if scopes:
                keep = [tok.text_with_ws for tok in doc if not any(s <= tok.i < e for s, e in scopes)]
                residual[i] = "".join(keep).strip()
        anchored |= (cues + negated) > 0
        return LexicalAnalysis(cues, negated, flags["ABSENCE"], flags["GOOD"], flags["FAILURE"],
                               flags["HEDGE"], residual, anchored)
