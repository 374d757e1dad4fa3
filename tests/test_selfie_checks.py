"""Selfie checks on real and drawn images, reuse detection, reference similarity, verdict rules."""

from __future__ import annotations

import datetime as dt
import hashlib

import cv2
import numpy as np
import pytest
from sqlalchemy import select

from services.auth.users import AuthError, to_current
from services.selfie.checks import analyse, hamming, similarity
from services.selfie.queue import count_unchecked, list_queue, set_verdict
from services.selfie.service import ReferencePhotoError, add_reference_photo, run_checks
from services.store.models import AuditEvent, Employee, Punch, SelfieCheck, User
from tests.mobile_fixtures import astronaut, csv_text, jpeg, row, synthetic_face, write_zip

NOW = dt.datetime(2026, 4, 20, 10, 0)


def test_real_face_passes():
    m = analyse(astronaut())
    assert m.faces == 1
    assert m.flags() == []
    assert m.descriptor is not None


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


def test_mismatching_reference_lowers_similarity():
    selfie = analyse(astronaut())
    shifted = cv2.warpAffine(astronaut(), np.float32([[1, 0, 25], [0, 1, -12]]), (512, 512), borderMode=cv2.BORDER_REFLECT)
    same_person = analyse((shifted * 0.85).astype(np.uint8))
    other_person = analyse(cv2.imdecode(np.frombuffer(synthetic_face(200, 3), np.uint8), 1))
    s_same = similarity(selfie.descriptor, same_person.descriptor)
    s_other = similarity(selfie.descriptor, other_person.descriptor)
    assert s_same > 0.75 and s_other < 0.65 and s_same - s_other > 0.15


def _staff(db, org):
    with db.session() as s:
        return [(e.id, e.nip, e.phones[0].phone_id, e.supervisor_id) for e in
                s.execute(select(Employee).where(Employee.id.in_(org.employee_ids)).order_by(Employee.id)).scalars()]


def _import(db, tmp_path, rows, photos):
    from services.mobile.importer import import_bundle

    path = write_zip(tmp_path / f"b{len(list(tmp_path.glob('b*.zip')))}.zip", {"presensi.csv": csv_text(rows), **photos})
    return import_bundle(db, path, now=NOW)


def test_reused_photo_and_reference_similarity_through_the_service(db, org, tmp_path):
    staff = _staff(db, org)
    (e3, nip3, hp3, _), (e6, nip6, hp6, _) = staff[3], staff[6]
    shifted = cv2.warpAffine(astronaut(), np.float32([[1, 0, 25], [0, 1, -12]]), (512, 512), borderMode=cv2.BORDER_REFLECT)
    with db.transaction() as s:
        add_reference_photo(s, db.path, e3, jpeg(shifted), "admin")  # e3 is the astronaut
        add_reference_photo(s, db.path, e6, synthetic_face(200, 0), "admin")  # e6 is someone else
        with pytest.raises(ReferencePhotoError, match="tidak ada wajah"):
            add_reference_photo(s, db.path, e6, jpeg(np.full((400, 400, 3), 90, np.uint8)), "admin")
    rows = [
        row(nip3, "2026-03-02 07:10:00", "astro.jpg", phone=hp3),
        row(nip6, "2026-03-03 07:20:00", "astro.jpg", phone=hp6),  # same photo, another employee, another day
        row(nip6, "2026-03-02 07:12:00", "own.jpg", phone=hp6),
    ]
    result = _import(db, tmp_path, rows, {"astro.jpg": jpeg(astronaut()), "own.jpg": synthetic_face(200, 5)})
    run = run_checks(db, result.punch_ids)
    assert run.checked == 3
    with db.session() as s:
        checks = {p.ts: (c, p) for c, p in s.execute(select(SelfieCheck, Punch).join(Punch, Punch.id == SelfieCheck.punch_id))}
    original, p_orig = checks[dt.datetime(2026, 3, 2, 7, 10)]
    copy, _ = checks[dt.datetime(2026, 3, 3, 7, 20)]
    own, _ = checks[dt.datetime(2026, 3, 2, 7, 12)]
    assert original.faces == 1 and original.flags == "" and original.similarity > 0.75
    assert "reused" in copy.flags.split(",") and copy.reused_of_punch_id == p_orig.id
    assert "low_similarity" in copy.flags.split(",") and copy.similarity < original.similarity - 0.15
    assert "reused" not in own.flags and own.reused_of_punch_id is None
    # checks are not run twice unless asked; a re-check keeps the atasan's verdict
    assert run_checks(db).checked == 0
    admin = _user(db, "admin")
    with db.transaction() as s:
        set_verdict(s, admin, copy.id, "manipulation", "Foto milik pegawai lain")
    assert run_checks(db, recheck=True).checked == 3
    with db.session() as s:
        again = s.get(SelfieCheck, copy.id)
    assert again.verdict == "manipulation" and "reused" in again.flags


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

    staff = _staff(db, org)
    ref = tmp_path / "ref.jpg"
    ref.write_bytes(synthetic_face(100, 0))
    blank = tmp_path / "kosong.jpg"
    blank.write_bytes(jpeg(np.full((300, 300, 3), 120, np.uint8)))
    assert cli_main(["--db", str(db.path), "selfie-reference", staff[3][1], str(ref)]) == 0
    assert cli_main(["--db", str(db.path), "selfie-reference", staff[3][1], str(blank)]) == 1
    assert "tidak ada wajah" in capsys.readouterr().err
    _import(db, tmp_path, [row(staff[3][1], "2026-03-02 07:00:00", "a.jpg", phone=staff[3][2])], {"a.jpg": synthetic_face(100, 4)})
    assert cli_main(["--db", str(db.path), "selfie-check"]) == 0
    assert "1 foto diperiksa" in capsys.readouterr().out
    assert cli_main(["--db", str(db.path), "selfie-queue", "--user", "atasan"]) == 0
    out = capsys.readouterr().out
    assert "1 swafoto" in out and "Menunggu" in out
    assert cli_main(["--db", str(db.path), "selfie-queue", "--user", "operator"]) == 1


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
