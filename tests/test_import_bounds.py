"""Hostile import files: every one ends in a BadInputError naming file/row/field, nothing is written,
and the run ends (the files that used to hang run in a child process with a generous timeout)."""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from services.devices.usb_import import import_usb_attlog
from services.errors import BadInputError
from services.mobile.importer import MobileImportError, import_bundle
from services.org.simpeg_import import ImportFileError, preview_file
from services.store.models import Employee, ImportBatch, Punch
from services.tabular import read_csv
from tests.childenv import ROOT, child_env
from tests.mobile_fixtures import csv_text, row, synthetic_face, write_zip

SIMPEG_HEADER = "NIP;Nama;Jenis;Jabatan;Kelas Jabatan;Golongan;Unit Kerja;PIN Mesin;ID HP;TPP;NIP Atasan\n"
RUDI = "197901012005011002;Rudi Hartono;PNS;Kepala Bidang;12;IV/a;SEKRE;501;;7.500.000;"
SINTA = "199203042022212003;Sinta Dewi;PPPK;Pranata Komputer;7;IX;SEKRE;502;;3000000;"
CHILD_TIMEOUT_S = 300  # generous: the bounded reads take well under a second


def _xlsx(rows: list[list[object]]) -> bytes:
    wb = openpyxl.Workbook()
    for r in rows:
        wb.active.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _rewrite_sheet(data: bytes, edit) -> bytes:
    """The same .xlsx with its first sheet's XML passed through ``edit`` (what a hostile tool writes)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = edit(body.decode()).encode()
            dst.writestr(info.filename, body)
    return out.getvalue()


def _huge_dimension(xml: str) -> str:
    xml = re.sub(r'<dimension ref="[^"]*"/>', '<dimension ref="A1:XFD1048576"/>', xml)
    return xml.replace("</sheetData>", '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c>'
                                       "</row></sheetData>")


def _far_row_only(xml: str) -> str:  # dimension untouched, one row claiming to be row 1,048,576
    return xml.replace("</sheetData>", '<row r="1048576"><c r="A1048576"><v>1</v></c></row></sheetData>')


def _wide_cell(xml: str) -> str:
    return xml.replace("</sheetData>", '<row r="3"><c r="XFD3" t="inlineStr"><is><t>x</t></is></c></row></sheetData>')


def _long_number(xml: str) -> str:
    return xml.replace("</sheetData>", '<row r="3"><c r="A3"><v>' + "9" * 5000 + "</v></c></row></sheetData>")


def _simpeg_xlsx() -> bytes:
    return _xlsx([["NIP", "Nama", "Jenis"], ["197901012005011002", "Rudi Hartono", "PNS"]])


def _run_child(code: str, timeout: float = CHILD_TIMEOUT_S) -> str:
    """Run ``code`` in a fresh interpreter; it prints the refusal. The timeout is the test's time bound."""
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=child_env(), capture_output=True, text=True,
                          timeout=timeout)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


_CHILD_SIMPEG = """
import sys
from pathlib import Path
from services.errors import BadInputError
from services.org import simpeg_import
try:
    simpeg_import._read_table(Path(sys.argv[1]) if len(sys.argv) > 1 else Path({path!r}))
except BadInputError as exc:
    print("REFUSED", exc)
else:
    print("READ")
"""


@pytest.mark.parametrize(("edit", "expected"), [
    (_huge_dimension, r"pegawai\.xlsx: lembar 'Sheet' memuat baris ke-1048576; batas 20000"),
    (_far_row_only, r"pegawai\.xlsx: lembar 'Sheet' memuat baris ke-1048576"),
    (_wide_cell, r"pegawai\.xlsx: sel XFD3 berada di luar batas 200 kolom"),
    (_long_number, r"pegawai\.xlsx: lembar 'Sheet' tidak dapat dibaca sesudah baris 2"),
])
def test_simpeg_xlsx_lying_about_its_size_is_refused_quickly(tmp_path, edit, expected):
    f = tmp_path / "pegawai.xlsx"
    f.write_bytes(_rewrite_sheet(_simpeg_xlsx(), edit))
    assert f.stat().st_size < 20_000
    out = _run_child(_CHILD_SIMPEG.format(path=str(f)))
    assert out.startswith("REFUSED"), out
    assert re.search(expected, out), out


def test_simpeg_xlsx_with_huge_dimension_is_refused_in_process_and_nothing_written(db, org, tmp_path):
    f = tmp_path / "pegawai.xlsx"
    f.write_bytes(_rewrite_sheet(_simpeg_xlsx(), _huge_dimension))
    with db.session() as s:
        before = s.execute(select(func.count(Employee.id))).scalar()
        with pytest.raises(ImportFileError, match="baris ke-1048576"):
            preview_file(s, org.opd_id, f)
        assert s.execute(select(func.count(Employee.id))).scalar() == before


def test_simpeg_xlsx_with_a_true_but_padded_dimension_still_reads(db, org, tmp_path):
    """A dimension wider than the data (many exporters write A1:Z1000) is harmless: rows are read as stored."""
    f = tmp_path / "pegawai.xlsx"
    f.write_bytes(_rewrite_sheet(_simpeg_xlsx(), lambda x: re.sub(r'<dimension ref="[^"]*"/>',
                                                                   '<dimension ref="A1:XFD1048576"/>', x)))
    with db.session() as s:
        pv = preview_file(s, org.opd_id, f)
    assert [r.values["nip"] for r in pv.rows] == ["197901012005011002"] and pv.ok, pv.errors


@pytest.mark.parametrize(("content", "expected"), [
    (SIMPEG_HEADER + RUDI + "\n" + '199203042022212003;"Sinta Dewi;PPPK;X;7;IX;SEKRE;502;;3000000;\n' + RUDI[:-1]
     + "\n", r"simpeg\.csv baris 3: tanda kutip"),
    (SIMPEG_HEADER + RUDI + "\n" + '199203042022212003;"Sinta;PPPK;X;7;IX;SEKRE;502;;3000000;\nTKD-1;Andi";NON_ASN'
     ';;1;;;;;0;\n', r"simpeg\.csv baris 3, kolom 'Nama': sel memuat pergantian baris; kemungkinan tanda kutip"),
    (SIMPEG_HEADER + RUDI.replace("Kepala Bidang", "K" * 200_000) + "\n",
     r"simpeg\.csv baris 2: isi sel terlalu panjang"),
    (SIMPEG_HEADER + RUDI.replace("Kepala Bidang", "K" * 5_000) + "\n",
     r"simpeg\.csv baris 2, kolom 'Jabatan': isi sel terlalu panjang \(5000 karakter; batas 4000\)"),
    (SIMPEG_HEADER + RUDI.replace("Rudi Hartono", "Rudi\x00Hartono") + "\n", r"simpeg\.csv baris 2: berisi byte NUL"),
])
def test_simpeg_csv_hostile_cells_name_the_row(db, org, tmp_path, content, expected):
    f = tmp_path / "simpeg.csv"
    f.write_text(content, encoding="utf-8")
    with db.session() as s, pytest.raises(ImportFileError) as info:
        preview_file(s, org.opd_id, f)
    assert re.search(expected, str(info.value)), str(info.value)


def test_binary_file_named_csv_is_refused(db, org, tmp_path):
    f = tmp_path / "simpeg.csv"
    f.write_bytes(_simpeg_xlsx())  # an Excel file renamed .csv
    with db.session() as s, pytest.raises(ImportFileError, match=r"simpeg\.csv: bukan berkas teks CSV \(isinya ZIP"):
        preview_file(s, org.opd_id, f)
    g = tmp_path / "acak.csv"
    g.write_bytes(bytes(range(256)) * 64)
    with db.session() as s, pytest.raises(ImportFileError, match=r"acak\.csv: bukan berkas teks CSV \(isinya biner"):
        preview_file(s, org.opd_id, g)


def test_simpeg_long_numbers_and_non_ascii_digits_are_row_errors(db, org, tmp_path):
    f = tmp_path / "simpeg.csv"
    f.write_text(SIMPEG_HEADER + RUDI.replace("7.500.000", "9" * 100) + "\n"
                 + SINTA.replace(";502;", ";٥٠٢;") + "\n"
                 + "TKD-77;Andi Honor;NON_ASN;Pengemudi;１;;SEKRE;503;;0;\n", encoding="utf-8")
    with db.session() as s:
        pv = preview_file(s, org.opd_id, f)
    errors = "\n".join(pv.errors)
    assert not pv.ok
    assert "simpeg.csv baris 2: kolom TPP: angka terlalu panjang (100 digit" in errors, errors
    assert "simpeg.csv baris 3: kolom PIN '٥٠٢' tidak valid (1-24 huruf/angka ASCII" in errors, errors
    assert "simpeg.csv baris 4: kolom KELAS JABATAN '１' harus angka (0-9)" in errors, errors


# ------------------------------------------------------------------ SIMPEG supervisors


def _nip(i: int) -> str:
    return f"1980010120050110{i:02d}"


def test_simpeg_supervisor_loops_and_self_supervision_are_rejected_with_rows(db, org, tmp_path):
    lines = [
        f"{_nip(11)};Ana;PNS;Staf;5;III/a;SEKRE;;;0;{_nip(12)}",  # row 2: A -> B
        f"{_nip(12)};Budi;PNS;Staf;5;III/a;SEKRE;;;0;{_nip(11)}",  # row 3: B -> A (loop of two)
        f"{_nip(13)};Cici;PNS;Staf;5;III/a;SEKRE;;;0;{_nip(13)}",  # row 4: self
        f"{_nip(14)};Dodi;PNS;Staf;5;III/a;SEKRE;;;0;{_nip(15)}",  # rows 5-7: D -> E -> F -> D
        f"{_nip(15)};Eka;PNS;Staf;5;III/a;SEKRE;;;0;{_nip(16)}",
        f"{_nip(16)};Fajar;PNS;Staf;5;III/a;SEKRE;;;0;{_nip(14)}",
        f"{_nip(17)};Gita;PNS;Staf;5;III/a;SEKRE;;;0;{_nip(14)}",  # row 8: points into a loop, not part of it
        f"{_nip(18)};Hadi;PNS;Staf;5;III/a;SEKRE;;;0;",
        f"{_nip(19)};Indah;PNS;Staf;5;III/a;SEKRE;;;0;{_nip(18)}",  # a plain chain: fine
    ]
    f = tmp_path / "simpeg.csv"
    f.write_text(SIMPEG_HEADER.replace("Golongan", "Gol") + "\n".join(lines) + "\n", encoding="utf-8")
    with db.session() as s:
        pv = preview_file(s, org.opd_id, f)
    by_row = {r.row_no: r.errors for r in pv.rows}
    assert any("lingkaran atasan" in e and "(baris 2)" in e and "(baris 3)" in e for e in by_row[2]), by_row[2]
    assert any("lingkaran atasan" in e for e in by_row[3])
    assert by_row[4] == [f"kolom NIP ATASAN: pegawai {_nip(13)} tidak boleh menjadi atasan dirinya sendiri"]
    for r in (5, 6, 7):
        assert any("lingkaran atasan" in e and "(baris 5)" in e and "(baris 7)" in e for e in by_row[r]), by_row[r]
    # row 8 is not part of the loop; it cannot be imported without its (rejected) atasan, and says so
    assert by_row[8] == [f"kolom NIP ATASAN {_nip(14)}: baris 5 atasan ini ditolak, perbaiki itu dulu"]
    assert by_row[9] == [] and by_row[10] == []
    assert not pv.ok


def test_simpeg_loop_through_stored_supervisors_is_rejected(db, org, tmp_path):
    f = tmp_path / "a.csv"
    f.write_text(SIMPEG_HEADER + f"{_nip(21)};Ana;PNS;Staf;5;III/a;SEKRE;;;0;\n"
                 + f"{_nip(22)};Budi;PNS;Staf;5;III/a;SEKRE;;;0;{_nip(21)}\n", encoding="utf-8")
    from services.org.simpeg_import import apply_import

    with db.transaction() as s:
        apply_import(s, org.opd_id, preview_file(s, org.opd_id, f), "operator")
    g = tmp_path / "b.csv"  # now Ana's supervisor becomes Budi, whose stored supervisor is Ana
    g.write_text(SIMPEG_HEADER + f"{_nip(21)};Ana;PNS;Staf;5;III/a;SEKRE;;;0;{_nip(22)}\n", encoding="utf-8")
    with db.session() as s:
        pv = preview_file(s, org.opd_id, g)
    assert not pv.ok
    assert any("lingkaran atasan" in e and "(data tersimpan)" in e for e in pv.errors), pv.errors


# ------------------------------------------------------------------ mobile bundles


def _staff_nip(db, org) -> str:
    with db.session() as s:
        return s.execute(select(Employee.nip).where(Employee.id == org.employee_ids[1])).scalar_one()


def _mobile_refusal(db, path: Path) -> str:
    with db.session() as s:
        before = (s.execute(select(func.count(Punch.id))).scalar(), s.execute(select(func.count(ImportBatch.id))).scalar())
    with pytest.raises(MobileImportError) as info:
        import_bundle(db, path)
    with db.session() as s:
        after = (s.execute(select(func.count(Punch.id))).scalar(), s.execute(select(func.count(ImportBatch.id))).scalar())
    assert after == before
    return str(info.value)


@pytest.mark.parametrize(("data", "expected"), [
    ("[" * 50_000 + "]" * 50_000, r"presensi\.json: JSON bersarang terlalu dalam"),
    ('{"records": [{"nip": ' + "1" * 5000 + "}]}", r"presensi\.json baris 1: angka terlalu panjang \(5000 digit"),
    ('[{"nip": "1", "lat": NaN}]', r"presensi\.json: nilai NaN tidak diizinkan"),
    ('[{"nip": {"a": [1]}}]', r"presensi\.json catatan ke-1, kolom 'nip': harus nilai tunggal"),
    ('[{"nip": "' + "9" * 200_000 + '"}]', r"presensi\.json catatan ke-1, kolom 'nip': isi sel terlalu panjang"),
])
def test_mobile_json_hostile_documents(db, org, tmp_path, data, expected):
    path = write_zip(tmp_path / "b.zip", {"presensi.json": data})
    assert re.search(expected, _mobile_refusal(db, path))


def test_mobile_csv_hostile_cells(db, org, tmp_path):
    nip = _staff_nip(db, org)
    good = csv_text([row(nip, "2026-03-02 07:00:00")])
    header, line = good.splitlines()[:2]
    cases = {
        "kutip.csv": header + "\n" + line.replace(nip, '"' + nip, 1) + "\n" + line + "\n",
        "panjang.csv": header + "\n" + line.replace(nip, nip + "x" * 200_000, 1) + "\n",
        "biner.csv": b"\x00\x01\x02\x03" * 1000,
    }
    expected = {
        "kutip.csv": r"kutip\.csv baris 2.*tanda kutip",
        "panjang.csv": r"panjang\.csv baris 2: isi sel terlalu panjang",
        "biner.csv": r"biner\.csv: bukan berkas teks CSV",
    }
    for name, data in cases.items():
        path = write_zip(tmp_path / f"{name}.zip", {name: data})
        text = _mobile_refusal(db, path)
        assert re.search(expected[name], text, re.S), text


def test_mobile_xlsx_claiming_a_huge_sheet_is_refused(db, org, tmp_path):
    nip = _staff_nip(db, org)
    data = _xlsx([["nip", "waktu", "lat", "lon"], [nip, "2026-03-02 07:00:00", "-6.2", "106.8"]])
    path = write_zip(tmp_path / "b.zip", {"presensi.xlsx": _rewrite_sheet(data, _huge_dimension)})
    code = ("from services.errors import BadInputError\nfrom services.mobile.bundle import open_bundle\n"
            f"try:\n    open_bundle({str(path)!r})\nexcept BadInputError as exc:\n    print('REFUSED', exc)\n")
    out = _run_child(code)
    assert out.startswith("REFUSED presensi.xlsx: lembar 'Sheet' memuat baris ke-1048576"), out


def test_mobile_bundle_with_19000_photos_is_linear(db, org, tmp_path):
    """Each row finds its photo by one dict lookup; the child process's timeout is the bound."""
    face = synthetic_face(100, 1)
    n = 19_000
    path = tmp_path / "banyak.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        lines = ["nip,waktu,lat,lon,foto"] + [f"1,2026-03-02 07:00:00,-6.2,106.8,f{i}.jpg" for i in range(n)]
        zf.writestr("presensi.csv", "\n".join(lines) + "\n")
        for i in range(n):
            zf.writestr(f"foto/f{i}.jpg", face[:64])
    code = ("from services.mobile.bundle import open_bundle\n"
            f"b = open_bundle({str(path)!r})\n"
            "hits = [b.find_photo(r['foto']) for _, r in b.rows]\n"
            "print(len(b.rows), sum(h is not None for h in hits), hits[-1])\n")
    # linear: about a second; the old per-row scan of every photo (361 million base-name comparisons) took minutes
    assert _run_child(code, timeout=90).split() == [str(n), str(n), f"foto/f{n - 1}.jpg"]


def test_ambiguous_photo_base_name_is_not_guessed(tmp_path):
    from services.mobile.bundle import open_bundle

    path = write_zip(tmp_path / "b.zip", {"presensi.csv": "nip,waktu,lat,lon,foto\n1,2026-03-02 07:00,0,0,a.jpg\n",
                                          "x/a.jpg": b"1", "y/a.jpg": b"2", "z/b.jpg": b"3"})
    b = open_bundle(path)
    assert b.find_photo("a.jpg") is None and b.find_photo("x/a.jpg") == "x/a.jpg" and b.find_photo("B.JPG") == "z/b.jpg"


# ------------------------------------------------------------------ USB and the shared reader


def test_usb_binary_file_is_refused_and_nothing_written(db, tmp_path):
    f = tmp_path / "1_attlog.dat"
    f.write_bytes(_simpeg_xlsx())
    with pytest.raises(BadInputError, match=r"Berkas 1_attlog\.dat: bukan berkas teks CSV \(isinya ZIP"):
        import_usb_attlog(db, f)
    with db.session() as s:
        assert s.execute(select(func.count(ImportBatch.id))).scalar() == 0


def test_read_csv_keeps_quoted_delimiters_and_counts_lines():
    t = read_csv("x.csv", b'a;b\n"1;2";3\n\n4;5\n', max_rows=10)
    assert t.header == ["a", "b"] and t.rows == [(2, ["1;2", "3"]), (4, ["4", "5"])]
    with pytest.raises(BadInputError, match=r"x\.csv: terlalu banyak baris data \(lebih dari 1\)"):
        read_csv("x.csv", b"a\n1\n2\n", max_rows=1)


# ------------------------------------------------------------------ implausible mobile times


def test_mobile_implausible_times_are_quarantined_like_device_records(db, org, tmp_path, clock):
    from services.devices.quarantine import accept, list_quarantine
    from services.store.models import PunchQuarantine

    with db.session() as s:
        emp_id, nip = s.execute(select(Employee.id, Employee.nip).where(Employee.id == org.employee_ids[1])).one()
    now = clock.now()
    stamps = {
        "ok": now - dt.timedelta(hours=1),
        "tolerated": now + dt.timedelta(minutes=5),  # a phone a few minutes ahead is fine
        "future": now + dt.timedelta(hours=2),
        "y2000": dt.datetime(2000, 1, 1, 0, 3),
        "y1970": dt.datetime(1970, 1, 1, 7, 0),
        "y2099": dt.datetime(2099, 12, 31, 23, 0),
        "y2131": dt.datetime(2131, 3, 1, 8, 0),
    }
    rows = [row(nip, f"{t:%Y-%m-%d %H:%M:%S}") for t in stamps.values()]
    path = write_zip(tmp_path / "b.zip", {"presensi.csv": csv_text(rows)})
    res = import_bundle(db, path)
    assert (res.new, res.quarantined, res.rejected) == (2, 5, 0), res
    text = "\n".join(res.quarantine_messages)
    assert "presensi.csv baris 4 (PIN " in text and "lebih dari 10 menit di depan jam kantor" in text, text
    assert "baris 5" in text and "sebelum 01-01-2001" in text and "jauh di masa depan" in text
    with db.session() as s:
        held = {q.ts: q for q in s.execute(select(PunchQuarantine)).scalars()}
        assert {q.reason for q in held.values()} == {"future", "before_epoch", "far_future"}
        assert {q.source for q in held.values()} == {"mobile"} and {q.pin for q in held.values()} == {nip}
        assert held[stamps["future"]].reason == "future" and held[stamps["y1970"]].reason == "before_epoch"
        assert held[stamps["y2131"]].reason == "far_future"
        counted = set(s.execute(select(Punch.ts).where(Punch.source == "mobile")).scalars())
        assert counted == {stamps["ok"], stamps["tolerated"]}
    # shown for review; accepting the phone that was ahead makes a mobile punch of the right employee
    with db.transaction() as s:
        pending = [q for q in list_quarantine(s) if q.source == "mobile"]
        assert len(pending) == 5 and all(q.reviewable for q in pending)
        qid = next(q.id for q in pending if q.reason == "future")
        assert accept(s, [qid], "operator", now) == 1
    with db.session() as s:
        p = s.execute(select(Punch).where(Punch.ts == stamps["future"])).scalar_one()
        assert (p.source, p.employee_id, p.flags) == ("mobile", emp_id, "quarantine_accepted")
    # the same bundle again adds nothing anywhere
    again = import_bundle(db, path)
    assert (again.new, again.quarantined) == (0, 0)


def test_mobile_pin_with_non_ascii_digits_is_not_matched(db, org, tmp_path):
    with db.session() as s:
        pin = s.execute(select(Employee).where(Employee.id == org.employee_ids[1])).scalar_one().pins[0].pin
    arabic = pin.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    path = write_zip(tmp_path / "b.zip", {"presensi.csv": "pin,waktu,lat,lon\n"
                                          f"{arabic},2026-11-24 07:00:00,-6.2,106.8\n"})
    text = _mobile_refusal(db, path)
    assert "presensi.csv baris 2, kolom 'pin' (PIN mesin)" in text and "bukan huruf/angka ASCII" in text, text


def test_non_ascii_digits_in_usb_status_and_verify_columns_are_rejected_lines(db, tmp_path):
    f = tmp_path / "7_attlog.dat"
    f.write_text("1\t2026-11-20 07:00:00\t1\t0\t1\t0\n"
                 "1\t2026-11-20 16:00:00\t1\t١\t1\t0\n"  # Arabic-Indic status 1
                 "1\t2026-11-21 07:00:00\t1\t0\t３\t0\n", encoding="utf-8")  # full-width verify 3
    r = import_usb_attlog(db, f)
    assert (r.new, r.rejected) == (1, 2), r.errors
    assert any("7_attlog.dat baris 2" in e and "status" in e for e in r.errors), r.errors
    assert any("7_attlog.dat baris 3" in e and "verifikasi" in e for e in r.errors), r.errors


@pytest.mark.parametrize("pin", ["١٢٣", "１２３", "12 3", "x" * 25])
def test_pin_mapping_accepts_only_ascii_pins(db, org, pin):
    from services.devices.pins import map_pin

    with db.transaction() as s, pytest.raises(BadInputError, match="tidak valid: 1-24 huruf/angka ASCII"):
        map_pin(s, pin, org.employee_ids[0], "operator")


def test_nip_with_non_ascii_digits_is_refused():
    from services.org.nip import NipError, parse_nip

    with pytest.raises(NipError, match="harus 18 digit angka 0-9"):
        parse_nip("١٩٧٩٠١٠١٢٠٠٥٠١١٠٠٢", "PNS")


def test_push_stamps_from_the_network_are_ascii_and_bounded():
    """A device (or anyone on the LAN) sends Stamp=<5,000 digits> or Arabic-Indic digits: no traceback, no 3."""
    from services.devices.push_protocol import stamp_value

    assert stamp_value("9" * 5000) == 0 and stamp_value("١٢٣") == 0 and stamp_value("１２３") == 0
    assert stamp_value(" 123 ") == 123


def test_simpeg_xlsx_cell_with_an_escaped_nul_is_refused(db, org, tmp_path):
    """OOXML escapes control characters as _x0000_; the reader unescapes them, the NUL check still applies."""
    f = tmp_path / "pegawai.xlsx"
    f.write_bytes(_rewrite_sheet(_simpeg_xlsx(), lambda x: x.replace(
        "</sheetData>", '<row r="3"><c r="A3" t="inlineStr"><is><t>1980</t></is></c>'
                        '<c r="B3" t="inlineStr"><is><t>Nama_x0000_Palsu</t></is></c></row></sheetData>')))
    with db.session() as s, pytest.raises(ImportFileError, match=r"pegawai\.xlsx sel B3: berisi karakter NUL"):
        preview_file(s, org.opd_id, f)


def test_csv_of_empty_lines_is_bounded_too():
    with pytest.raises(BadInputError, match=r"x\.csv: terlalu banyak baris \(lebih dari 10020, termasuk baris kosong\)"):
        read_csv("x.csv", b"a;b\n" + b"\n" * 50_000, max_rows=10)


def test_no_path_can_store_a_non_ascii_pin(db, org):
    from services.store.models import EmployeePin

    with db.transaction() as s, pytest.raises(BadInputError, match="tidak valid: 1-24 huruf/angka ASCII"):
        s.add(EmployeePin(employee_id=org.employee_ids[0], pin="٧٧"))
