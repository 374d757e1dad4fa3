"""CLI: `selfie-check`, `selfie-queue`, `selfie-verdict`, `selfie-reference`, `selfie-compare`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from services.cli_support import OPERATOR, STAFF, VERIFIER, current, needs, open_db


def register(sub: argparse._SubParsersAction) -> None:
    chk = sub.add_parser("selfie-check", help="jalankan pemeriksaan swafoto (wajah, buram, gelap, foto dipakai ulang)")
    chk.add_argument("--recheck", action="store_true", help="periksa ulang semua foto (keputusan atasan tetap)")
    chk.set_defaults(func=_selfie_check)
    needs(chk, OPERATOR)

    q = sub.add_parser("selfie-queue", help="daftar antrean verifikasi swafoto")
    q.add_argument("--status", choices=("pending", "decided", "all"), default="pending")
    q.set_defaults(func=_selfie_queue)
    needs(q, STAFF)  # the queue is the logged-in user's own (an atasan sees their subordinates)

    v = sub.add_parser("selfie-verdict", help="putuskan satu swafoto: setujui / tolak / manipulasi (peran atasan)")
    v.add_argument("check_id", type=int, help="ID dari `selfie-queue`")
    v.add_argument("keputusan", choices=("setujui", "tolak", "manipulasi"))
    v.add_argument("--alasan", default="", help="wajib untuk tolak dan manipulasi")
    v.set_defaults(func=_selfie_verdict)
    needs(v, VERIFIER)

    ref = sub.add_parser("selfie-reference", help="tambahkan foto referensi (tampak depan) seorang pegawai")
    ref.add_argument("nip", help="NIP / NI PPPK pegawai")
    ref.add_argument("photo", type=Path, help="berkas JPEG/PNG")
    ref.set_defaults(func=_selfie_reference)
    needs(ref, OPERATOR)

    cmp_ = sub.add_parser("selfie-compare", help="bandingkan wajah dua foto (referensi dan swafoto) dengan model yang sama "
                                                  "seperti pemeriksaan impor")
    cmp_.add_argument("reference", type=Path, help="foto referensi (JPEG/PNG)")
    cmp_.add_argument("selfie", type=Path, help="swafoto (JPEG/PNG)")
    cmp_.add_argument("--json", action="store_true", help="keluaran JSON")
    cmp_.add_argument("--policy", default="default", help="kebijakan daerah (nama preset atau berkas TOML) sumber ambang")
    cmp_.add_argument("--threshold", type=float, default=None, help="ambang jarak wajah (mengganti ambang kebijakan)")
    cmp_.set_defaults(func=_selfie_compare)
    needs(cmp_, None)  # two files in, a distance out: no database


def _progress(done: int, total: int, message: str = "") -> None:
    if total and (done == total or done % 50 == 0):
        print(f"  {message} ({done}/{total})", file=sys.stderr)


def _selfie_check(args: argparse.Namespace) -> int:
    from services.selfie.service import run_checks

    db = open_db(args)
    result = run_checks(db, recheck=args.recheck, progress=_progress)
    print(result.summary())
    return 0


def _selfie_queue(args: argparse.Namespace) -> int:
    from services.auth.users import AuthError
    from services.selfie.checks import label_flags
    from services.selfie.queue import VERDICTS, list_queue

    db = open_db(args)
    with db.session() as s:
        try:
            items = list_queue(s, db.path, current(args), status=args.status)
        except AuthError as exc:
            print(exc, file=sys.stderr)
            return 1
    print(f"{'ID':>5}  {'Waktu':16}  {'Pegawai':28} {'Jarak':>7}  {'Status':10} {'Risiko':32} {'Wajah':24} Tanda")
    for it in items:  # riskiest first
        dist = f"{it.distance_m:.0f} m" if it.distance_m is not None else "-"
        print(f"{it.check_id:>5}  {it.ts:%Y-%m-%d %H:%M}  {it.employee_name[:28]:28} {dist:>7}  "
              f"{VERDICTS.get(it.verdict, it.verdict):10} {it.risk_words[:32]:32} {it.score_words[:24]:24} "
              f"{label_flags(it.all_flags)}")
    print(f"{len(items)} swafoto")
    return 0


def _selfie_verdict(args: argparse.Namespace) -> int:
    from services.auth.users import AuthError
    from services.reconcile.period import PeriodLockedError
    from services.selfie.queue import VERDICTS, set_verdict

    verdict = {"setujui": "approved", "tolak": "rejected", "manipulasi": "manipulation"}[args.keputusan]
    db = open_db(args)
    try:
        with db.transaction() as s:
            error: Exception | None = None
            try:
                check = set_verdict(s, current(args), args.check_id, verdict, args.alasan)
            except (AuthError, PeriodLockedError, PermissionError, ValueError) as exc:
                error = exc  # leave the transaction normally: a failed login stays audited
        if error is not None:
            print(error, file=sys.stderr)
            return 1
        print(f"Swafoto {check.id}: {VERDICTS.get(check.verdict, check.verdict)}"
              + (f" — {check.reason}" if check.reason else ""))
        return 0
    finally:
        db.dispose()


def _selfie_reference(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from services.selfie.service import ReferencePhotoError, add_reference_photo
    from services.store.models import Employee

    db = open_db(args)
    try:
        data = args.photo.read_bytes()
    except OSError as exc:
        print(f"{args.photo}: tidak dapat dibaca ({exc.strerror or exc})", file=sys.stderr)
        return 1
    try:
        with db.transaction() as s:
            emp = s.execute(select(Employee).where(Employee.nip == args.nip.replace(" ", ""))).scalar_one_or_none()
            if emp is None:
                print(f"NIP {args.nip} tidak terdaftar.", file=sys.stderr)
                return 1
            add_reference_photo(s, db.path, emp.id, data, current(args).username, now=db.clock.now())
            name = emp.name
    except ReferencePhotoError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"Foto referensi {name} disimpan.")
    return 0


def _selfie_compare(args: argparse.Namespace) -> int:
    import json

    from services.policy.model import PolicyError, load_policy
    from services.selfie.checks import decode
    from services.selfie.matching import compare_images
    from services.selfie.photos import PhotoError, check_limits

    try:
        threshold = args.threshold if args.threshold is not None else load_policy(args.policy).selfie.match_max_distance
    except PolicyError as exc:
        print(exc, file=sys.stderr)
        return 1
    images = []
    for path in (args.reference, args.selfie):
        try:
            data = path.read_bytes()
            check_limits(data)
        except OSError as exc:
            print(f"{path}: tidak dapat dibaca ({exc.strerror or exc})", file=sys.stderr)
            return 1
        except PhotoError as exc:
            print(f"{path}: {exc}", file=sys.stderr)
            return 1
        img = decode(data)
        if img is None:
            print(f"{path}: gambar rusak / tidak dapat dibaca", file=sys.stderr)
            return 1
        images.append(img)
    result = compare_images(images[0], images[1], threshold)
    if args.json:
        doc = {"reference": {"file": str(args.reference), "faces": result.reference_faces},
               "selfie": {"file": str(args.selfie), "faces": result.selfie_faces},
               **{k: v for k, v in result.as_dict().items() if not k.endswith("_faces")}}
        print(json.dumps(doc, ensure_ascii=False))
        return 0
    m = result.match
    print(f"Foto referensi: {args.reference} — {result.reference_faces} wajah")
    print(f"Swafoto:        {args.selfie} — {result.selfie_faces} wajah")
    if m.distance is None:
        print("Jarak wajah:    - (tidak ada wajah untuk dibandingkan)")
    else:
        print(f"Jarak wajah:    {m.distance:.4f} (ambang {m.threshold:.2f}; makin kecil makin mirip)")
    verdict = "tidak dapat diputuskan" if m.same_person is None else ("ya" if m.same_person else "tidak")
    print(f"Orang yang sama: {verdict} — {m.words}")
    return 0
