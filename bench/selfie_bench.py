"""Selfie checks: accuracy of the face model on the public labelled set, and throughput on this machine.

Prints, in one run:
1. accuracy, false-accept (FAR) and false-reject (FRR) rates on ../shared/faces/deepface-unit/master.csv at the
   shipped threshold and around it, the error-free band, and the old LBP texture descriptor on the same pairs
   at its old threshold (the peer this replaces); face counts of the group photos;
2. images per second of the per-image analysis (reduced decode + detection + alignment + embedding + blur,
   exposure, pHash) for 480 px and 1280 px phone-sized JPEGs, in this process and with the worker pool;
3. decode of 2,560 px JPEGs: full decode beside reduced-size decode (issue 14's row);
4. the whole service path (bundle import + run_checks with the pool) for 300 selfies of one day.

Run: .venv/bin/python bench/selfie_bench.py   (PRESENSI_FACES_DIR points at the shared faces folder)
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.demo.faces import demo_faces, faces_dir  # noqa: E402
from services.selfie import batch  # noqa: E402
from services.selfie.checks import analyse, count_faces, decode, to_grey, work_copy  # noqa: E402
from services.selfie.faces import face_distance, warm_up  # noqa: E402
from services.selfie.matching import DEFAULT_MATCH_MAX_DISTANCE  # noqa: E402


def load() -> str:
    one, five, _fifteen = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f}"


def _lbp_descriptor(img: np.ndarray) -> np.ndarray | None:
    """The replaced descriptor, re-stated here only as the peer: Haar face + 4x4 uniform-LBP histograms."""
    grey = to_grey(work_copy(img))
    cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
    small = cv2.resize(grey, None, fx=320 / max(grey.shape), fy=320 / max(grey.shape)) if max(grey.shape) > 320 else grey
    k = grey.shape[0] / small.shape[0]
    found = cascade.detectMultiScale(cv2.equalizeHist(small), 1.15, 5, minSize=(max(30, min(small.shape) // 8),) * 2)
    if len(found) == 0:
        return None
    x, y, w, h = (int(v * k) for v in max(found, key=lambda f: f[2] * f[3]))
    crop = cv2.equalizeHist(cv2.resize(grey[y : y + h, x : x + w], (96, 96)))
    g = crop.astype(np.int16)
    c = g[1:-1, 1:-1]
    code = np.zeros(c.shape, np.uint8)
    for bit, (dy, dx) in enumerate([(-1, -1), (-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1)]):
        code |= (g[1 + dy : 95 + dy, 1 + dx : 95 + dx] >= c).astype(np.uint8) << bit
    table = np.full(256, 58, np.uint8)
    k2 = 0
    for v in range(256):
        if sum(((v >> i) & 1) != ((v >> ((i + 1) % 8)) & 1) for i in range(8)) <= 2:
            table[v], k2 = k2, k2 + 1
    codes = table[code]
    hists = [np.bincount(codes[a : a + 23, b : b + 23].ravel(), minlength=59) / 529.0
             for a in range(0, 92, 23) for b in range(0, 92, 23)]
    return np.concatenate(hists).astype(np.float32)


def rates(dist: np.ndarray, same: np.ndarray, threshold: float, accept_below: bool = True) -> tuple[float, float, float]:
    pred = dist < threshold if accept_below else dist > threshold
    acc = float((pred == same).mean())
    far = float((pred & ~same).sum() / max(1, (~same).sum()))
    frr = float((~pred & same).sum() / max(1, same.sum()))
    return acc, far, frr


def accuracy_section(set_dir: Path) -> None:
    with (set_dir / "master.csv").open(encoding="utf-8") as f:
        pairs = [(r["file_x"].strip(), r["file_y"].strip(), r["Decision"].strip().lower() == "yes") for r in csv.DictReader(f)]
    names = sorted({n for a, b, _ in pairs for n in (a, b)})
    t0 = time.monotonic()
    metrics = {n: analyse(decode((set_dir / n).read_bytes())) for n in names}
    model_s = time.monotonic() - t0
    lbp = {n: _lbp_descriptor(decode((set_dir / n).read_bytes())) for n in names}
    same = np.array([s for *_, s in pairs])
    dist = np.array([face_distance(metrics[a].descriptor, metrics[b].descriptor) for a, b, _ in pairs])
    print(f"== Ketepatan pada {set_dir.name}: {len(pairs)} pasangan ({same.sum()} orang sama, {(~same).sum()} berbeda), "
          f"{len(names)} foto dianalisis dalam {model_s:.1f} s; {load()}")
    print(f"{'ambang':>7}  {'akurasi':>8}  {'FAR':>6}  {'FRR':>6}")
    for t in (0.50, 0.55, 0.58, 0.60, DEFAULT_MATCH_MAX_DISTANCE, 0.64, 0.66, 0.70):
        acc, far, frr = rates(dist, same, t)
        mark = "  <- ambang terpasang" if t == DEFAULT_MATCH_MAX_DISTANCE else ""
        print(f"{t:7.2f}  {acc:8.2%}  {far:6.2%}  {frr:6.2%}{mark}")
    hi_same, lo_diff = float(dist[same].max()), float(dist[~same].min())
    print(f"jarak orang sama: median {np.median(dist[same]):.3f}, maks {hi_same:.3f}; orang berbeda: median "
          f"{np.median(dist[~same]):.3f}, min {lo_diff:.3f}")
    if hi_same < lo_diff:
        print(f"pita tanpa galat: {hi_same:.3f} .. {lo_diff:.3f}; tengahnya {(hi_same + lo_diff) / 2:.3f}")
    lbp_sim = np.array([float(np.minimum(lbp[a], lbp[b]).sum() / 16) if lbp[a] is not None and lbp[b] is not None else 0.0
                        for a, b, _ in pairs])
    acc, far, frr = rates(lbp_sim, same, 0.65, accept_below=False)
    print(f"pembanding (LBP lama, ambang 0,65): akurasi {acc:.2%}, FAR {far:.2%}, FRR {frr:.2%}")
    groups = {"couple.jpg": None, "selfie-many-people.jpg": None}
    for g in groups:
        if (set_dir / g).exists():
            groups[g] = count_faces(decode((set_dir / g).read_bytes()))
    print("wajah terhitung pada foto kelompok: " + ", ".join(f"{k} {v}" for k, v in groups.items()))


def phone_photos(n: int, side: int) -> list[bytes]:
    """``n`` phone-sized JPEGs (long side ``side``) derived from the labelled photos (or drawn faces)."""
    faces = demo_faces()
    out = []
    for i in range(n):
        img = faces.selfie(i, 1000 + i)
        h, w = img.shape[:2]
        k = side / max(h, w)
        img = cv2.resize(img, (round(w * k), round(h * k)), interpolation=cv2.INTER_AREA if k < 1 else cv2.INTER_CUBIC)
        out.append(cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 88])[1].tobytes())
    return out


def throughput_section(n: int) -> None:
    warm_up()
    print(f"== Laju analisis per foto (dekode + deteksi + penjajaran + embedding + mutu + pHash); {load()}")
    with tempfile.TemporaryDirectory() as tmp:
        for side in (480, 1280):
            photos = phone_photos(n, side)
            t0 = time.monotonic()
            for data in photos:
                decode(data)
            floor = n / (time.monotonic() - t0)
            t0 = time.monotonic()
            for data in photos:
                _lbp_descriptor(decode(data))
            peer = n / (time.monotonic() - t0)
            t0 = time.monotonic()
            for data in photos:
                batch.analyse_bytes(data)
            inline = n / (time.monotonic() - t0)
            paths = []
            for i, data in enumerate(photos):
                p = Path(tmp) / f"{side}_{i}.jpg"
                p.write_bytes(data)
                paths.append(p)
            t0 = time.monotonic()
            batch.analyse_files(paths, workers=batch.worker_count())
            pooled = n / (time.monotonic() - t0)
            print(f"{side:>5} px: {inline:5.1f} foto/s satu proses; {pooled:5.1f} foto/s dengan {batch.worker_count()} "
                  f"proses pekerja (termasuk menyalakan pekerja); pembanding: dekode saja {floor:5.1f}/s, "
                  f"Haar+LBP lama {peer:5.1f}/s")
    big = phone_photos(12, 2560)
    for label, side in (("penuh", None), ("dikecilkan", 640)):
        t0 = time.monotonic()
        for _ in range(2):
            for data in big:
                decode(data, max_side=side)
        rate = 2 * len(big) / (time.monotonic() - t0)
        print(f"dekode JPEG 2560 px, {label}: {rate:5.1f} foto/s")
    print(f"({load()})")


def service_section(count: int) -> None:
    from services.demo.mobile_bundle import add_demo_reference_photos, write_demo_bundle
    from services.demo.sample_org import create_sample_org
    from services.mobile.importer import import_bundle
    from services.selfie.service import run_checks
    from services.store.db import open_database

    employees = count // 2
    with tempfile.TemporaryDirectory() as tmp:
        db = open_database(Path(tmp) / "bench.sqlite")
        with db.transaction() as s:
            org = create_sample_org(s, n_employees=employees, with_users=False)
            day = dt.date(2026, 3, 2)
            info = write_demo_bundle(s, Path(tmp) / "b.zip", org.employee_ids, [day], now=dt.datetime(2026, 3, 3))
            add_demo_reference_photos(s, db.path, org.employee_ids)
        t0 = time.monotonic()
        result = import_bundle(db, info.path, now=dt.datetime(2026, 3, 3))
        t1 = time.monotonic()
        run = run_checks(db, result.punch_ids)
        t2 = time.monotonic()
        db.dispose()
    print(f"== Layanan penuh, satu hari OPD: {result.new} swafoto ({employees} pegawai x 2); {load()}")
    print(f"impor bundel: {t1 - t0:.1f} s; run_checks (pool {batch.worker_count()} proses): {t2 - t1:.1f} s "
          f"= {result.new / (t2 - t1):.1f} foto/s (target: {result.new} foto < 30 s)")
    print(f"tanda: {dict(run.flags)}")


def main() -> None:
    set_dir = faces_dir() / "deepface-unit"
    if (set_dir / "master.csv").is_file():
        accuracy_section(set_dir)
    else:
        print(f"(set foto uji tidak ada di {set_dir}: ketepatan tidak diukur; atur PRESENSI_FACES_DIR)")
    throughput_section(int(sys.argv[1]) if len(sys.argv) > 1 else 40)
    service_section(300)


if __name__ == "__main__":
    main()
