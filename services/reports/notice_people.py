"""Who examines a disciplinary case: the employee's atasan langsung from the supervisor chain.

PP 94/2021 puts the examination of a suspected violation on the atasan langsung (the chain in
``employee.supervisor_id``); a higher atasan of the same chain may take it over. The examiner
may not hold a lower rank (golongan) or a lower jabatan level (kelas jabatan) than the employee
examined. There is no fallback: an employee without an atasan langsung gets a refusal that says
where to set one (layar Pegawai -> Atasan langsung), never "some other employee".

Ranks are compared on one scale of 17 steps: PNS I/a..IV/e and PPPK golongan I..XVII (Perpres
98/2020). The two scales meet at the same entry points (SMA: II/a and V, D-III: II/c and VII,
S-1: III/a and IX, S-2: III/b and X), so step n of one is read as step n of the other.
"""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from services.errors import BadInputError
from services.store.models import Employee

WHERE_TO_SET = "isi di layar Pegawai → Atasan langsung"
_ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV", "XV", "XVI", "XVII"]
_PNS = re.compile(r"\b(IV|III|II|I)\s*[/\-.]?\s*([a-e])\b", re.IGNORECASE)
_PNS_RUANG = {"I": "abcd", "II": "abcd", "III": "abcd", "IV": "abcde"}
_PPPK = re.compile(r"^(?:gol(?:ongan)?\.?\s*)?([IVX]+)$", re.IGNORECASE)


class NoticeError(BadInputError):
    pass


def rank_step(golongan: str, kind: str = "PNS") -> int | None:
    """1..17 for a PNS golongan/ruang ('III/c', 'Penata (III/c)') or a PPPK golongan ('IX'); None if unknown."""
    text = (golongan or "").strip()
    m = _PNS.search(text)
    if m:
        gol, ruang = m.group(1).upper(), m.group(2).lower()
        if ruang in _PNS_RUANG[gol]:
            base = {"I": 0, "II": 4, "III": 8, "IV": 12}[gol]
            return base + _PNS_RUANG[gol].index(ruang) + 1
        return None
    m = _PPPK.match(text)
    if m and kind == "PPPK" and m.group(1).upper() in _ROMAN:
        return _ROMAN.index(m.group(1).upper()) + 1
    return None


def supervisor_chain(session: Session, emp: Employee, limit: int = 20) -> list[Employee]:
    """Atasan langsung first, then each next atasan (stops at a loop or after ``limit`` steps)."""
    chain: list[Employee] = []
    seen = {emp.id}
    current = emp
    while current.supervisor_id and current.supervisor_id not in seen and len(chain) < limit:
        boss = session.get(Employee, current.supervisor_id)
        if boss is None:
            break
        chain.append(boss)
        seen.add(boss.id)
        current = boss
    return chain


def _describe(e: Employee) -> str:
    return f"{e.name} ({e.jabatan or 'jabatan belum diisi'}, gol. {e.golongan or '-'})"


def rank_problem(examiner: Employee, emp: Employee) -> str:
    """Why ``examiner`` may not examine ``emp`` ('' when the ranks allow it or cannot be compared)."""
    ex, em = rank_step(examiner.golongan, examiner.kind), rank_step(emp.golongan, emp.kind)
    if ex is not None and em is not None and ex < em:
        return (f"pemeriksa {examiner.name} bergolongan {examiner.golongan}, lebih rendah dari golongan "
                f"{emp.golongan} pegawai yang diperiksa")
    if examiner.kelas_jabatan and emp.kelas_jabatan and examiner.kelas_jabatan < emp.kelas_jabatan:
        return (f"pemeriksa {examiner.name} berkelas jabatan {examiner.kelas_jabatan}, lebih rendah dari kelas "
                f"jabatan {emp.kelas_jabatan} pegawai yang diperiksa")
    return ""


def resolve_examiner(session: Session, emp: Employee, examiner_id: int | None = None) -> Employee:
    """The examiner of ``emp``: ``examiner_id`` if it is in the supervisor chain, else the atasan langsung.

    Raises NoticeError when no atasan langsung is set, when ``examiner_id`` is outside the chain or
    when the examiner ranks lower than the employee (naming the next atasan that would do).
    """
    chain = supervisor_chain(session, emp)
    if not chain:
        raise NoticeError(f"{emp.name} (NIP {emp.nip}) tidak memiliki atasan langsung di data pegawai; "
                          f"{WHERE_TO_SET}, lalu buat surat lagi.")
    examiner = chain[0]
    if examiner_id is not None and examiner_id != examiner.id:
        chosen = next((e for e in chain if e.id == examiner_id), None)
        if chosen is None:
            other = session.get(Employee, examiner_id)
            who = other.name if other else f"pegawai id {examiner_id}"
            raise NoticeError(f"{who} bukan atasan langsung atau atasan berjenjang dari {emp.name}; pemeriksa adalah "
                              f"{_describe(examiner)} (ubah di layar Pegawai → Atasan langsung).")
        examiner = chosen
    problem = rank_problem(examiner, emp)
    if problem:
        higher = next((e for e in chain[chain.index(examiner) + 1:] if not rank_problem(e, emp)), None)
        hint = (f"pilih atasan berikutnya {_describe(higher)} sebagai pemeriksa" if higher is not None
                else f"tidak ada atasan lebih tinggi di data; {WHERE_TO_SET}")
        raise NoticeError(f"Surat untuk {emp.name} ditolak: {problem}; {hint}.")
    return examiner
