"""Sign elsewhere (BeSign, Panter, Srikandi): export the frozen PDF, re-import the signed one.

The import is accepted only when
- the frozen report is the signed file's first revision(s), byte for byte;
- the revisions up to the signature rewrite no object of the frozen report except
  signature plumbing (catalog /AcroForm, a page's /Annots, the info dict, XMP);
  revisions after the signature carry only DSS data and document timestamps
  (pyHanko's difference analysis);
- there is exactly one approval signature, it validates against the configured
  trusted roots and its certificate passes the signer-certificate checks.
The imported file is stored as is (never re-written), at the level it carries.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PdfReadError
from pyhanko.pdf_utils.reader import PdfFileReader

from services.auth import audit
from services.auth.users import CurrentUser
from services.calendar.names import BULAN
from services.errors import BadInputError
from services.signing.pades import SigningError
from services.signing.service import SignResult, _load_draft, check_signed_result, store_signed
from services.store.db import Database

MAX_IMPORT = 64 << 20


def export_for_signing(db: Database, report_id: int, user: CurrentUser, dest: Path) -> Path:
    """Copy the frozen draft PDF to ``dest`` (a file or folder) for signing in another application."""
    if not (user.has("signer") or user.has("operator")):
        user.require("signer")
    d = _load_draft(db, report_id)
    dest = Path(dest)
    if dest.is_dir():
        dest = dest / f"laporan_{d.year}-{d.month:02d}_rev{d.revision}_untuk_ttd.pdf"
    tmp = dest.with_suffix(dest.suffix + ".tmp")
    shutil.copyfile(d.pdf_path, tmp)
    tmp.replace(dest)
    with db.transaction() as s:
        audit.record(s, user.username, "report.export_for_signing", "report", report_id, {"file": dest.name})
    return dest


# Objects of the frozen document a signing tool may rewrite, and the keys it may change in them.
CATALOG_KEYS = {"/AcroForm", "/Perms", "/Extensions", "/Metadata", "/DSS", "/Version"}
PAGE_KEYS = {"/Annots"}


def _dump(obj: object) -> bytes:
    buf = io.BytesIO()
    obj.write_to_stream(buf, None)  # type: ignore[attr-defined]
    return buf.getvalue()


def _same_except(old: generic.DictionaryObject, new: generic.DictionaryObject, allowed: set[str]) -> list[str]:
    keys = (set(old) | set(new)) - allowed
    return sorted(k for k in keys if k not in old or k not in new or _dump(old[k]) != _dump(new[k]))


def _key(ref: object) -> tuple[int, int]:
    return int(ref.idnum), int(ref.generation)  # type: ignore[attr-defined]


def _check_revision(reader: PdfFileReader, base: int, revision: int) -> None:
    """Objects of the frozen revisions rewritten in ``revision`` must be signature plumbing only."""
    old = reader.get_historical_resolver(base)
    new = reader.get_historical_resolver(revision)
    root_ref = _key(old.trailer_view.raw_get("/Root"))
    if _key(new.trailer_view.raw_get("/Root")) != root_ref:
        raise SigningError("Berkas yang diimpor mengganti katalog dokumen; hanya penambahan tanda tangan diterima.")
    info_ref = old.trailer_view.raw_get("/Info") if "/Info" in old.trailer_view else None
    old_root = old.trailer_view["/Root"]
    allowed_free = {_key(ref) for ref in (info_ref, old_root.raw_get("/Metadata") if "/Metadata" in old_root else None,
                                    old_root.raw_get("/AcroForm") if "/AcroForm" in old_root else None) if ref}
    for ref in reader.xrefs.explicit_refs_in_revision(revision):
        try:
            introduced = reader.xrefs.get_introducing_revision(ref)
        except KeyError:
            continue
        if introduced > base:
            continue  # a new object (field, widget, appearance, signature value, DSS)
        if _key(ref) == root_ref:
            changed = _same_except(old(ref), new(ref), CATALOG_KEYS)
        elif _key(ref) in allowed_free:
            changed = []
        else:
            before, after = old(ref), new(ref)
            if isinstance(before, generic.DictionaryObject) and before.get("/Type") == "/Page" \
                    and isinstance(after, generic.DictionaryObject):
                changed = _same_except(before, after, PAGE_KEYS)
            else:
                changed = ["isi objek"]
        if changed:
            raise SigningError(
                f"Berkas yang diimpor mengubah bagian laporan yang dibekukan (objek {ref.idnum} {ref.generation}: "
                f"{', '.join(changed)}); hanya penambahan tanda tangan yang diterima.")


def check_only_signature_updates(frozen: bytes, signed: bytes) -> None:
    """Every revision after the frozen one adds signature plumbing only (checked up to and including the
    approval signature's revision; later ones are held to pyHanko's DSS/timestamp-only rule)."""
    base = PdfFileReader(io.BytesIO(frozen), strict=False).xrefs.total_revisions - 1
    reader = PdfFileReader(io.BytesIO(signed), strict=False)
    total = reader.xrefs.total_revisions
    if total <= base + 1:
        raise SigningError("Berkas yang diimpor tidak berisi revisi tanda tangan.")
    approvals = [s for s in reader.embedded_signatures if s.sig_object_type == "/Sig"]
    if len(approvals) != 1:
        raise SigningError(f"Berkas yang diimpor memuat {len(approvals)} tanda tangan persetujuan; harus tepat satu.")
    signed_rev = approvals[0].signed_revision
    for revision in range(base + 1, min(signed_rev, total - 1) + 1):
        _check_revision(reader, base, revision)


def import_signed(db: Database, report_id: int, user: CurrentUser, path: Path) -> SignResult:
    """Accept a PDF signed in BeSign / Panter / Srikandi for this draft report (see module doc)."""
    user.require("signer")
    path = Path(path)
    try:
        if path.stat().st_size > MAX_IMPORT:
            raise BadInputError(f"Berkas {path.name} terlalu besar (> 64 MiB).")
        data = path.read_bytes()
    except OSError as exc:
        raise BadInputError(f"Berkas {path} tidak dapat dibaca: {exc}") from None
    if not data.startswith(b"%PDF"):
        raise BadInputError(f"Berkas {path.name} bukan PDF.")
    d = _load_draft(db, report_id)
    if not data.startswith(d.pdf):
        raise SigningError(
            f"Berkas {path.name} bukan laporan {BULAN[d.month - 1]} {d.year} revisi {d.revision} yang dibekukan: "
            "bagian awalnya tidak sama persis dengan PDF yang diekspor (dokumen lain, atau isinya diubah sebelum "
            "ditandatangani). Tanda tangani berkas hasil ekspor tanpa mengubahnya.")
    try:
        check_only_signature_updates(d.pdf, data)
    except PdfReadError as exc:
        raise BadInputError(f"Berkas {path.name} rusak, tidak dapat dibaca sebagai PDF: {exc}") from None
    level, subject, cert_pem = check_signed_result(db, d.pdf, data)
    target, sha = store_signed(db, report_id, user, d.pdf_path, data, subject, cert_pem, level, "elsewhere", None)
    with db.transaction() as s:
        audit.record(s, user.username, "report.import_signed", "report", report_id, {"file": path.name, "sha256": sha})
    return SignResult(report_id, target, sha, subject, False,
                      f"PDF bertanda tangan diterima ({subject}); tingkat PAdES {level or 'bukan PAdES'}.",
                      level, "elsewhere")
