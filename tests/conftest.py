"""Session-wide fixtures: the codebook and the zero-shot classifier are built once per test run.

Loading the embedding model and embedding the codebook's ~600 sentences is
the slow part of every classifier test; doing it once per session (with the
codebook's vectors also cached on disk by ``ZeroShotClassifier.fit``) keeps
the suite fast.
"""

import pytest


@pytest.fixture(scope="session")
def codebook():
    from practice_themes.codebook import load_codebook

    return load_codebook()


@pytest.fixture(scope="session")
def zero_shot(codebook):
    """The shipped zero-shot classifier (default settings), fitted once."""
    from practice_themes.classify import load_classifier

    return load_classifier(None, codebook=codebook)
