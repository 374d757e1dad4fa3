"""Mobile bundle import: flags, idempotency, safety (zip-slip, bombs, bad images, bad rows)."""

from __future__ import annotations

import datetime as dt
import json
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from sqlalchemy import func, select

from services.cli import main as cli_main
from services.geo import haversine_m, offset_m
from services.mobile.bundle import detect_mapping, open_bundle, validate_mapping
from services.mobile.importer import MobileImportError, import_bundle, upload_deadline
from services.paths import files_dir
from services.store.models import AuditEvent, Employee, ImportBatch, Punch
from tests.cli_login import login_args
from tests.mobile_fixtures import OFFICE, csv_text, row, synthetic_face, write_zip

NOW = dt.datetime(2026, 4, 20, 10, 0)


def _staff(db, org):
    with db.session() as s:
        emps = s.execute(select(Employee).where(Employee.id.in_(org.employee_ids)).order_by(Employee.id)).scalars().all()
        return [(e.id, e.nip, e.pins[0].pin, e.phones[0].phone_id) for e in emps]


def _counts(db) -> tuple[int, int, int]:
    with db.session() as s:
        return (
            s.execute(select(func.count(Punch.id))).scalar_one(),
            s.execute(select(func.count(ImportBatch.id))).scalar_one(),
            s.execute(select(func.count(AuditEvent.id))).scalar_one(),
        )


@pytest.fixture
def face_a() -> bytes:
    return synthetic_face(100, 1)


@pytest.fixture
def face_b() -> bytes:
    return synthetic_face(200, 2)


def _good_bundle(tmp_path: Path, staff, face_a: bytes, face_b: bytes) -> Path:
    (_, nip1, _, hp1), (_, nip2, _, hp2), (_, nip3, _, hp3) = staff[1], staff[2], staff[3]
    far = offset_m(*OFFICE, 450, 0)  # 450 m north: outside the 100 m radius
    rows = [
        row(nip1, "2026-03-02 07:21:05", "foto/a.jpg", phone=hp1, uploaded="2026-03-02 07:21:40"),
        row(nip2, "2026-03-02 07:25:00", "foto/b.jpg", lat=far[0], lon=far[1], phone=hp2),
        row(nip3, "2026-03-02 07:30:00", "foto/b.jpg", phone="HP-TIDAK-TERDAFTAR"),
        # offline, uploaded 12 April: after the 10 April deadline
        row(nip1, "2026-03-03 16:05:00", "a.jpg", phone=hp1, offline="ya", uploaded="2026-04-12 08:00:00"),
        # offline, uploaded on 9 April: still in time
        row(nip2, "2026-03-04 16:10:00", "foto/a.jpg", phone=hp2, offline="1", uploaded="2026-04-09 20:00:00"),
        row(nip3, "2026-03-02 07:30:00", "foto/b.jpg", phone=hp3),  # same record twice in one bundle
    ]
    return write_zip(tmp_path / "bundel.zip", {"presensi.csv": csv_text(rows), "foto/a.jpg": face_a, "foto/b.jpg": face_b})


def test_import_sets_fields_and_flags(db, org, tmp_path, face_a, face_b):
    staff = _staff(db, org)
    path = _good_bundle(tmp_path, staff, face_a, face_b)
    result = import_bundle(db, path, username="operator", now=NOW)
    assert (result.new, result.duplicate, result.rejected) == (5, 1, 0)
    with db.session() as s:
        punches = s.execute(select(Punch).order_by(Punch.ts, Punch.id)).scalars().all()
        batch = s.get(ImportBatch, result.batch_id)
        audit = s.execute(select(AuditEvent).where(AuditEvent.action == "mobile.import")).scalar_one()
    assert (batch.kind, batch.new_count, batch.duplicate_count, batch.rejected_count) == ("mobile", 5, 1, 0)
    assert audit.username == "operator"
    by = {(p.pin, p.ts): p for p in punches}
    nip1, nip2, nip3 = staff[1][1], staff[2][1], staff[3][1]
    ok = by[(nip1, dt.datetime(2026, 3, 2, 7, 21, 5))]
    assert ok.flags == ""
    assert (ok.source, ok.source_serial, ok.employee_id) == ("mobile", "MOBILE", staff[1][0])
    assert ok.distance_m is not None and ok.distance_m < 1 and ok.location_id == org.location_ids[0]
    assert ok.uploaded_at == dt.datetime(2026, 3, 2, 7, 21, 40) and ok.captured_offline is False
    stored = files_dir(db.path, "selfie") / ok.photo_path.split("/", 1)[1]
    assert stored.read_bytes() == face_a and stored.name == f"{ok.photo_sha256}.jpg"
    outside = by[(nip2, dt.datetime(2026, 3, 2, 7, 25))]
    assert outside.flags == "outside_geofence" and 440 < outside.distance_m < 460
    assert by[(nip3, dt.datetime(2026, 3, 2, 7, 30))].flags == "unknown_phone"
    late = by[(nip1, dt.datetime(2026, 3, 3, 16, 5))]
    assert late.captured_offline and late.flags == "late_upload"
    in_time = by[(nip2, dt.datetime(2026, 3, 4, 16, 10))]
    assert in_time.captured_offline and in_time.flags == ""
    assert result.flags == {"outside_geofence": 1, "unknown_phone": 1, "late_upload": 1}


def test_reimport_adds_zero_rows(db, org, tmp_path, face_a, face_b):
    path = _good_bundle(tmp_path, _staff(db, org), face_a, face_b)
    first = import_bundle(db, path, now=NOW)
    before = _counts(db)[0]
    again = import_bundle(db, path, now=NOW)
    assert first.new == 5 and again.new == 0 and again.duplicate == 6
    assert _counts(db)[0] == before
    assert len(list(files_dir(db.path, "selfie").iterdir())) == 2


def test_pin_column_and_deadline_rule(db, org, tmp_path, face_a):
    staff = _staff(db, org)
    text = "pin;waktu;lat;lon;id_hp;foto\n" + f"{staff[4][2]};02/03/2026 07:15;-2,5389;112,9525;{staff[4][3]};x.jpg\n"
    path = write_zip(tmp_path / "pin.zip", {"data/presensi.csv": text, "data/x.jpg": face_a})
    result = import_bundle(db, path, now=NOW)
    assert result.new == 1
    with db.session() as s:
        p = s.execute(select(Punch)).scalar_one()
    assert p.pin == staff[4][1] and p.employee_id == staff[4][0] and p.flags == ""
    assert upload_deadline(dt.datetime(2026, 12, 5), 10) == dt.datetime(2027, 1, 10, 23, 59, 59)
    assert upload_deadline(dt.datetime(2026, 1, 31), 31) == dt.datetime(2026, 2, 28, 23, 59, 59)


def test_json_and_xlsx_bundles(db, org, tmp_path, face_a):
    import openpyxl

    staff = _staff(db, org)
    doc = {"records": [{"nip": staff[5][1], "waktu": "2026-03-02T07:10:00+07:00", "lat": OFFICE[0], "lon": OFFICE[1],
                        "id_hp": staff[5][3], "foto": "s.jpg", "luring": False}]}
    r1 = import_bundle(db, write_zip(tmp_path / "j.zip", {"presensi.json": json.dumps(doc), "s.jpg": face_a}), now=NOW)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["NIP", "Waktu", "Latitude", "Longitude", "ID HP", "Foto"])
    ws.append([staff[6][1], dt.datetime(2026, 3, 2, 7, 40), OFFICE[0], OFFICE[1], staff[6][3], "s.jpg"])
    xlsx = tmp_path / "p.xlsx"
    wb.save(xlsx)
    r2 = import_bundle(db, write_zip(tmp_path / "x.zip", {"presensi.xlsx": xlsx.read_bytes(), "s.jpg": face_a}), now=NOW)
    assert (r1.new, r2.new) == (1, 1)
    with db.session() as s:
        times = sorted(s.execute(select(Punch.ts)).scalars())
    assert times == [dt.datetime(2026, 3, 2, 7, 10), dt.datetime(2026, 3, 2, 7, 40)]


def test_column_mapping_step(db, org, tmp_path, face_a):
    staff = _staff(db, org)
    cols = ["Nomor Pegawai", "Jam Absen", "Y", "X", "Perangkat", "Gambar"]
    text = ",".join(cols) + "\n" + f"{staff[1][1]},2026-03-02 07:05:00,{OFFICE[0]},{OFFICE[1]},{staff[1][3]},f.jpg\n"
    path = write_zip(tmp_path / "m.zip", {"absen.csv": text, "f.jpg": face_a})
    bundle = open_bundle(path)
    assert bundle.columns == cols
    auto = detect_mapping(bundle.columns)
    assert validate_mapping(auto, bundle.columns)  # nothing recognisable: the user must map
    with pytest.raises(MobileImportError, match="NIP atau PIN"):
        import_bundle(db, path, now=NOW)
    mapping = {"nip": "Nomor Pegawai", "ts": "Jam Absen", "lat": "Y", "lon": "X", "phone_id": "Perangkat", "photo": "Gambar"}
    assert validate_mapping(mapping, bundle.columns) == []
    assert validate_mapping({**mapping, "lon": "Y"}, bundle.columns) == ["Kolom 'Y' dipetakan ke lebih dari satu isian."]
    assert import_bundle(db, path, mapping, now=NOW).new == 1


def _assert_unchanged(db, before) -> None:
    assert _counts(db) == before
    assert list(files_dir(db.path, "selfie").iterdir()) == []


def test_zip_slip_rejected(db, org, tmp_path, face_a):
    nip = _staff(db, org)[1][1]
    before = _counts(db)
    path = write_zip(tmp_path / "slip.zip", {"presensi.csv": csv_text([row(nip, "2026-03-02 07:00:00", "ok.jpg")]),
                                             "ok.jpg": face_a, "../../evil.jpg": face_a})
    with pytest.raises(MobileImportError, match=r"\.\./\.\./evil\.jpg.*zip-slip"):
        import_bundle(db, path, now=NOW)
    _assert_unchanged(db, before)
    assert not (tmp_path.parent / "evil.jpg").exists()


def test_zip_bomb_rejected(db, org, tmp_path):
    nip = _staff(db, org)[1][1]
    before = _counts(db)
    path = write_zip(tmp_path / "bomb.zip", {"presensi.csv": csv_text([row(nip, "2026-03-02 07:00:00", "z.jpg")]),
                                             "z.jpg": b"\0" * (8 * 1024 * 1024)})
    with pytest.raises(MobileImportError, match="bom ZIP"):
        import_bundle(db, path, now=NOW)
    _assert_unchanged(db, before)


def test_corrupt_and_huge_images_rejected(db, org, tmp_path, face_a):
    nip = _staff(db, org)[1][1]
    before = _counts(db)
    # a PNG header that claims 30000 x 30000 pixels: refused before decoding
    ihdr = struct.pack(">IIBBBBB", 30000, 30000, 8, 2, 0, 0, 0)
    huge = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    broken = face_a[:600] + b"\x00" * 600  # JPEG header intact, picture data gone
    rows = [row(nip, "2026-03-02 07:00:00", "ok.jpg"), row(nip, "2026-03-02 16:00:00", "huge.png"),
            row(nip, "2026-03-03 07:00:00", "broken.jpg"), row(nip, "2026-03-03 16:00:00", "teks.jpg")]
    path = write_zip(tmp_path / "img.zip", {"presensi.csv": csv_text(rows), "ok.jpg": face_a, "huge.png": huge,
                                            "broken.jpg": broken, "teks.jpg": b"bukan gambar"})
    with pytest.raises(MobileImportError) as info:
        import_bundle(db, path, now=NOW)
    errors = info.value.errors
    assert len(errors) == 3
    assert "presensi.csv baris 3, kolom 'foto'" in errors[0] and "terlalu besar" in errors[0]
    assert "baris 4" in errors[1] and "rusak" in errors[1]
    assert "baris 5" in errors[2] and "bukan gambar JPEG/PNG" in errors[2]
    _assert_unchanged(db, before)


def test_bad_rows_name_file_row_field_and_leave_db_unchanged(db, org, tmp_path, face_a):
    nip = _staff(db, org)[1][1]
    before = _counts(db)
    rows = [
        row(nip, "2026-03-02 07:00:00", "ok.jpg"),
        row(nip, "kemarin pagi", "ok.jpg"),
        row(nip, "2026-03-02 16:00:00", "ok.jpg", lat=95.0),
        row("199999999999999999", "2026-03-03 07:00:00", "ok.jpg"),
        row(nip, "2026-03-03 16:00:00", "hilang.jpg", offline="mungkin"),
    ]
    path = write_zip(tmp_path / "bad.zip", {"presensi.csv": csv_text(rows), "ok.jpg": face_a})
    with pytest.raises(MobileImportError) as info:
        import_bundle(db, path, now=NOW)
    text = "\n".join(info.value.errors)
    assert "presensi.csv baris 3, kolom 'waktu' (Waktu presensi): 'kemarin pagi' bukan tanggal-jam" in text
    assert "presensi.csv baris 4, kolom 'lat'" in text and "di luar rentang" in text
    assert "presensi.csv baris 5, kolom 'nip'" in text and "tidak terdaftar" in text
    assert "presensi.csv baris 6, kolom 'luring'" in text
    assert "presensi.csv baris 6, kolom 'foto'" in text and "'hilang.jpg' tidak ada di dalam ZIP" in text
    _assert_unchanged(db, before)
    # the user may choose to import the valid rows only; the rest is recorded as rejected
    result = import_bundle(db, path, skip_invalid=True, now=NOW)
    assert (result.new, result.rejected) == (1, 4)
    with db.session() as s:
        batch = s.get(ImportBatch, result.batch_id)
    assert batch.rejected_count == 4 and "baris 3" in batch.errors


def test_not_a_zip_and_two_data_files(db, org, tmp_path):
    bad = tmp_path / "bukan.zip"
    bad.write_bytes(b"PK\x03\x04 rusak")
    with pytest.raises(MobileImportError, match="bukan berkas ZIP yang valid"):
        import_bundle(db, bad, now=NOW)
    two = write_zip(tmp_path / "dua.zip", {"a.csv": "nip\n", "b.json": "[]"})
    with pytest.raises(MobileImportError, match="lebih dari satu berkas data"):
        import_bundle(db, two, now=NOW)


def test_haversine_and_cli(db, org, tmp_path, face_a, capsys):
    # 1 degree of latitude is about 111.2 km
    assert abs(haversine_m(0, 0, 1, 0) - 111_195) < 5
    staff = _staff(db, org)
    path = write_zip(tmp_path / "cli.zip", {"presensi.csv": csv_text([row(staff[1][1], "2026-03-02 07:00:00", "a.jpg", phone=staff[1][3])]),
                                            "a.jpg": face_a})
    assert cli_main(["--db", db.location, "import-mobile", str(path), "--inspect"]) == 0
    assert "nip" in capsys.readouterr().out
    assert cli_main(["--db", db.location, "import-mobile", str(path), *login_args("operator", tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "1 baru" in out and "Pemeriksaan swafoto: 1 foto diperiksa" in out
    assert zipfile.is_zipfile(path)


def test_cancel_while_saving_rolls_back_and_removes_photos(db, org, tmp_path, face_a, face_b):
    from services.jobs import Cancelled, CancelToken

    path = _good_bundle(tmp_path, _staff(db, org), face_a, face_b)
    before = _counts(db)
    token = CancelToken()

    def progress(done: int, total: int, message: str = "") -> None:
        if message.startswith("Menyimpan"):
            token.cancel()  # the user presses "Batal" just as the rows are being written

    with pytest.raises(Cancelled):
        import_bundle(db, path, now=NOW, progress=progress, cancel=token)
    _assert_unchanged(db, before)


def test_corrupt_zip_entry_is_reported(db, org, tmp_path, face_a):
    nip = _staff(db, org)[1][1]
    path = write_zip(tmp_path / "rusak.zip", {"presensi.csv": csv_text([row(nip, "2026-03-02 07:00:00", "a.jpg")]), "a.jpg": face_a})
    data = bytearray(path.read_bytes())
    start = data.find(b"a.jpg") + 5 + 2000  # inside the compressed photo bytes
    for k in range(start, start + 200):
        data[k] ^= 0x5A
    path.write_bytes(bytes(data))
    before = _counts(db)
    with pytest.raises(MobileImportError, match=r"baris 2, kolom 'foto'.*a\.jpg: isi ZIP rusak"):
        import_bundle(db, path, now=NOW)
    _assert_unchanged(db, before)


def test_total_size_and_entry_limits(db, org, tmp_path, face_a, monkeypatch):
    import services.mobile.bundle as bundle_mod

    nip = _staff(db, org)[1][1]
    path = write_zip(tmp_path / "besar.zip", {"presensi.csv": csv_text([row(nip, "2026-03-02 07:00:00", "a.jpg")]), "a.jpg": face_a})
    monkeypatch.setattr(bundle_mod, "MAX_TOTAL_UNCOMPRESSED", len(face_a) // 2)
    with pytest.raises(MobileImportError, match="total isi ZIP .* melebihi batas"):
        import_bundle(db, path, now=NOW)
    monkeypatch.setattr(bundle_mod, "MAX_TOTAL_UNCOMPRESSED", 10**9)
    monkeypatch.setattr(bundle_mod, "MAX_ENTRIES", 1)
    with pytest.raises(MobileImportError, match="terlalu banyak berkas"):
        import_bundle(db, path, now=NOW)
