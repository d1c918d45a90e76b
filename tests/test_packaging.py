"""The package is one import name with its data inside it (issue 16)."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGE_FOLDERS = ("pipeline", "evaluation", "models")


def test_codebook_and_models_are_package_data():
    from practice_themes.codebook import DEFAULT_CODEBOOK, MODELS_DIR

    assert DEFAULT_CODEBOOK.is_file()
    assert (MODELS_DIR / "zero-shot-thresholds.json").is_file()
    assert (MODELS_DIR / "lr-v1" / "metadata.json").is_file()


def test_shipped_lr_v1_loads_with_the_shipped_codebook():
    # The codebook moved to 1.2.0 while lr-v1 stayed trained on 1.1.0, so
    # `code --model lr-v1` refused to load; nothing had tried it.
    from practice_themes.classify import load_classifier

    model = load_classifier("lr-v1")
    assert model.describe()


def test_no_module_imports_the_old_top_level_names():
    offenders = []
    for folder in PACKAGE_FOLDERS:
        for path in (REPO / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                         else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
                offenders += [f"{path.relative_to(REPO)}: {n}" for n in names
                              if n.split(".")[0] in ("pipeline", "evaluation")]
    assert not offenders


def test_nothing_in_the_package_reads_shared():
    readers = [str(p.relative_to(REPO)) for folder in PACKAGE_FOLDERS for p in (REPO / folder).rglob("*.py")
               if '"shared"' in p.read_text(encoding="utf-8") or "../shared" in p.read_text(encoding="utf-8")]
    assert not readers


def test_the_licence_is_an_spdx_expression_with_its_file():
    # setuptools deprecated the table form (license = { text = ... }) and stops building it after 2027-02-18.
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == "Apache-2.0"
    assert project["license-files"] == ["LICENSE"]
    assert (REPO / "LICENSE").read_text(encoding="utf-8").lstrip().startswith("Apache License")
