"""The pipeline never touches the network: load the model and tag with sockets blocked."""

import os
import socket

import pytest


def test_import_sets_hub_offline():
    import practice_themes  # noqa: F401

    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert os.environ["TRANSFORMERS_OFFLINE"] == "1"


@pytest.mark.slow
def test_tagging_works_with_sockets_blocked(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("network access attempted during an offline run")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    from practice_themes.classify import load_classifier
    from practice_themes.segment import segment_text as passages_from_text
    from practice_themes.embed import default_embedder

    default_embedder.cache_clear()  # a fresh shared embedder: its encoder loads under the block
    classifier = load_classifier()
    tags = classifier.tag(passages_from_text("Police were called after father assaulted mother."))
    assert max(tags, key=lambda t: t.score).theme_id == "domestic_abuse"
