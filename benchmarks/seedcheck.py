"""Real-text sanity check: the Panel's 2018-19 theme paragraphs, headed by their theme.

``../shared/seeds/004_30fe8f6ec7eddf9b.txt`` (third-party, read at run time,
never copied) gives each practice theme a heading and a paragraph. The
heading is the label: the heading's theme should rank first or second
among all themes for its paragraph.
"""

from __future__ import annotations

from pathlib import Path

SEED_FILE = Path(__file__).resolve().parents[1].parent / "shared" / "seeds" / "004_30fe8f6ec7eddf9b.txt"

# Heading prefix -> the theme id(s) it names (from the issue).
SEED_HEADINGS: dict[str, tuple[str, ...]] = {
    "Optimistic thinking": ("optimism_bias",),
    "Information sharing, risk assessment": ("information_sharing", "risk_assessment"),
    "Children returned home": ("return_home",),
    "Adults with a history of offending": ("offender_history",),
    "Domestic abuse": ("domestic_abuse",),
    "Adolescents": ("adolescent_risk",),
    "Including men": ("invisible_men",),
    "Health plans": ("was_not_brought",),
    "Children educated at home": ("home_education",),
    "Written agreements": ("written_agreements",),
    "Resolving professional disputes": ("escalation",),
}


def seed_sections(path: Path = SEED_FILE) -> list[tuple[str, tuple[str, ...], str]]:
    """(heading, theme ids, body text) for each theme heading in the seed file."""
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    headings = {i: key for i, line in enumerate(lines) for key in SEED_HEADINGS
                if line.startswith(key) and len(line.split()) <= 10 and not line.endswith(".")}
    out = []
    for i, key in sorted(headings.items()):
        body: list[str] = []
        for line in lines[i + 1:]:
            if line and len(line.split()) <= 8 and not line.endswith((".", ":")) and not line.startswith("-"):
                break  # the next heading
            body.append(line)
        out.append((lines[i], SEED_HEADINGS[key], "\n".join(body).strip()))
    return out


def seed_ranks(classifier, path: Path = SEED_FILE) -> list[dict]:
    """For each seed paragraph, the best rank of its heading's theme(s) under ``classifier``, whether
    the classifier decides one of them present, and how many themes it decides present there."""
    from practice_themes.segment import segment_text

    rows = []
    ids = classifier.codebook.ids
    for heading, expected, body in seed_sections(path):
        tags = classifier.tag(segment_text(body, doc_id=heading))
        ordered = [t.theme_id for t in sorted(tags, key=lambda t: (-t.score, ids.index(t.theme_id)))]
        ranks = {theme: ordered.index(theme) + 1 for theme in expected if theme in ids}
        present = [t.theme_id for t in tags if t.present]
        rows.append({"heading": heading, "expected": list(expected), "rank": min(ranks.values()),
                     "ranks": ranks, "expected_present": any(theme in present for theme in expected),
                     "n_present": len(present), "top3": [(t, round(next(x.score for x in tags if x.theme_id == t), 3))
                                              for t in ordered[:3]]})
    return rows
