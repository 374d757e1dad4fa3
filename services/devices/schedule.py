"""Scheduled headless sync: a Windows Task Scheduler task or a systemd user timer running `presensi-opd sync`.

No Windows service wrapper: the Task Scheduler starts the ordinary CLI at the interval, as the
logged-in user, so it sees that user's keyring. On Linux a systemd *user* timer does the same
(unit files in ``$XDG_CONFIG_HOME/systemd/user``, default ``~/.config/systemd/user``).

The command lines and unit files are built by pure functions (tested everywhere); they are
executed only on their own platform. Scheduled runs mark their import batches with
``trigger="scheduled"`` so the app can show the last one.
"""

from __future__ import annotations

import datetime as dt
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.errors import BadInputError, UserError
from services.store.models import ImportBatch

TASK_NAME = r"PresensiOPD\TarikDataMesin"
UNIT = "presensi-opd-sync"
INTERVALS = (15, 30, 60, 120, 240)

Runner = Callable[[Sequence[str]], subprocess.CompletedProcess]


def _run(cmd: Sequence[str]) -> subprocess.CompletedProcess:
    return subprocess.run(list(cmd), capture_output=True, text=True, timeout=60)


def sync_command(db_path: Path | str, comm_key_file: Path | None = None, executable: list[str] | None = None,
                 login: tuple[str, Path] | None = None) -> list[str]:
    """The command the scheduler starts: this installation's presensi-opd with the same database.

    ``login`` = (account, password file): the dedicated sync account the run logs in as.
    """
    cmd = list(executable) if executable else _executable()
    cmd += ["--db", str(db_path), "sync", "--scheduled"]
    if login is not None:
        cmd += ["--user", login[0], "--password-file", str(login[1])]
    if comm_key_file is not None:
        cmd += ["--comm-key-file", str(comm_key_file)]
    return cmd


def _executable() -> list[str]:
    found = shutil.which("presensi-opd")
    return [found] if found else [sys.executable, "-m", "desktop.entry"]


def _check_interval(minutes: int) -> None:
    if minutes not in INTERVALS:
        raise BadInputError(f"Interval sinkron terjadwal {minutes} menit tidak didukung; pilih "
                            + ", ".join(str(m) for m in INTERVALS) + " menit.")


# ----------------------------------------------------------------- Windows


def _win_quote(arg: str) -> str:
    return f'"{arg}"' if (" " in arg or "\t" in arg) and not arg.startswith('"') else arg


def schtasks_create(command: list[str], minutes: int, task: str = TASK_NAME) -> list[str]:
    """`schtasks /Create` for a task every `minutes` minutes, replacing an older one (/F)."""
    _check_interval(minutes)
    tr = " ".join(_win_quote(a) for a in command)
    if len(tr) > 261:
        raise BadInputError("Perintah untuk Task Scheduler lebih dari 261 karakter; pindahkan database ke folder "
                            "dengan nama yang lebih pendek.")
    return ["schtasks", "/Create", "/TN", task, "/TR", tr, "/SC", "MINUTE", "/MO", str(minutes), "/F"]


def schtasks_delete(task: str = TASK_NAME) -> list[str]:
    return ["schtasks", "/Delete", "/TN", task, "/F"]


def schtasks_query(task: str = TASK_NAME) -> list[str]:
    return ["schtasks", "/Query", "/TN", task, "/FO", "LIST"]


# ------------------------------------------------------------------- Linux


def systemd_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "systemd" / "user"


def systemd_units(command: list[str], minutes: int) -> dict[str, str]:
    """{file name: content} of the service and its timer."""
    _check_interval(minutes)
    service = (
        "[Unit]\n"
        "Description=Presensi OPD: tarik data mesin sidik jari\n\n"
        "[Service]\n"
        "Type=oneshot\n"
        "Environment=PRESENSI_QUIET=1\n"
        f"ExecStart={shlex.join(command)}\n"
    )
    timer = (
        "[Unit]\n"
        "Description=Presensi OPD: tarik data mesin sidik jari terjadwal\n\n"
        "[Timer]\n"
        "OnBootSec=5min\n"
        f"OnUnitActiveSec={minutes}min\n"
        "Persistent=true\n\n"
        "[Install]\n"
        "WantedBy=timers.target\n"
    )
    return {f"{UNIT}.service": service, f"{UNIT}.timer": timer}


@dataclass
class ScheduleResult:
    platform: str
    files: list[Path]
    commands: list[list[str]]
    activated: bool  # the OS scheduler was told (False: files written, systemctl not available)
    message: str


def install(db_path: Path | str, minutes: int, *, comm_key_file: Path | None = None, platform: str | None = None,
            runner: Runner = _run, executable: list[str] | None = None,
            login: tuple[str, Path] | None = None) -> ScheduleResult:
    plat = platform or sys.platform
    command = sync_command(db_path, comm_key_file, executable, login)
    if plat == "win32":
        cmd = schtasks_create(command, minutes)
        _checked(runner, cmd)
        return ScheduleResult(plat, [], [cmd], True, f"Tugas '{TASK_NAME}' terdaftar di Task Scheduler: "
                                                     f"tarik data setiap {minutes} menit.")
    units = systemd_units(command, minutes)
    folder = systemd_dir()
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for name, text in units.items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        files.append(path)
    cmds = [["systemctl", "--user", "daemon-reload"], ["systemctl", "--user", "enable", "--now", f"{UNIT}.timer"]]
    if shutil.which("systemctl") is None:
        return ScheduleResult(plat, files, [], False, f"Berkas unit ditulis di {folder}, tetapi systemctl tidak "
                              f"ada: aktifkan dengan `systemctl --user enable --now {UNIT}.timer`.")
    for cmd in cmds:
        _checked(runner, cmd)
    return ScheduleResult(plat, files, cmds, True, f"Timer systemd {UNIT}.timer aktif: tarik data setiap {minutes} menit.")


def remove(*, platform: str | None = None, runner: Runner = _run) -> ScheduleResult:
    plat = platform or sys.platform
    if plat == "win32":
        cmd = schtasks_delete()
        _checked(runner, cmd)
        return ScheduleResult(plat, [], [cmd], True, f"Tugas '{TASK_NAME}' dihapus dari Task Scheduler.")
    cmds: list[list[str]] = []
    if shutil.which("systemctl") is not None:
        cmds = [["systemctl", "--user", "disable", "--now", f"{UNIT}.timer"]]
        for cmd in cmds:
            runner(cmd)  # an absent timer is fine
    folder = systemd_dir()
    removed = []
    for name in (f"{UNIT}.service", f"{UNIT}.timer"):
        path = folder / name
        if path.exists():
            path.unlink()
            removed.append(path)
    if cmds:
        runner(["systemctl", "--user", "daemon-reload"])
    return ScheduleResult(plat, removed, cmds, bool(cmds), "Sinkron terjadwal dihapus." if removed
                          else "Tidak ada sinkron terjadwal yang terpasang.")


def _checked(runner: Runner, cmd: Sequence[str]) -> None:
    try:
        done = runner(cmd)
    except (OSError, subprocess.SubprocessError) as exc:
        raise UserError(f"Perintah {cmd[0]} gagal dijalankan: {exc}") from None
    if done.returncode != 0:
        detail = (done.stderr or done.stdout or "").strip()[:300]
        raise UserError(f"Perintah {' '.join(cmd[:3])} gagal (kode {done.returncode}): {detail}")


@dataclass(frozen=True)
class ScheduledRun:
    started_at: dt.datetime
    finished_at: dt.datetime | None
    devices: int
    new: int
    rejected: int


def last_scheduled_run(session: Session) -> ScheduledRun | None:
    """The newest scheduled sync, from its import batches (one batch per device stored in that run)."""
    newest = session.execute(select(ImportBatch.started_at).where(ImportBatch.trigger == "scheduled")
                             .order_by(ImportBatch.started_at.desc()).limit(1)).scalar()
    if newest is None:
        return None
    window = newest - dt.timedelta(minutes=10)  # the batches of one run start within minutes of each other
    rows = session.execute(select(ImportBatch).where(ImportBatch.trigger == "scheduled",
                                                     ImportBatch.started_at >= window)).scalars().all()
    return ScheduledRun(min(r.started_at for r in rows), max((r.finished_at for r in rows if r.finished_at), default=None),
                        len(rows), sum(r.new_count for r in rows), sum(r.rejected_count for r in rows))
