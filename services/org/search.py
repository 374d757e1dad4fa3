"""Find an employee by name or NIP from anywhere (the Ctrl+K finder).

A query of digits is a NIP prefix: it is asked as a range on the unique index of ``employee.nip``
(``nip >= '1985' AND nip < '1986'``), which SQLite and PostgreSQL answer from the index; a plain
``LIKE '1985%'`` would scan the table on SQLite, whose case-insensitive LIKE cannot use a BINARY
index. Digits that do not start a NIP (a serial, a birth date in the middle) are looked for inside the
NIP when the prefix finds too few. Words match the start of any word of the name, each word must
match, and names that start with the query come first (a few hundred employees per OPD: the name
match is a scan, which is instant at that size).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, and_, case, or_, select
from sqlalchemy.orm import Session

from services.store.models import Employee, WorkUnit

MAX_HITS = 20


@dataclass(frozen=True)
class EmployeeHit:
    id: int
    nip: str
    name: str
    unit: str
    jabatan: str


def _base(opd_id: int) -> Select:
    return (select(Employee.id, Employee.nip, Employee.name, WorkUnit.name, Employee.jabatan)
            .outerjoin(WorkUnit, WorkUnit.id == Employee.unit_id)
            .where(Employee.opd_id == opd_id))


def nip_prefix_query(opd_id: int, digits: str, limit: int = MAX_HITS) -> Select:
    """Employees whose NIP starts with ``digits``, as an index range (see the module docstring)."""
    upper = digits[:-1] + chr(ord(digits[-1]) + 1)  # '1985' -> '1986'; '1989' -> '198:' (sorts after '1989…')
    return _base(opd_id).where(Employee.nip >= digits, Employee.nip < upper).order_by(Employee.nip).limit(limit)


def _hits(session: Session, stmt: Select) -> list[EmployeeHit]:
    return [EmployeeHit(i, nip, name, unit or "-", jabatan or "") for i, nip, name, unit, jabatan in session.execute(stmt)]


def find_employees(session: Session, opd_id: int, text: str, limit: int = MAX_HITS) -> list[EmployeeHit]:
    query = " ".join(text.split())
    if not query:
        return []
    digits = query.replace(" ", "").replace(".", "")
    if digits.isdigit():
        hits = _hits(session, nip_prefix_query(opd_id, digits, limit))
        if len(hits) < limit:
            seen = {h.id for h in hits}
            inside = _base(opd_id).where(Employee.nip.contains(digits, autoescape=True)).order_by(Employee.nip)
            hits += [h for h in _hits(session, inside.limit(limit)) if h.id not in seen][: limit - len(hits)]
        return hits
    words = query.lower().split()
    conditions = [or_(Employee.name.ilike(f"{w}%", escape="\\"), Employee.name.ilike(f"% {w}%", escape="\\"))
                  for w in (_escape_like(w) for w in words)]
    starts = case((Employee.name.ilike(f"{_escape_like(query)}%", escape="\\"), 0), else_=1)
    stmt = _base(opd_id).where(and_(*conditions)).order_by(starts, Employee.name).limit(limit)
    return _hits(session, stmt)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
