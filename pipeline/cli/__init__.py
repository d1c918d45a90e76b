"""Command-line interface: a thin typer layer over pure functions.

Each command lives in its own module and registers itself on ``app``.
Heavy libraries are imported inside the command functions so that
``practice-themes --help`` and a cold ``screen`` start quickly.
"""

import importlib
import pkgutil

from practice_themes.cli.app import app

for _module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    if _module != "app" and not _module.startswith("_"):
        importlib.import_module(f"{__name__}.{_module}")

__all__ = ["app"]
