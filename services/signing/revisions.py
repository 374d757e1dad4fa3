"""What changed in a signed PDF after the signed revision, judged by us rather than by a diff policy.

B-LT and B-LTA add incremental updates after the signature: the Document Security Store (DSS,
with its VRI, certificates, CRLs and OCSP responses) and document timestamps (a /DocTimeStamp
signature dictionary, its field and widget, the AcroForm and page /Annots that list it). Those are
the only later changes a signed report may carry. pyHanko's standard diff policy also rates an
updated /Info dictionary or XMP metadata stream as "LTA updates"; pdfsig rightly says such a file
is "not total document signed", so ``later_changes`` names every other change and verify fails it.
"""

from __future__ import annotations

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import HistoricalResolver, PdfFileReader

_VALIDATION_TYPES = {"/DSS", "/VRI", "/DocTimeStamp"}
_DSS_KEYS = {"/VRI", "/Certs", "/OCSPs", "/CRLs", "/Cert", "/OCSP", "/CRL", "/TU", "/TS"}
# an incremental writer (pyHanko's too, when it adds the DSS) stamps these in /Info; they carry no report content
_WRITER_STAMPS = {"/ModDate", "/Producer"}
_ALLOWED_KEYS = {  # object kind -> keys whose value may change after signing
    "catalog": {"/DSS", "/AcroForm"},
    "acroform": {"/Fields", "/SigFlags", "/DR"},
    "page": {"/Annots"},
}


def signed_revision(reader: PdfFileReader, byte_range_end: int) -> int:
    """The revision the signature covers: the last one whose xref starts inside the signed bytes."""
    revs = [r for r in range(reader.xrefs.total_revisions)
            if reader.xrefs.get_startxref_for_revision(r) < byte_range_end]
    return max(revs) if revs else 0


def _get(resolver: HistoricalResolver, ref: generic.Reference) -> generic.PdfObject | None:
    try:
        obj = resolver.get_object(ref)
    except Exception:  # noqa: BLE001 - not present in that revision
        return None
    return None if isinstance(obj, generic.NullObject) else obj


def _kind(obj: generic.PdfObject) -> str:
    if not isinstance(obj, generic.DictionaryObject):
        return "array" if isinstance(obj, generic.ArrayObject) else "other"
    typ = str(obj.get("/Type", "")) if "/Type" in obj else ""
    if typ in _VALIDATION_TYPES or (set(obj.keys()) and set(obj.keys()) <= _DSS_KEYS | {"/Type"}):
        return "validation"
    if typ == "/Catalog":
        return "catalog"
    if typ == "/Page":
        return "page"
    if "/Fields" in obj:
        return "acroform"
    if str(obj.get("/FT", "")) == "/Sig" and "/Subtype" in obj and str(obj["/Subtype"]) == "/Widget":
        return "sig_widget"
    if isinstance(obj, generic.StreamObject):
        return "metadata" if typ == "/Metadata" else "stream"
    return "other"


def _deref(obj: generic.PdfObject) -> generic.PdfObject:
    return obj.get_object() if isinstance(obj, generic.IndirectObject) else obj


def _is_signature_field(obj: generic.DictionaryObject) -> bool:
    if str(obj.get("/FT", "")) == "/Sig":
        return True
    parent = _deref(obj["/Parent"]) if "/Parent" in obj else None
    return isinstance(parent, generic.DictionaryObject) and str(parent.get("/FT", "")) == "/Sig"


def _appended_only(old: generic.PdfObject, new: generic.PdfObject) -> str | None:
    """None when ``new`` is ``old`` plus validation items (DSS streams, signature fields/widgets)."""
    old, new = _deref(old), _deref(new)
    if not isinstance(old, generic.ArrayObject) or not isinstance(new, generic.ArrayObject):
        return "bukan daftar"
    if len(new) < len(old) or any(old.raw_get(i) != new.raw_get(i) for i in range(len(old))):
        return "isi lama diubah"
    for i in range(len(old), len(new)):
        obj = _deref(new.raw_get(i))
        if isinstance(obj, generic.StreamObject):
            continue  # a certificate, CRL or OCSP response of the DSS
        if isinstance(obj, generic.DictionaryObject) and _is_signature_field(obj):
            continue  # the field / widget of a document timestamp
        return "ditambah anotasi/isian yang bukan tanda tangan"
    return None


def _changed_keys(old: generic.DictionaryObject, new: generic.DictionaryObject) -> set[str]:
    keys = set(old.keys()) | set(new.keys())
    return {str(k) for k in keys if k not in old or k not in new or old.raw_get(k) != new.raw_get(k)}


def _judge(ref: generic.Reference, old: generic.PdfObject | None, new: generic.PdfObject | None) -> str | None:
    """None when this object's change belongs to validation data / a document timestamp, else a description."""
    label = f"objek {ref.idnum} {ref.generation}"
    if new is None:
        return f"{label} dihapus"
    kind = _kind(new)
    if old is None:  # a new object only matters through what refers to it (judged below)
        return "metadata XMP baru" if kind == "metadata" else None
    if kind in ("validation", "sig_widget"):
        return None
    if kind == "array":
        why = _appended_only(old, new)
        return None if why is None else f"daftar {label}: {why}"
    if kind in _ALLOWED_KEYS and isinstance(old, generic.DictionaryObject) and isinstance(new, generic.DictionaryObject):
        what = {"catalog": "katalog dokumen", "acroform": "formulir (AcroForm)", "page": "halaman"}[kind]
        changed = _changed_keys(old, new)
        extra = changed - _ALLOWED_KEYS[kind]
        if extra:
            return f"{what} ({label}) diubah: {', '.join(sorted(extra))}"
        for key in ("/Annots", "/Fields") if kind != "catalog" else ():
            if key in changed and key in old and key in new and not isinstance(new.raw_get(key),
                                                                                 generic.IndirectObject):
                why = _appended_only(old.raw_get(key), new.raw_get(key))
                if why:
                    return f"{what} ({label}) {key}: {why}"
            elif key in changed and key not in old and key in new:
                why = _appended_only(generic.ArrayObject(), new.raw_get(key))
                if why:
                    return f"{what} ({label}) {key}: {why}"
        return None
    if kind == "metadata":
        return f"metadata XMP ({label}) diubah"
    return f"{label} ({kind}) diubah"


def later_changes(reader: PdfFileReader, byte_range_end: int) -> list[str]:
    """Descriptions of every change after the signed revision that is not validation data or a doc timestamp."""
    total = reader.xrefs.total_revisions
    signed = signed_revision(reader, byte_range_end)
    problems: list[str] = []
    for rev in range(signed + 1, total):
        before, after = reader.get_historical_resolver(rev - 1), reader.get_historical_resolver(rev)
        info_refs, changed = _info_change(before, after)
        if changed:
            problems.append(f"revisi {rev + 1}: informasi dokumen (/Info) diubah: {', '.join(sorted(changed))}")
        validation = False
        for ref in sorted(reader.xrefs.explicit_refs_in_revision(rev), key=lambda r: (r.idnum, r.generation)):
            if ref in info_refs:
                continue  # judged as a whole above
            new = _get(after, ref)
            validation = validation or (new is not None and _kind(new) == "validation")
            why = _judge(ref, _get(before, ref), new)
            if why:
                problems.append(f"revisi {rev + 1}: {why}")
        if not validation:  # B-LT/B-LTA revisions always write the DSS or a /DocTimeStamp
            problems.append(f"revisi {rev + 1}: bukan data validasi (DSS) maupun stempel waktu dokumen")
    return problems


def _info_change(before: HistoricalResolver, after: HistoricalResolver) -> tuple[set[object], set[str]]:
    """(references of the /Info dictionaries, keys changed beyond what every PDF writer stamps)."""
    refs: set[object] = set()
    dicts = []
    for res in (before, after):
        raw = res.trailer_view.raw_get("/Info") if "/Info" in res.trailer_view else None
        value: generic.PdfObject | None = raw
        if isinstance(raw, generic.IndirectObject):
            refs.add(raw.reference)
            value = _get(res, raw.reference)  # as it was in that revision
        dicts.append(value if isinstance(value, generic.DictionaryObject) else generic.DictionaryObject())
    return refs, _changed_keys(dicts[0], dicts[1]) - _WRITER_STAMPS
