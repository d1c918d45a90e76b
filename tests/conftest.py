"""Session-wide fixtures: the codebook and the zero-shot classifier are built once per test run.

Loading the embedding model and embedding the codebook's ~600 sentences is
the slow part of every classifier test; doing it once per session (with the
codebook's vectors also cached on disk by ``ZeroShotClassifier.fit``) keeps
the suite fast.

The test stand-in classifiers (``stand_ins.py``) are registered here as
classifier plug-ins by name (``--model keyword-stand-in``): the environment
names their module and puts this folder on ``PYTHONPATH``, and the worker
processes and CLI subprocesses that tests start inherit both.
"""

import os
from pathlib import Path

import pytest

os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path(__file__).parent), os.environ.get("PYTHONPATH")]))
os.environ["PRACTICE_THEMES_CLASSIFIER_PLUGINS"] = "stand_ins"


@pytest.fixture(scope="session")
def codebook():
    from practice_themes.codebook import load_codebook

    return load_codebook()


@pytest.fixture(scope="session")
def zero_shot(codebook):
    """The shipped zero-shot classifier (default settings), fitted once."""
    from practice_themes.classify import load_classifier

    return load_classifier(None, codebook=codebook)
