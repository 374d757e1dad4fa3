"""Sign elsewhere (BeSign, Panter, Srikandi): export the frozen PDF, re-import the signed one.

The import is accepted only when
- the frozen report is the signed file's first revision(s), byte for byte;
- every later revision is signature-related only (a signature field and its
  appearance, DSS validation data, document timestamps), by pyHanko's difference
  analysis of each revision against the frozen one;
- there is exactly one approval signature, it validates against the configured
  trusted roots and its certificate passes the signer-certificate checks.
The imported file is stored as is (never re-written), at the level it carries.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY, ModificationLevel, SuspiciousModification

from services.auth import audit
from services.auth.users import CurrentUser
from services.calendar.names import BULAN
from services.errors import BadInputError
from services.signing.pades import SigningError
from services.signing.service import SignResult, _load_draft, check_signed_result, store_signed
from services.store.db import Database

MAX_IMPORT = 64 << 20
ALLOWED = (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES, ModificationLevel.FORM_FILLING)


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


def check_only_signature_updates(frozen: bytes, signed: bytes) -> None:
    base = PdfFileReader(io.BytesIO(frozen), strict=False).xrefs.total_revisions - 1
    reader = PdfFileReader(io.BytesIO(signed), strict=False)
    if reader.xrefs.total_revisions <= base + 1:
        raise SigningError("Berkas yang diimpor tidak berisi revisi tanda tangan.")
    result = DEFAULT_DIFF_POLICY.review_file(reader, base)
    if isinstance(result, SuspiciousModification):
        raise SigningError(f"Berkas yang diimpor mengubah isi laporan setelah dibekukan ({result}); hanya "
                           "penambahan tanda tangan yang diterima.")
    if result.modification_level not in ALLOWED:
        raise SigningError("Berkas yang diimpor memuat perubahan selain tanda tangan (tingkat perubahan "
                           f"{result.modification_level.name}); laporan yang dibekukan harus tetap utuh.")


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
    check_only_signature_updates(d.pdf, data)
    level, subject, cert_pem = check_signed_result(db, d.pdf, data)
    target, sha = store_signed(db, report_id, user, d.pdf_path, data, subject, cert_pem, level, "elsewhere", None)
    with db.transaction() as s:
        audit.record(s, user.username, "report.import_signed", "report", report_id, {"file": path.name, "sha256": sha})
    return SignResult(report_id, target, sha, subject, False,
                      f"PDF bertanda tangan diterima ({subject}); tingkat PAdES {level or 'bukan PAdES'}.",
                      level, "elsewhere")
