"""``practice-themes serve`` refuses to expose the app without a token; loopback detection."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from practice_themes.cli import app
from practice_themes.cli.screen import TOKEN_ENV, is_loopback


@pytest.mark.parametrize("host, expected", [
    ("127.0.0.1", True), ("127.8.9.1", True), ("localhost", True), ("::1", True), ("[::1]", True),
    ("0.0.0.0", False), ("192.168.1.20", False), ("::", False), ("example.org", False),
])
def test_is_loopback(host, expected):
    assert is_loopback(host) is expected


def test_non_loopback_host_requires_a_token(monkeypatch):
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    result = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0"])
    assert result.exit_code == 2
    assert "--token" in result.output and TOKEN_ENV in result.output


def test_short_token_is_refused(monkeypatch):
    monkeypatch.setenv(TOKEN_ENV, "short")
    result = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0"])
    assert result.exit_code == 2 and "at least 16 characters" in result.output
