"""Console/GUI entry point: the services CLI with the Qt app plugged in as its GUI."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from services.clock import Clock


def _launch(db_path: Path | str, clock: Clock | None = None) -> int:
    from desktop.app import run_app

    return run_app(db_path=db_path, clock=clock)


def main(argv: list[str] | None = None, clock: Clock | None = None) -> int:
    from services.cli import main as cli_main

    return cli_main(argv, gui_launcher=_launch, clock=clock)


def gui_main() -> int:
    return main(sys.argv[1:] or ["gui"])


if __name__ == "__main__":
    sys.exit(main())
