"""Push protocol text rules: parsing is bounded and strict where it must be."""

from __future__ import annotations

import datetime as dt

import pytest

from services.devices import push_protocol as pp
from services.errors import BadInputError

NOW = dt.datetime(2026, 11, 25, 8, 0)


def test_attlog_lines_parse_and_bad_lines_are_reported_briefly() -> None:
    body = (b"1\t2026-11-25 07:30:59\t0\t1\t0\t0\t0\r\n\r\n 2 \t2026-11-25 07:31:00\n"
            + b"\x00" * 5000 + b"\t2026-11-25 07:32:00\n3\tkemarin\t0\t1\n4\n")
    lines = pp.body_lines(body, 100)
    parsed = pp.parse_attlog(lines, NOW)
    assert [(r.pin, r.ts, r.state, r.verify) for r in parsed.records] == [
        ("1", dt.datetime(2026, 11, 25, 7, 30, 59), 0, 1), ("2", dt.datetime(2026, 11, 25, 7, 31), 255, 1)]
    assert parsed.lines == 5 and parsed.rejected == 3
    assert all(len(e) <= pp.MAX_MESSAGE for e in parsed.errors)  # 5,000 NULs do not reach a message
    assert "kemarin" in parsed.errors[1] and "kolom kurang" in parsed.errors[2]


def test_time_check_hook_rejects_with_its_reason() -> None:
    def no_future(ts: dt.datetime, now: dt.datetime) -> str | None:
        return "waktu di masa depan" if ts > now else None

    parsed = pp.parse_attlog(["1\t2026-11-25 07:00:00", "2\t2027-01-01 07:00:00"], NOW, no_future)
    assert [r.pin for r in parsed.records] == ["1"] and "masa depan" in parsed.errors[0]


def test_errors_are_capped() -> None:
    parsed = pp.parse_attlog([f"x{i}!\t2026" for i in range(500)], NOW)
    assert parsed.rejected == 500 and len(parsed.errors) == pp.MAX_ERRORS + 1


def test_line_limit_and_query_limits() -> None:
    with pytest.raises(BadInputError, match="paling banyak 2 baris"):
        pp.body_lines(b"a\nb\nc\n", 2)
    with pytest.raises(BadInputError, match="lebih dari"):
        pp.parse_query("&".join(f"k{i}=v" for i in range(30)))
    assert pp.parse_query("SN=ABC123&table=ATTLOG&Stamp=") == {"SN": "ABC123", "table": "ATTLOG", "Stamp": ""}


def test_commands_are_whitelisted_and_single_line() -> None:
    assert pp.check_command("INFO") == "operator" and pp.check_command("CLEAR LOG") == "admin"
    assert pp.check_command(pp.user_update_command("12", "Budi\nC:1:REBOOT")) == "operator"
    assert "\n" not in pp.user_update_command("12", "Budi\nC:1:REBOOT")
    for bad in ("INFOX", "REBOOT\r\nC:2:CLEAR DATA", "", "CLEAR LOGS", "x" * 500):
        with pytest.raises(BadInputError):
            pp.check_command(bad)
    assert pp.commands_text([]) == "OK"
    text = pp.commands_text([(4, "INFO"), (5, "CHECK")])
    assert pp.parse_commands(text) == [(4, "INFO"), (5, "CHECK")]


def test_devicecmd_results_with_detail_lines() -> None:
    body = b"ID=4&Return=0&CMD=INFO\nFWVersion=Ver 8.0\nUserCount=3\nID=5&Return=-1002&CMD=DATA\nID=x&Return=0\n"
    results = pp.parse_devicecmd(body)
    assert [(r.command_id, r.return_code, r.command) for r in results] == [(4, 0, "INFO"), (5, -1002, "DATA")]
    assert pp.info_summary(results[0].detail) == "firmware Ver 8.0; pengguna 3"


def test_operlog_keeps_no_secret() -> None:
    parsed = pp.parse_operlog(["USER PIN=7\tName=Ani\tPasswd=9999\tCard=1", "FP PIN=7\tFID=11\tTMP=AAA",
                               "PIN=8\tName=Tanpa Awalan", "BIOPHOTO PIN=7"])
    assert parsed.users["7"].has_password and parsed.users["8"].name == "Tanpa Awalan"
    assert parsed.rejected == 1 and parsed.ignored == 1 and "9999" not in repr(parsed)
