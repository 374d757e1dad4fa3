"""The submission bundle of one signed report revision: what BKPSDM receives as one revision.

Four files, each hashed (sha256): the signed recap PDF (the report as signed), the Excel recap of
TPP deductions (built from the *same* summary lines that are in the signed PDF and travel to the
central database), the SPTJM and the surat pengantar (both list the other files' sha256). A
manifest (canonical JSON: OPD, period, revision, every file's name/sha256/size, the audit-chain
head) is hashed too; its sha256 is the bundle's identity and the central idempotency key.

"Signed together or listed": the SPTJM and the pengantar *list* the files by hash. A caller with a
signing backend may pass ``sign_document(kind, pdf) -> signed pdf`` to sign them as well (the
hashes then cover the signed bytes).

The bundle is built once per report revision and stored beside the database, so every retry of
the outbox sends byte-identical files; `load_bundle` re-hashes them before each send.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from services.auth import audit
from services.auth.users import CurrentUser
from services.central.client import FILE_KINDS, FILE_LABELS, check_bundle_size
from services.central.status import deadline_for
from services.changes import Changes
from services.errors import NotFoundError, PermissionDeniedError, UserError
from services.jobs import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress
from services.paths import files_dir
from services.policy.recap import MonthRecapRow
from services.reports.excel import export_tpp_excel
from services.reports.layout import Letterhead
from services.reports.monthly import relative_file, resolve_file
from services.reports.submission_docs import BundleDocData, render_pengantar, render_sptjm
from services.store.db import Database
from services.store.models import Employee, Opd, Period, Report, Setting, SubmissionBundle

MANIFEST_FORMAT = "presensi-opd/bundle/1"
SETTING_RECIPIENT = "central.recipient"  # "Kepala BKPSDM Kabupaten ..." on the surat pengantar
SignDocument = Callable[[str, bytes], bytes]


class BundleError(UserError):
    title = "Bundel kiriman"


@dataclass(frozen=True)
class BundleFileInfo:
    kind: str
    name: str
    sha256: str
    size: int


@dataclass(frozen=True)
class BundleInfo:
    bundle_id: int
    report_id: int
    bundle_sha256: str
    total_bytes: int
    audit_head: tuple[int, str]
    files: tuple[BundleFileInfo, ...]
    created: bool  # False: the bundle already existed and was re-checked
    changes: Changes = Changes(reports=True)


@dataclass(frozen=True)
class LoadedBundle:
    report_id: int
    manifest: str
    bundle_sha256: str
    audit_head: tuple[int, str]
    files: dict[str, bytes]
    names: dict[str, str]

    def sha256(self, kind: str) -> str:
        return hashlib.sha256(self.files[kind]).hexdigest()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_LINE_DEFAULTS: dict[str, Any] = {"employee_id": 0, "nip": "", "name": "", "jabatan": "", "unit": "", "working_days": 0}


def summary_rows(summary: list[dict[str, Any]]) -> list[MonthRecapRow]:
    """Summary lines (as stored with the report and sent centrally) back into recap rows.

    Lines read back from the central database may come from older clients: unknown keys are
    ignored and missing identity fields default to empty, so one odd line never breaks a table.
    """
    names = {f.name for f in dataclasses.fields(MonthRecapRow)}
    out = []
    for line in summary:
        if not isinstance(line, dict):
            continue
        known = {k: v for k, v in line.items() if k in names and k != "employee_id"}
        out.append(MonthRecapRow(**{**_LINE_DEFAULTS, **known}))
    return out


def build_manifest(opd_code: str, year: int, month: int, revision: int, files: dict[str, tuple[str, bytes]],
                   audit_head: tuple[int, str], employees: int, signer_subject: str) -> str:
    """Canonical JSON (sorted keys, no spaces): the exact text whose sha256 identifies the bundle."""
    body = {
        "format": MANIFEST_FORMAT, "opd": opd_code, "year": year, "month": month, "revision": revision,
        "files": {k: {"name": name, "sha256": sha256_hex(data), "size": len(data)} for k, (name, data) in files.items()},
        "audit_head": {"event_id": audit_head[0], "hash": audit_head[1]},
        "employees": employees, "signer": signer_subject,
    }
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _recipient(s: Any, opd: Opd) -> str:
    row = s.get(Setting, SETTING_RECIPIENT)
    if row is not None and row.value.strip():
        return str(row.value.strip())
    region = (opd.region_name or "").strip()
    region = region[len("PEMERINTAH "):] if region.upper().startswith("PEMERINTAH ") else region
    return "Kepala Badan Kepegawaian dan Pengembangan Sumber Daya Manusia " + region.title() if region else \
        "Kepala Badan Kepegawaian dan Pengembangan Sumber Daya Manusia"


@dataclass(frozen=True)
class _Source:
    report_id: int
    label: str
    stem: str
    opd_code: str
    opd_name: str
    policy: str
    year: int
    month: int
    revision: int
    signer_subject: str
    summary: list[dict[str, Any]]
    signed_pdf: bytes
    signed_name: str
    doc: BundleDocData


def _source(db: Database, report_id: int, pengantar_number: str) -> _Source:
    with db.session() as s:
        report = s.get(Report, report_id)
        if report is None:
            raise NotFoundError(f"Laporan id {report_id} tidak ditemukan.")
        period = s.get(Period, report.period_id)
        opd = s.get(Opd, period.opd_id) if period else None
        if period is None or opd is None:
            raise NotFoundError(f"Periode/OPD laporan id {report_id} tidak ditemukan.")
        label = f"{period.year}-{period.month:02d} revisi {report.revision}"
        if report.status not in ("signed", "queued", "submitted") or not report.signed_sha256 \
                or not report.signed_pdf_path:
            raise BundleError(f"Laporan {label} belum ditandatangani; bundel kiriman dibuat dari laporan bertanda "
                              f"tangan.")
        signed_path = resolve_file(db, report.signed_pdf_path)
        head = s.get(Employee, opd.head_employee_id) if opd.head_employee_id else None
        summary = json.loads(report.summary_json or "[]")
        rows = summary_rows(summary)
        doc = BundleDocData(
            letterhead=Letterhead.from_opd(opd), opd_code=opd.code, year=period.year, month=period.month,
            revision=report.revision, reason=report.reason, date=db.clock.today(),
            head_name=head.name if head else "(nama kepala OPD)", head_nip=head.nip if head else "-",
            head_title=f"Kepala {opd.name}", employees=len(rows), tpp_base=sum(r.tpp_base for r in rows),
            deduction_rp=sum(r.deduction_rp for r in rows), tpp_net=sum(r.tpp_net for r in rows),
            deadline=deadline_for(period.year, period.month), recipient=_recipient(s, opd),
            pengantar_number=pengantar_number.strip(), paper=report.paper or "A4",
        )
        expected = report.signed_sha256
        src = _Source(report_id=report_id, label=label,
                      stem=f"{opd.code}_{period.year}-{period.month:02d}_r{report.revision}", opd_code=opd.code,
                      opd_name=opd.name, policy=opd.policy_preset, year=period.year, month=period.month,
                      revision=report.revision, signer_subject=report.signer_subject, summary=summary,
                      signed_pdf=b"", signed_name=signed_path.name, doc=doc)
    try:
        pdf = signed_path.read_bytes()
    except OSError as exc:
        raise BundleError(f"PDF bertanda tangan {signed_path} tidak dapat dibaca: {exc}") from None
    if sha256_hex(pdf) != expected:
        raise BundleError(f"PDF bertanda tangan {signed_path.name} berubah sejak ditandatangani (sha256 tidak "
                          f"cocok); bundel tidak dibuat.")
    return dataclasses.replace(src, signed_pdf=pdf)


def _render(db: Database, src: _Source, folder: Path, sign_document: SignDocument | None,
            progress: ProgressFn, cancel: CancelToken) -> dict[str, tuple[str, bytes]]:
    files: dict[str, tuple[str, bytes]] = {"recap_pdf": (src.signed_name, src.signed_pdf)}
    progress(1, 5, "Menyusun rekap Excel")
    xlsx_name = f"{src.stem}_rekap_tpp.xlsx"
    tmp_xlsx = folder / (xlsx_name + ".build")
    export_tpp_excel(summary_rows(src.summary), tmp_xlsx, opd_name=src.opd_name, year=src.year, month=src.month,
                     policy_name=src.policy, generated_at=db.clock.now(), cancel=cancel)
    try:
        files["recap_xlsx"] = (xlsx_name, tmp_xlsx.read_bytes())
    finally:
        tmp_xlsx.unlink(missing_ok=True)
    cancel.raise_if_cancelled()
    for step, (kind, suffix, render) in enumerate((("sptjm_pdf", "sptjm", render_sptjm),
                                                   ("pengantar_pdf", "pengantar", render_pengantar)), 2):
        progress(step, 5, f"Menyusun {FILE_LABELS[kind]}")
        names = {k: n for k, (n, _d) in files.items()}
        doc = dataclasses.replace(src.doc, hashes={k: sha256_hex(d) for k, (_n, d) in files.items()}, names=names)
        data = render(doc)
        if sign_document is not None:
            data = sign_document(kind, data)
        files[kind] = (f"{src.stem}_{suffix}.pdf", data)
        cancel.raise_if_cancelled()
    return files


def build_bundle(
    db: Database,
    report_id: int,
    user: CurrentUser,
    *,
    pengantar_number: str = "",
    sign_document: SignDocument | None = None,
    progress: ProgressFn = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> BundleInfo:
    """Build (once) and record the bundle of a signed report; an existing bundle is re-checked and returned."""
    if not (user.has("operator") or user.has("signer")):
        raise PermissionDeniedError("Menyusun bundel kiriman memerlukan peran Operator atau Penanda tangan.")
    with db.session() as s:
        existing = s.execute(select(SubmissionBundle).where(SubmissionBundle.report_id == report_id)).scalar()
    if existing is not None:
        return _info(existing, load_bundle(db, report_id), created=False)
    progress(0, 5, "Memeriksa laporan bertanda tangan")
    src = _source(db, report_id, pengantar_number)
    folder = files_dir(db.path, "bundles") / src.stem
    folder.mkdir(parents=True, exist_ok=True)
    files = _render(db, src, folder, sign_document, progress, cancel)
    total = check_bundle_size({k: d for k, (_n, d) in files.items()}, src.summary, f"{src.opd_code} {src.label}")
    progress(4, 5, "Menyimpan bundel")
    written: list[tuple[Path, Path]] = []
    for kind in FILE_KINDS[1:]:
        name, data = files[kind]
        tmp = folder / (name + ".tmp")
        tmp.write_bytes(data)
        written.append((tmp, folder / name))
    try:
        with db.transaction() as s:
            if s.execute(select(SubmissionBundle.id).where(SubmissionBundle.report_id == report_id)).scalar():
                raise BundleError(f"Bundel laporan {src.label} baru saja dibuat di sesi lain; muat ulang layar.")
            head = audit.chain_head(s)
            manifest = build_manifest(src.opd_code, src.year, src.month, src.revision, files, head,
                                      len(src.summary), src.signer_subject)
            bundle_sha = sha256_hex(manifest.encode("utf-8"))
            paths = {k: relative_file(db, folder / files[k][0]) for k in FILE_KINDS[1:]}
            row = SubmissionBundle(
                report_id=report_id, recap_pdf_sha256=sha256_hex(src.signed_pdf),
                xlsx_path=paths["recap_xlsx"], xlsx_sha256=sha256_hex(files["recap_xlsx"][1]),
                sptjm_path=paths["sptjm_pdf"], sptjm_sha256=sha256_hex(files["sptjm_pdf"][1]),
                pengantar_path=paths["pengantar_pdf"], pengantar_sha256=sha256_hex(files["pengantar_pdf"][1]),
                manifest_json=manifest, bundle_sha256=bundle_sha, audit_head_id=head[0], audit_head_hash=head[1],
                total_bytes=total, created_by=user.username,
            )
            s.add(row)
            s.flush()
            audit.record(s, user.username, "report.bundle", "submission_bundle", row.id,
                         {"report_id": report_id, "bundle_sha256": bundle_sha, "audit_head": list(head),
                          "bytes": total})
            for tmp, target in written:
                os.replace(tmp, target)
            bundle_id = row.id
    finally:
        for tmp, _target in written:
            tmp.unlink(missing_ok=True)
    progress(5, 5, "Bundel siap")
    with db.session() as s:
        stored = s.get(SubmissionBundle, bundle_id)
        assert stored is not None
        return _info(stored, load_bundle(db, report_id), created=True)


def _info(row: SubmissionBundle, loaded: LoadedBundle, created: bool) -> BundleInfo:
    files = tuple(BundleFileInfo(k, loaded.names[k], loaded.sha256(k), len(loaded.files[k])) for k in FILE_KINDS)
    return BundleInfo(row.id, row.report_id, row.bundle_sha256, row.total_bytes,
                      (row.audit_head_id, row.audit_head_hash), files, created)


def load_bundle(db: Database, report_id: int) -> LoadedBundle:
    """The stored bundle's bytes, every file re-hashed against what was recorded (refuses a changed file)."""
    with db.session() as s:
        row = s.execute(select(SubmissionBundle).where(SubmissionBundle.report_id == report_id)).scalar()
        report = s.get(Report, report_id)
        if row is None or report is None or not report.signed_pdf_path:
            raise NotFoundError(f"Bundel kiriman laporan id {report_id} belum dibuat.")
        wanted = {"recap_pdf": (report.signed_pdf_path, row.recap_pdf_sha256),
                  "recap_xlsx": (row.xlsx_path, row.xlsx_sha256), "sptjm_pdf": (row.sptjm_path, row.sptjm_sha256),
                  "pengantar_pdf": (row.pengantar_path, row.pengantar_sha256)}
        manifest, bundle_sha, head = row.manifest_json, row.bundle_sha256, (row.audit_head_id, row.audit_head_hash)
    files: dict[str, bytes] = {}
    names: dict[str, str] = {}
    for kind, (stored, sha) in wanted.items():
        path = resolve_file(db, stored)
        try:
            data = path.read_bytes()
        except OSError:
            raise BundleError(f"Berkas bundel '{FILE_LABELS[kind]}' hilang: {path}. Bundel tidak dapat dikirim."
                              ) from None
        if sha256_hex(data) != sha:
            raise BundleError(f"Berkas bundel '{FILE_LABELS[kind]}' ({path.name}) berubah setelah bundel dibuat "
                              f"(sha256 tidak cocok); tidak dikirim.")
        files[kind], names[kind] = data, path.name
    if sha256_hex(manifest.encode("utf-8")) != bundle_sha:
        raise BundleError(f"Manifes bundel laporan id {report_id} tidak cocok dengan sha256-nya; tidak dikirim.")
    return LoadedBundle(report_id, manifest, bundle_sha, head, files, names)
