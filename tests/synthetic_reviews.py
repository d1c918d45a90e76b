"""Small synthetic review PDFs for the tests and benchmarks (not part of the package), drawn with reportlab.

The benchmark prefers the corpus renderer (``corpus/build.py``) when it is
available; this is the fallback, and the fast source of tiny test files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

# Neutral, review-like sentences: some carry a theme, most are narrative.
SENTENCES = (
    "The health visitor completed a home visit and noted that the baby appeared well cared for.",
    "Information about the father's previous convictions was held by the police but was not shared with children's social care.",
    "The school made a referral after the child disclosed that there was shouting at home most nights.",
    "Professionals accepted the mother's account that her partner had left the household without checking.",
    "The child was not brought to three consecutive hospital appointments and no follow up was made.",
    "The case was closed to social care after the parents engaged with the initial assessment.",
    "Practitioners were reassured by small improvements and did not consider whether change would last.",
    "The review panel met on four occasions and considered agency chronologies.",
    "Police attended the address following a report of domestic abuse and the child was present.",
    "The child's own views and wishes were not recorded in any of the assessments.",
    "Agencies did not escalate their disagreement about the threshold for a child protection plan.",
    "The family moved between three local authority areas within eighteen months.",
)


def write_pdf(path: str | Path, paragraphs: Sequence[str], *, pages: int = 1, title: str = "Case review",
              font_size: float = 10, leading: float = 13, margin: float = 60) -> Path:
    """Write a text PDF of ``pages`` pages, cycling ``paragraphs`` to fill them.

    The defaults pack about 900 words on a page (small, fast test files);
    ``font_size=13, leading=22, margin=90`` gives about 350, like a published review.
    """
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    width, height = A4
    index = 0
    for page in range(pages):
        y = height - margin
        c.setFont("Helvetica-Bold", font_size + 2)
        c.drawString(margin, y, f"{title}" if page == 0 else f"{title} (continued)")
        y -= 2 * leading
        c.setFont("Helvetica", font_size)
        while y > margin + 30 and paragraphs:
            words = paragraphs[index % len(paragraphs)].split()
            index += 1
            line: list[str] = []
            for word in words:
                if c.stringWidth(" ".join(line + [word]), "Helvetica", font_size) > width - 2 * margin:
                    c.drawString(margin, y, " ".join(line))
                    y -= leading
                    line = []
                line.append(word)
            if line:
                c.drawString(margin, y, " ".join(line))
                y -= leading
            y -= 0.8 * leading  # blank line between paragraphs
        c.drawString(width / 2 - 10, 40, str(page + 1))
        c.showPage()
    c.save()
    return path


def review_paragraphs(seed: int, n: int = 6, per_paragraph: int = 3) -> list[str]:
    """Deterministic paragraphs built from ``SENTENCES``; ``seed`` varies the mix."""
    k = len(SENTENCES)
    return [" ".join(SENTENCES[(seed * 7 + i * per_paragraph + j * (seed % 5 + 1)) % k]
                     for j in range(per_paragraph)) for i in range(n)]
