"""Exit codes, and the one place where an error becomes one line and an exit code.

Every command runs its work inside ``exit_on_error``, so a user never sees a
traceback and the same kind of error exits with the same code in every command:

- 0: done;
- 1: the work ran but some documents failed (``code``), or the one document could
  not be read (``screen``, ``ingest``);
- 2: a usage error: bad arguments or an input the user can fix (every
  ``PracticeThemesError``, a missing or unreadable file);
- 3: the output folder is locked by another run;
- 4: an internal error (a bug): finished work is kept, re-running resumes;
- 130: interrupted.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import typer
from rich.console import Console
from rich.markup import escape

from practice_themes.bulk.lock import OutdirLockedError
from practice_themes.errors import PracticeThemesError

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_LOCKED = 3
EXIT_INTERNAL = 4
EXIT_INTERRUPTED = 130


def exit_code_for(exc: BaseException, *, document_errors: bool = False) -> int:
    """The exit code for ``exc``.

    ``document_errors``: the work inside handles one document, so a typed error there
    (unreadable, over a limit, past its deadline) is that document failing: exit 1, not 2.
    """
    if isinstance(exc, KeyboardInterrupt):
        return EXIT_INTERRUPTED
    if isinstance(exc, OutdirLockedError):
        return EXIT_LOCKED
    if document_errors and isinstance(exc, PracticeThemesError):
        return EXIT_FAILED
    if isinstance(exc, (PracticeThemesError, OSError)):
        return EXIT_USAGE
    return EXIT_INTERNAL


@contextmanager
def exit_on_error(console: Console | None = None, *, document_errors: bool = False, doing: str = "",
                  unexpected: int = EXIT_INTERNAL) -> Iterator[None]:
    """Turn any error raised inside into one red line on stderr and ``typer.Exit``.

    ``doing`` names the work for an unexpected error ("the run failed: ..."). A command
    that only reads the user's files (``evaluate``) passes ``unexpected=EXIT_USAGE``:
    there, an error nobody foresaw is still a malformed input, not a bug in a run.
    """
    console = console or Console(stderr=True)
    try:
        yield
    except typer.Exit:
        raise
    except KeyboardInterrupt:
        console.print("[yellow]interrupted[/yellow]: finished work is saved; re-run the same command to resume.")
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except Exception as exc:  # noqa: BLE001 - the one place a traceback stops
        code = exit_code_for(exc, document_errors=document_errors)
        if code == EXIT_INTERNAL:
            code = unexpected
            message = f"{doing + ' failed: ' if doing else 'internal error: '}{type(exc).__name__}: {exc}"
        else:
            message = str(exc)
        console.print(f"[red]error:[/red] {escape(message)}", soft_wrap=True)
        raise typer.Exit(code) from None


__all__ = ["EXIT_FAILED", "EXIT_INTERNAL", "EXIT_INTERRUPTED", "EXIT_LOCKED", "EXIT_OK", "EXIT_USAGE",
           "exit_code_for", "exit_on_error"]
