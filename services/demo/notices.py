"""Demo/end-to-end helper: disciplinary notices for the employees furthest along the PP 94 ladder."""

from __future__ import annotations

import datetime as dt

from services.auth.users import CurrentUser
from services.policy.discipline import discipline_summary
from services.policy.model import load_policy
from services.reports.notices import (
    NoticeError,
    NoticeRequest,
    NoticeResult,
    create_notice_in,
    default_examination_date,
    resolve_examiner,
)
from services.store.models import Employee, Opd


def create_demo_notices(db, user: CurrentUser, opd_id: int, letter_date: dt.date, limit: int = 1,  # type: ignore[no-untyped-def]
                        place: str = "Ruang Rapat Sekretariat") -> list[NoticeResult]:
    """Demo/end-to-end helper: a Surat Panggilan I for the employees furthest along the PP 94 ladder.

    Picks employees whose next step is SP-I (most days first) as of ``letter_date`` and whose atasan
    langsung may examine them (services/reports/notice_people.py); the
    examination is set 3 working days after the letter (within the 7-working-day limit).
    """
    with db.session() as s:
        opd = s.get(Opd, opd_id)
        if opd is None:
            raise NoticeError(f"OPD id {opd_id} tidak ditemukan")
        rows = discipline_summary(s, opd_id, letter_date.year, load_policy(opd.policy_preset), as_of=letter_date)
        exam = default_examination_date(s, letter_date)
        examinable = set()
        for r in rows:  # the kepala OPD has no atasan in the OPD's data: the demo leaves such cases out
            emp = s.get(Employee, r.employee_id)
            try:
                if emp is not None:
                    resolve_examiner(s, emp)
                    examinable.add(r.employee_id)
            except NoticeError:
                continue
    todo = sorted((r for r in rows if r.next_kind == "SP1" and r.employee_id in examinable),
                  key=lambda r: (-r.total_days, r.name))[:limit]
    return [create_notice_in(db, user, NoticeRequest(kind="SP1", employee_id=r.employee_id, letter_date=letter_date,
                                                     exam_date=exam, place=place)) for r in todo]
