"""The CLI's light registry (services/cli.py COMMANDS) matches what the command modules register,
and start-up imports only the module of the command being run."""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys

from services import cli
from tests.childenv import child_env


def test_registry_lists_every_registered_command_with_its_help() -> None:
    found = []
    for module in cli.COMMAND_MODULES:
        sub = argparse.ArgumentParser().add_subparsers()
        importlib.import_module(module).register(sub)
        helps = {a.dest: a.help for a in sub._choices_actions}
        found += [(cmd, module, helps.get(cmd)) for cmd in sub.choices]
    assert list(cli.COMMANDS) == found


def _modules_after(argv: list[str]) -> set[str]:
    code = (f"import sys\nfrom services.cli import main\ntry:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
            "print('MODULES', ' '.join(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=child_env(), check=True,
                         timeout=120).stdout
    line = next(ln for ln in out.splitlines() if ln.startswith("MODULES "))
    return set(line.split()[1:])


def test_help_imports_no_command_module_and_no_heavy_library() -> None:
    loaded = _modules_after(["--help"])
    assert not loaded & set(cli.COMMAND_MODULES)
    assert not {m for m in loaded if m.split(".")[0] in ("sqlalchemy", "reportlab", "pyhanko", "numpy", "cv2")}


def test_a_command_imports_only_its_own_module() -> None:
    loaded = _modules_after(["reconcile", "--help"])
    assert "services.reconcile.commands" in loaded
    assert not loaded & (set(cli.COMMAND_MODULES) - {"services.reconcile.commands"})


def test_unknown_command_is_refused_with_the_command_list(capsys) -> None:  # type: ignore[no-untyped-def]
    try:
        cli.main(["bukan-perintah"])
    except SystemExit as exc:
        assert exc.code == 2
    err = capsys.readouterr().err
    assert "invalid choice" in err or "pilihan" in err
    assert "reconcile" in err


def test_global_login_options_are_those_of_cli_support() -> None:
    from services.cli_support import add_login_args

    def shape(add) -> list[tuple]:  # type: ignore[no-untyped-def]
        p = argparse.ArgumentParser()
        add(p)
        return [(a.option_strings, a.dest, a.default, a.help, a.type) for a in p._actions if a.dest != "help"]

    assert shape(cli.add_global_login_args) == shape(add_login_args)


def test_checklist_names_the_outbox_setting() -> None:
    from services.central.outbox import SETTING_URL
    from services.org.checklist import CENTRAL_URL

    assert CENTRAL_URL == SETTING_URL
