"""The typer application every command module registers on."""

import typer

app = typer.Typer(
    name="practice-themes",
    help="Tag practice themes, with page-anchored evidence, in child-safeguarding case reviews.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
