"""The face model on real photos: accuracy on the labelled pairs, face counts, alignment, enrolment, CLI, pool."""

from __future__ import annotations

import json
from functools import lru_cache

import cv2
import numpy as np
import pytest
from sqlalchemy import select

from services.policy.model import load_policy
from services.selfie import batch
from services.selfie.checks import ImageMetrics, analyse, count_faces, decode, work_copy
from services.selfie.faces import detect_faces, face_distance
from services.selfie.matching import DEFAULT_MATCH_MAX_DISTANCE, best_match, compare_images, score_words
from services.selfie.service import ReferencePhotoError, add_reference_photo
from services.store.models import ReferencePhoto
from tests.faces_fixtures import face_set, jpeg_bytes, labelled_pairs, photo, photo_bytes, side_by_side


@lru_cache(maxsize=128)
def _metrics(name: str) -> ImageMetrics:
    img = decode(photo_bytes(name))
    assert img is not None
    return analyse(img)


def test_shipped_threshold_is_the_policy_default_and_is_accurate_on_the_labelled_pairs():
    face_set()
    assert load_policy("default").selfie.match_max_distance == DEFAULT_MATCH_MAX_DISTANCE
    pairs = labelled_pairs()
    assert len(pairs) >= 299
    right = false_accept = false_reject = 0
    for a, b, same in pairs:
        ma, mb = _metrics(a), _metrics(b)
        assert ma.descriptor is not None and mb.descriptor is not None, (a, b)
        predicted = face_distance(ma.descriptor, mb.descriptor) < DEFAULT_MATCH_MAX_DISTANCE
        right += predicted == same
        false_accept += predicted and not same
        false_reject += same and not predicted
    assert right / len(pairs) >= 0.98, (right, false_accept, false_reject)
    # and the old texture descriptor's failure mode is gone: same-person pairs are clearly closer than others
    same_d = [face_distance(_metrics(a).descriptor, _metrics(b).descriptor) for a, b, s in pairs if s]
    diff_d = [face_distance(_metrics(a).descriptor, _metrics(b).descriptor) for a, b, s in pairs if not s]
    assert np.median(same_d) + 0.25 < np.median(diff_d)


def test_every_face_of_two_and_three_person_photos_is_counted():
    face_set()
    assert count_faces(photo("couple.jpg")) == 2
    assert count_faces(side_by_side("img1.jpg", "img20.jpg", "img22.jpg")) == 3
    assert count_faces(side_by_side("img3.jpg", "img16.jpg", "img8.jpg")) == 3
    assert count_faces(side_by_side("img24.jpg", "img18.jpg")) == 2
    m = _metrics("selfie-many-people.jpg")
    assert m.faces >= 4 and "multiple_faces" in m.flags()
    for single in ("img1.jpg", "img20.jpg", "img22.jpg", "img57.jpg"):
        assert _metrics(single).faces == 1, single


def test_faces_are_aligned_before_embedding():
    """A tilted copy of a photo embeds next to the original: the landmarks turn the face upright first."""
    face_set()
    img = photo("img2.jpg")
    h, w = img.shape[:2]
    tilted = cv2.warpAffine(img, cv2.getRotationMatrix2D((w / 2, h / 2), 20, 1.0), (w, h), borderMode=cv2.BORDER_REFLECT)
    original, turned = analyse(img), analyse(tilted)
    assert turned.faces == 1 and abs(turned.roll_deg) > 12
    assert face_distance(original.descriptor, turned.descriptor) < 0.25
    assert face_distance(original.descriptor, _metrics("img20.jpg").descriptor) > DEFAULT_MATCH_MAX_DISTANCE


def test_reduced_decode_keeps_the_result_and_full_decode_stays_available():
    face_set()
    big = cv2.resize(photo("img20.jpg"), (2560, 2560), interpolation=cv2.INTER_CUBIC)
    data = jpeg_bytes(big)
    reduced, full = decode(data), decode(data, max_side=None)
    assert full.shape[:2] == (2560, 2560)
    assert 640 <= max(reduced.shape[:2]) < 1280
    a, b = analyse(reduced), analyse(full)
    assert a.faces == b.faces == 1
    assert face_distance(a.descriptor, b.descriptor) < 0.1


def test_words_for_the_score():
    t = DEFAULT_MATCH_MAX_DISTANCE
    assert score_words(0.3, t) == "sangat mirip"
    assert score_words(t - 0.05, t) == "mirip"
    assert score_words(t + 0.03, t) == "meragukan, mungkin orang lain"
    assert score_words(0.9, t) == "kemungkinan orang lain"
    assert score_words(None, t) == "tidak dapat dibandingkan"
    refs = [(11, _metrics("img20.jpg").descriptor), (12, _metrics("img1.jpg").descriptor)] if face_set() else []
    m = best_match(_metrics("img2.jpg").descriptor, refs, t)
    assert m.reference_id == 12 and m.same_person and m.references == 2


def test_enrolment_needs_one_sharp_frontal_face(db, org):
    face_set()
    emp = org.employee_ids[0]
    turned = _turned_face_photo()
    cases = [
        (jpeg_bytes(photo("couple.jpg")), "2 wajah"),
        (jpeg_bytes(np.full((400, 400, 3), 120, np.uint8)), "tidak ada wajah"),
        (jpeg_bytes(cv2.GaussianBlur(photo("img20.jpg"), (0, 0), 6)), "buram"),
        (jpeg_bytes(turned), "tidak menghadap depan"),
    ]
    with db.transaction() as s:
        for data, why in cases:
            with pytest.raises(ReferencePhotoError, match=why):
                add_reference_photo(s, db.path, emp, data, "admin")
        first = add_reference_photo(s, db.path, emp, photo_bytes("img1.jpg"), "admin")
        second = add_reference_photo(s, db.path, emp, photo_bytes("img2.jpg"), "admin")  # several per employee
        with pytest.raises(ReferencePhotoError, match="sudah tersimpan"):
            add_reference_photo(s, db.path, emp, photo_bytes("img2.jpg"), "admin")
    with db.session() as s:
        refs = s.execute(select(ReferencePhoto).where(ReferencePhoto.employee_id == emp)).scalars().all()
    assert [r.id for r in refs] == [first.id, second.id]
    assert all(r.model == "dlib_resnet_v1" and len(r.face_descriptor) == 128 * 4 for r in refs)


def _turned_face_photo() -> np.ndarray:
    """The man on the right of selfie-many-people.jpg, cropped: one face, clearly turned aside."""
    img = photo("selfie-many-people.jpg")
    small = work_copy(img)
    scale = img.shape[1] / small.shape[1]
    face = max(detect_faces(small), key=lambda f: f.yaw_ratio)
    assert face.yaw_ratio > 0.25
    x, y, w, h = (int(v * scale) for v in face.box)
    crop = img[max(0, y - h // 2) : y + h + h // 2, max(0, x - w // 2) : x + w + w // 2]
    assert count_faces(crop) == 1
    return crop


def test_compare_cli_prints_faces_score_threshold_and_decision(tmp_path, capsys):
    from services.cli import main as cli_main

    face_set()
    files = {}
    for name in ("img1.jpg", "img2.jpg", "img20.jpg", "couple.jpg"):
        files[name] = tmp_path / name
        files[name].write_bytes(photo_bytes(name))
    assert cli_main(["selfie-compare", str(files["img1.jpg"]), str(files["img2.jpg"]), "--json"]) == 0
    same = json.loads(capsys.readouterr().out)
    assert same["same_person"] is True and same["reference"]["faces"] == 1 and same["selfie"]["faces"] == 1
    assert same["threshold"] == DEFAULT_MATCH_MAX_DISTANCE and same["distance"] < DEFAULT_MATCH_MAX_DISTANCE
    assert cli_main(["selfie-compare", str(files["img1.jpg"]), str(files["img20.jpg"]), "--json"]) == 0
    other = json.loads(capsys.readouterr().out)
    assert other["same_person"] is False and other["words"] == "kemungkinan orang lain"
    assert cli_main(["selfie-compare", str(files["img1.jpg"]), str(files["couple.jpg"])]) == 0
    text = capsys.readouterr().out
    assert "2 wajah" in text and "ambang 0.62" in text and "Orang yang sama:" in text
    # the same function as the import checks: identical distance
    direct = compare_images(decode(photo_bytes("img1.jpg")), decode(photo_bytes("img2.jpg")))
    assert direct.match.distance == same["distance"]
    broken = tmp_path / "rusak.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 bukan foto")
    assert cli_main(["selfie-compare", str(broken), str(files["img1.jpg"])]) == 1
    assert "rusak.jpg" in capsys.readouterr().err


def test_worker_processes_give_the_same_results_as_in_process(tmp_path, monkeypatch):
    face_set()
    paths = []
    for name in ("img1.jpg", "img20.jpg", "couple.jpg", "img22.jpg"):
        p = tmp_path / name
        p.write_bytes(photo_bytes(name))
        paths.append(p)
    paths.append(tmp_path / "hilang.jpg")
    inline = batch.analyse_files(paths, workers=1)
    monkeypatch.setattr(batch, "POOL_MIN_PHOTOS", 2)
    seen: list[int] = []
    pooled = batch.analyse_files(paths, workers=2, on_done=seen.append)
    assert seen == [1, 2, 3, 4, 5]
    assert [r.problem for r in pooled] == [None, None, None, None, "photo_missing"]
    for a, b in zip(inline[:4], pooled[:4], strict=True):
        assert a.metrics.faces == b.metrics.faces
        assert face_distance(a.metrics.descriptor, b.metrics.descriptor) < 1e-4
