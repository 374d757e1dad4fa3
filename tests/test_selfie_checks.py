"""Selfie checks on real and drawn images, reuse detection, reference matching, EXIF / mock flags, verdict rules."""

from __future__ import annotations

import datetime as dt
import hashlib

import cv2
import numpy as np
import pytest
from sqlalchemy import select

from services.auth.users import AuthError, to_current
from services.demo.faces import with_exif
from services.selfie.checks import analyse, hamming
from services.selfie.queue import count_unchecked, list_queue, set_verdict
from services.selfie.service import ReferencePhotoError, add_reference_photo, run_checks
from services.store.models import AuditEvent, Employee, Punch, SelfieCheck, User
from tests.cli_login import login_args
from tests.faces_fixtures import face_set, photo_bytes
from tests.mobile_fixtures import astronaut, csv_text, jpeg, row, synthetic_face, write_zip

NOW = dt.datetime(2026, 4, 20, 10, 0)


def test_real_face_passes():
    m = analyse(astronaut())
    assert m.faces == 1
    assert m.flags() == []
    assert m.descriptor is not None and m.descriptor.shape == (128,)
    assert m.reference_problems() == []


def test_blank_dark_and_blurred_images_are_flagged():
    blank = np.full((480, 640, 3), 200, np.uint8)
    assert "no_face" in analyse(blank).flags()
    dark = (astronaut() * 0.12).astype(np.uint8)
    assert "too_dark" in analyse(dark).flags()
    blurred = cv2.GaussianBlur(astronaut(), (0, 0), 5)
    assert "blur" in analyse(blurred).flags()
    assert "blur" not in analyse(astronaut()).flags()


def test_phash_survives_recompression_but_separates_photos():
    img = astronaut()
    again = cv2.imdecode(np.frombuffer(cv2.imencode(".jpg", cv2.resize(img, (300, 300)), [cv2.IMWRITE_JPEG_QUALITY, 50])[1], np.uint8), 1)
    assert hamming(analyse(img).phash, analyse(again).phash) <= 4
    other = cv2.imdecode(np.frombuffer(synthetic_face(100, 1), np.uint8), 1)
    assert hamming(analyse(img).phash, analyse(other).phash) > 10


def _staff(db, org):
    with db.session() as s:
        return [(e.id, e.nip, e.phones[0].phone_id, e.supervisor_id) for e in
                s.execute(select(Employee).where(Employee.id.in_(org.employee_ids)).order_by(Employee.id)).scalars()]


def _import(db, tmp_path, rows, photos):
    from services.mobile.importer import import_bundle

    path = write_zip(tmp_path / f"b{len(list(tmp_path.glob('b*.zip')))}.zip", {"presensi.csv": csv_text(rows), **photos})
    return import_bundle(db, path, now=NOW)


def test_reused_photo_and_reference_match_through_the_service(db, org, tmp_path):
    face_set()
    staff = _staff(db, org)
    (e3, nip3, hp3, _), (e6, nip6, hp6, _) = staff[3], staff[6]
    with db.transaction() as s:
        ref3 = add_reference_photo(s, db.path, e3, photo_bytes("img1.jpg"), "admin")  # e3 is person A
        add_reference_photo(s, db.path, e6, photo_bytes("img20.jpg"), "admin")  # e6 is person B
        with pytest.raises(ReferencePhotoError, match="tidak ada wajah"):
            add_reference_photo(s, db.path, e6, jpeg(np.full((400, 400, 3), 90, np.uint8)), "admin")
    rows = [
        row(nip3, "2026-03-02 07:10:00", "a.jpg", phone=hp3),
        row(nip6, "2026-03-03 07:20:00", "a.jpg", phone=hp6),  # A's photo again, another employee, another day
        row(nip6, "2026-03-02 07:12:00", "own.jpg", phone=hp6),
    ]
    result = _import(db, tmp_path, rows, {"a.jpg": photo_bytes("img2.jpg"), "own.jpg": photo_bytes("img21.jpg")})
    run = run_checks(db, result.punch_ids)
    assert run.checked == 3
    with db.session() as s:
        checks = {p.ts: (c, p) for c, p in s.execute(select(SelfieCheck, Punch).join(Punch, Punch.id == SelfieCheck.punch_id))}
    original, p_orig = checks[dt.datetime(2026, 3, 2, 7, 10)]
    copy, _ = checks[dt.datetime(2026, 3, 3, 7, 20)]
    own, _ = checks[dt.datetime(2026, 3, 2, 7, 12)]
    assert original.faces == 1 and original.flags == "" and original.face_distance < 0.62
    assert original.best_reference_id == ref3.id and original.match_threshold == 0.62
    assert "reused" in copy.flags.split(",") and copy.reused_of_punch_id == p_orig.id
    assert "low_similarity" in copy.flags.split(",") and copy.face_distance > 0.62
    assert "kemungkinan orang lain" in copy.evidence
    assert "reused" not in own.flags and own.reused_of_punch_id is None and own.face_distance < 0.62
    # checks are not run twice unless asked; a re-check keeps the atasan's verdict
    assert run_checks(db).checked == 0
    admin = _user(db, "admin")
    with db.transaction() as s:
        set_verdict(s, admin, copy.id, "manipulation", "Foto milik pegawai lain")
    assert run_checks(db, recheck=True).checked == 3
    with db.session() as s:
        again = s.get(SelfieCheck, copy.id)
        queue = list_queue(s, db.path, admin, status="all")
    assert again.verdict == "manipulation" and "reused" in again.flags
    # the riskiest first: the suspected different person, then the rest; the score in words
    assert queue[0].check_id == copy.id and queue[0].score_words == "kemungkinan orang lain"
    assert queue[0].risk_words.startswith("tinggi") and queue[0].risk > queue[1].risk
    mine = next(i for i in queue if i.check_id == original.id)
    assert mine.score_words in ("mirip", "sangat mirip") and mine.reference_text.startswith("referensi 1 dari 1")
    assert any("foto yang sama dengan presensi" in line for line in queue[0].explanations)


def test_exif_time_gps_and_mock_location_are_flagged_with_evidence(db, org, tmp_path):
    from tests.mobile_fixtures import COLUMNS

    staff = _staff(db, org)
    nip, hp = staff[2][1], staff[2][2]
    face = synthetic_face(100, 3)
    honest = with_exif(face, dt.datetime(2026, 3, 2, 7, 9, 50), (-2.5389, 112.9525), "+07:00")
    gallery = with_exif(synthetic_face(100, 4), dt.datetime(2026, 3, 2, 18, 30))  # last evening, from the gallery
    elsewhere = with_exif(synthetic_face(100, 5), dt.datetime(2026, 3, 4, 7, 0, 5), (-2.2, 113.9))
    rows = [row(nip, "2026-03-02 07:10:00", "jujur.jpg", phone=hp),
            row(nip, "2026-03-03 07:10:00", "galeri.jpg", phone=hp),
            {**row(nip, "2026-03-04 07:00:00", "lain.jpg", phone=hp), "lokasi_palsu": "ya"}]
    from services.mobile.importer import import_bundle

    path = write_zip(tmp_path / "exif.zip", {"presensi.csv": csv_text(rows, COLUMNS + ["lokasi_palsu"]),
                                             "jujur.jpg": honest, "galeri.jpg": gallery, "lain.jpg": elsewhere})
    res = import_bundle(db, path, now=NOW)
    assert res.flags["mock_location"] == 1
    run_checks(db, res.punch_ids)
    with db.session() as s:
        found = {p.ts.day: (c, p) for c, p in s.execute(select(SelfieCheck, Punch).join(Punch, Punch.id == SelfieCheck.punch_id))}
        queue = list_queue(s, db.path, _user(db, "admin"))
    assert "exif" not in found[2][0].flags
    assert "exif_time_mismatch" in found[3][0].flags and "12 jam 40 menit" in found[3][0].evidence
    assert "exif_gps_mismatch" in found[4][0].flags and "km dari GPS" in found[4][0].evidence
    assert "mock_location" in found[4][1].flags
    top = queue[0]
    assert top.ts.day == 4  # mock location + EXIF GPS outrank the lone EXIF time
    assert any(line.startswith("lokasi tiruan (mock) di HP:") for line in top.explanations)


def test_region_policy_overrides_the_match_threshold(db, org, tmp_path):
    face_set()
    region = tmp_path / "kabupaten_ketat.toml"
    region.write_text('base = "default"\n[tpp]\ndeduction_base = "tpp"\n[selfie]\nmatch_max_distance = 0.30\n[sources]\n'
                      'tpp.deduction_base = "uji: seluruh TPP"\n'
                      'selfie_match = "uji: ambang ketat"\n', encoding="utf-8")
    from services.store.models import Opd

    staff = _staff(db, org)
    with db.transaction() as s:
        s.get(Opd, org.opd_id).policy_preset = str(region)
        add_reference_photo(s, db.path, staff[1][0], photo_bytes("img1.jpg"), "admin")
    res = _import(db, tmp_path, [row(staff[1][1], "2026-03-02 07:00:00", "a.jpg", phone=staff[1][2])],
                  {"a.jpg": photo_bytes("img2.jpg")})
    run_checks(db, res.punch_ids)
    with db.session() as s:
        check = s.execute(select(SelfieCheck)).scalar_one()
    assert check.match_threshold == 0.30 and 0.30 < check.face_distance < 0.62
    assert "low_similarity" in check.flags


def test_original_arriving_late_marks_the_newer_copy(db, org, tmp_path):
    staff = _staff(db, org)
    photo = synthetic_face(100, 7)
    first = _import(db, tmp_path, [row(staff[4][1], "2026-03-05 07:00:00", "p.jpg", phone=staff[4][2])], {"p.jpg": photo})
    run_checks(db, first.punch_ids)
    # an offline record from two days earlier with the same photo arrives afterwards
    late = _import(db, tmp_path, [row(staff[5][1], "2026-03-03 07:00:00", "p.jpg", phone=staff[5][2])], {"p.jpg": photo})
    run_checks(db, late.punch_ids)
    with db.session() as s:
        newer = s.execute(select(SelfieCheck).where(SelfieCheck.punch_id == first.punch_ids[0])).scalar_one()
        older = s.execute(select(SelfieCheck).where(SelfieCheck.punch_id == late.punch_ids[0])).scalar_one()
    assert "reused" in newer.flags and newer.reused_of_punch_id == late.punch_ids[0]
    assert "reused" not in older.flags


def _user(db, username):
    with db.session() as s:
        return to_current(s.execute(select(User).where(User.username == username)).scalar_one())


def test_queue_visibility_and_verdict_rules(db, org, tmp_path):
    staff = _staff(db, org)
    atasan = _user(db, "atasan")
    subordinates = [st for st in staff if st[3] == atasan.employee_id]
    other = next(st for st in staff if st[3] not in (None, atasan.employee_id))
    assert subordinates
    sub = subordinates[0]
    rows = [row(sub[1], "2026-03-02 07:00:00", "a.jpg", phone=sub[2]), row(other[1], "2026-03-02 07:05:00", "b.jpg", phone=other[2])]
    res = _import(db, tmp_path, rows, {"a.jpg": synthetic_face(100, 1), "b.jpg": synthetic_face(200, 2)})
    with db.session() as s:
        assert count_unchecked(s, _user(db, "admin")) == 2
    run_checks(db, res.punch_ids)
    with db.session() as s:
        mine = list_queue(s, db.path, atasan)
        everyone = list_queue(s, db.path, _user(db, "admin"))
        with pytest.raises(AuthError):
            list_queue(s, db.path, _user(db, "operator"))
    assert [i.employee_id for i in mine] == [sub[0]]
    assert len(everyone) == 2 and mine[0].photo_path.exists() and mine[0].distance_m is not None
    not_mine = next(i for i in everyone if i.employee_id == other[0])
    with db.transaction() as s:
        with pytest.raises(AuthError, match="bawahan"):
            set_verdict(s, atasan, not_mine.check_id, "approved")
        with pytest.raises(ValueError, match="wajib disertai alasan"):
            set_verdict(s, atasan, mine[0].check_id, "rejected", "  ")
        with pytest.raises(AuthError):
            set_verdict(s, _user(db, "operator"), mine[0].check_id, "approved")
    with db.transaction() as s:
        set_verdict(s, atasan, mine[0].check_id, "rejected", "Wajah tidak terlihat jelas")
    with db.session() as s:
        check = s.get(SelfieCheck, mine[0].check_id)
        ev = s.execute(select(AuditEvent).where(AuditEvent.action == "selfie.verdict")).scalar_one()
        assert list_queue(s, db.path, atasan) == []
        assert len(list_queue(s, db.path, atasan, status="decided")) == 1
    assert (check.verdict, check.verifier, check.reason) == ("rejected", "atasan", "Wajah tidak terlihat jelas")
    assert ev.username == "atasan" and '"to": "rejected"' in ev.detail


def test_cli_reference_check_and_queue(db, org, tmp_path, capsys):
    from services.cli import main as cli_main

    staff = _staff(db, org)  # #9: Sekretariat staff, atasan langsung = the `atasan` login (Kasubbag)
    ref = tmp_path / "ref.jpg"
    ref.write_bytes(synthetic_face(100, 0))
    blank = tmp_path / "kosong.jpg"
    blank.write_bytes(jpeg(np.full((300, 300, 3), 120, np.uint8)))
    assert cli_main(["--db", db.location, "selfie-reference", staff[9][1], str(ref), *login_args("operator", tmp_path)]) == 0
    assert cli_main(["--db", db.location, "selfie-reference", staff[9][1], str(blank), *login_args("operator", tmp_path)]) == 1
    assert "tidak ada wajah" in capsys.readouterr().err
    _import(db, tmp_path, [row(staff[9][1], "2026-03-02 07:00:00", "a.jpg", phone=staff[9][2])], {"a.jpg": synthetic_face(100, 4)})
    assert cli_main(["--db", db.location, "selfie-check", *login_args("operator", tmp_path)]) == 0
    assert "1 foto diperiksa" in capsys.readouterr().out
    assert cli_main(["--db", db.location, "selfie-queue", *login_args("atasan", tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "1 swafoto" in out and "Menunggu" in out
    assert cli_main(["--db", db.location, "selfie-queue", *login_args("operator", tmp_path)]) == 1


def test_resized_recompressed_copy_is_reused_but_other_selfies_are_not(db, org, tmp_path):
    staff = _staff(db, org)
    original = astronaut()
    copy = jpeg(cv2.resize(np.clip(original * 1.1 + 5, 0, 255).astype(np.uint8), (300, 300)))  # re-saved smaller, brighter
    rows = [row(staff[1][1], "2026-03-02 07:00:00", "asli.jpg", phone=staff[1][2]),
            row(staff[2][1], "2026-03-04 07:00:00", "salinan.jpg", phone=staff[2][2])]
    photos = {"asli.jpg": jpeg(original), "salinan.jpg": copy}
    # the same drawn person on eight different days: same layout, different pictures
    for day in range(8):
        rows.append(row(staff[5][1], f"2026-03-{10 + day:02d} 07:00:00", f"p{day}.jpg", phone=staff[5][2]))
        photos[f"p{day}.jpg"] = synthetic_face(300, 20 + day)
    res = _import(db, tmp_path, rows, photos)
    run_checks(db, res.punch_ids)
    with db.session() as s:
        flagged = {p.photo_sha256: c.reused_of_punch_id for c, p in
                   s.execute(select(SelfieCheck, Punch).join(Punch, Punch.id == SelfieCheck.punch_id)) if "reused" in c.flags}
        first = s.execute(select(Punch.id).where(Punch.ts == dt.datetime(2026, 3, 2, 7, 0))).scalar_one()
    assert flagged == {hashlib.sha256(copy).hexdigest(): first}
