"""``practice-themes sample``: choose the documents to code next, as a coding sheet or REFI-QDA project.

Exit codes: 0 done, 2 bad input (one line says which file and why; never a traceback).
"""

from __future__ import annotations

from pathlib import Path

import typer

from practice_themes.cli.app import app
from practice_themes.cli.exits import EXIT_USAGE, exit_on_error


@app.command("sample")
def sample(
    run_dir: Path = typer.Argument(..., help="Output folder of `practice-themes code`."),
    n: int = typer.Option(40, "-n", "--n", help="How many documents to select."),
    out: Path = typer.Option(..., "-o", "--out",
                             help="to_code.xlsx (sheets coding, evidence, about), to_code.csv (plus "
                                  "to_code.evidence.csv) or to_code.qdpx (REFI-QDA project, plus to_code.sample.csv)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the random part; a new round wants a new seed."),
    exclude: list[Path] = typer.Option(
        [], "--exclude",
        help="Documents already coded or handed out: a coding sheet, a long coding table, a list with a doc_id "
             "column, or a .qdpx. Repeat the option for several files."),
    random_share: float = typer.Option(0.5, "--random-share", help="Share of n drawn as a simple random sample."),
    codebook_path: Path = typer.Option(None, "--codebook", help="Codebook YAML (default: the shipped one)."),
) -> None:
    """Pick documents to code next: a simple random part (the only part prevalence may use) and an
    informative part (nearest the thresholds summed over themes; ties: rare themes' likeliest documents,
    embedding-only evidence).

    Theme cells are left blank for the coder; the machine's top evidence goes to a side sheet.
    """
    from rich.console import Console

    from practice_themes.codebook import load_codebook
    from practice_themes.sample_sheets import check_format, write_selection
    from practice_themes.sampling import INFORMATIVE, RANDOM, cue_disagreement, load_run, read_excluded, select

    with exit_on_error(Console(stderr=True), doing="sampling", unexpected=EXIT_USAGE):
        check_format(out)
        codebook = load_codebook(codebook_path)
        run = load_run(run_dir, codebook)
        excluded: set[str] = set()
        for path in exclude:
            excluded |= read_excluded(path, codebook.ids)
        selection = select(run, n, seed=seed, random_share=random_share, exclude=excluded,
                           disagreement=cue_disagreement(run.passages, run.labels, codebook))
        written = write_selection(selection, run, codebook, out)
    for note in selection.notes:
        typer.echo(f"note: {note}")
    typer.echo(f"Selected {len(selection.picks)} of {selection.n_eligible} eligible documents "
               f"({len(selection.part(RANDOM))} random, {len(selection.part(INFORMATIVE))} informative; "
               f"{selection.n_excluded} excluded; seed {seed}).")
    typer.echo("Only the random part may be used for prevalence estimates.")
    typer.echo("Wrote " + ", ".join(map(str, written)))
