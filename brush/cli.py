"""The `brush` command line. The generator itself is not built yet: each command says so."""

from __future__ import annotations

import typer

from fontsynth.cli import user_errors
from fontsynth.errors import UserError
from fontsynth.extras import require

app = typer.Typer(add_completion=False, no_args_is_help=True, help="brush: rewrite the text of an image, keeping its style.")


def _not_built(what: str) -> None:
    require("torch", "train", f"brush {what}")
    raise UserError(f"brush {what} is not available in this version yet: the generator is still being built; train on `fontsynth render --recipe pairs` data when it lands")


@app.command()
@user_errors
def train() -> None:
    """Train the style-transfer generator on paired shards (not available yet)."""
    _not_built("train")


@app.command()
@user_errors
def edit() -> None:
    """Rewrite the text of an image in its own style (not available yet)."""
    _not_built("edit")


def main() -> None:
    app(prog_name="brush")
