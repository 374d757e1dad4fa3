"""USB/text exports in the layouts seen in the field; bounded messages and limits."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from services.demo.sample_org import SampleOrg, create_sample_org
from services.devices.usb_import import MAX_MESSAGES, import_usb_attlog
from services.devices.usb_layout import detect_layout
from services.errors import BadInputError
from services.store.db import Database
from services.store.models import ImportBatch, Punch


@pytest.fixture
def org(db: Database) -> SampleOrg:
    with db.transaction() as s:
        return create_sample_org(s, n_employees=12, with_users=False)


def _punches(db: Database) -> list[tuple[str, dt.datetime, int]]:
    with db.session() as s:
        return [tuple(r) for r in s.execute(select(Punch.pin, Punch.ts, Punch.state).order_by(Punch.ts, Punch.pin))]


LAYOUTS = {
    "attlog": ("        1\t2026-03-02 07:21:05\t1\t0\t1\t0\r\n       12\t2026-03-02 16:05:00\t1\t1\t1\t0\r\n",
               "attlog.dat mesin", [("1", dt.datetime(2026, 3, 2, 7, 21, 5), 0), ("12", dt.datetime(2026, 3, 2, 16, 5), 1)]),
    "name-tab": ("1\tBudi Santoso\t2026-03-02 07:21\tC/In\r\n12\tSiti Aminah\t2026-03-02 16:05\tC/Out\r\n",
                 "nama (kolom 2)", [("1", dt.datetime(2026, 3, 2, 7, 21), 0), ("12", dt.datetime(2026, 3, 2, 16, 5), 1)]),
    "dmy": ("1\t02/03/2026 07:21:05\n12\t13/03/2026 16:05:00\n",
            "HH/BB/TTTT", [("1", dt.datetime(2026, 3, 2, 7, 21, 5), 255), ("12", dt.datetime(2026, 3, 13, 16, 5), 255)]),
    "csv-semicolon": ('No.;Nama;Tanggal;Jam;Status\n1;"Budi; S.Kom";02-03-2026;07:21;Masuk\n12;Siti;02-03-2026;16:05;Pulang\n',
                      "titik koma", [("1", dt.datetime(2026, 3, 2, 7, 21), 0), ("12", dt.datetime(2026, 3, 2, 16, 5), 1)]),
    "csv-comma": ("AC-No.,Name,Time,State\n1,Budi,2026/03/02 07:21:05,C/In\n12,Siti,2026/03/02 04:05 PM,C/Out\n",
                  "koma", [("1", dt.datetime(2026, 3, 2, 7, 21, 5), 0), ("12", dt.datetime(2026, 3, 2, 16, 5), 1)]),
}


@pytest.mark.parametrize("name", list(LAYOUTS))
def test_layouts_are_detected_and_named(db: Database, org: SampleOrg, tmp_path: Path, name: str) -> None:
    text, said, expected = LAYOUTS[name]
    f = tmp_path / f"{name}.txt"
    f.write_bytes(text.encode("utf-8"))
    r = import_usb_attlog(db, f)
    assert said in r.layout and "Tata letak terbaca" in r.summary()
    assert (r.new, r.rejected) == (2, 0), r.errors
    assert _punches(db) == expected


def test_month_first_dates_only_when_a_day_proves_it() -> None:
    layout = detect_layout(["1\t03/13/2026 07:00", "2\t03/02/2026 07:00"])
    assert layout is not None and layout.date_order == "mdy" and not layout.date_order_assumed
    layout = detect_layout(["1\t03/02/2026 07:00"])
    assert layout is not None and layout.date_order == "dmy" and layout.date_order_assumed
    assert "diasumsikan" in layout.describe()


def test_nul_padding_and_huge_cells_give_bounded_messages(db: Database, org: SampleOrg, tmp_path: Path) -> None:
    f = tmp_path / "1_attlog.dat"
    good = b"".join(b"%d\t2026-03-02 07:%02d:%02d\t1\t0\t1\t0\r\n" % (1 + i % 12, i // 60, i % 60) for i in range(100))
    f.write_bytes(good + b"\x00" * 1_000_000 + b"\r\n"  # NUL padding: removed, not quoted
                  + b"2\t" + b"9" * 300_000 + b"\t1\t0\t1\t0\r\n"  # a 300 kB cell: quoted in 40 characters
                  + b"".join(b"x\tbukan tanggal %d\r\n" % i for i in range(500)))
    r = import_usb_attlog(db, f)
    assert r.new == 100 and r.rejected == 501
    assert len(r.errors) == MAX_MESSAGES + 1 and "pesan lain" in r.errors[-1]
    assert max(len(e) for e in r.errors) < 200
    with db.session() as s:
        batch = s.execute(select(ImportBatch)).scalar_one()
        assert len(batch.errors) < 40_000 and batch.rejected_count == 501


def test_limits_are_enforced_quickly(db: Database, org: SampleOrg, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import services.devices.usb_import as usb

    monkeypatch.setattr(usb, "MAX_FILE_BYTES", 1024)
    big = tmp_path / "2_attlog.dat"
    big.write_bytes(b"1\t2026-03-02 07:21:05\n" * 100)
    with pytest.raises(BadInputError, match="terlalu besar"):
        import_usb_attlog(db, big)
    monkeypatch.undo()
    lines = tmp_path / "3_attlog.dat"  # 200,000 lines parse in bounded (linear) time
    lines.write_text("".join(f"{1 + i % 12}\t2026-03-0{1 + i % 9} 07:{i % 60:02d}:{i % 59:02d}\t1\t0\t1\t0\n"
                             for i in range(200_000)))
    t0 = time.monotonic()
    r = import_usb_attlog(db, lines)
    assert r.rejected == 0 and r.new + r.duplicate == 200_000
    assert time.monotonic() - t0 < 120  # a hang guard, not a benchmark


def test_file_without_a_time_column_says_what_it_saw(db: Database, org: SampleOrg, tmp_path: Path) -> None:
    f = tmp_path / "x.csv"
    f.write_text("Nama;Unit\nBudi;TIK\n")
    with pytest.raises(BadInputError, match="tidak ditemukan kolom tanggal-jam.*Nama;Unit"):
        import_usb_attlog(db, f)
