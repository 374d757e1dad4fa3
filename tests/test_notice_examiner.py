"""Notices: the examiner comes from the supervisor chain (no fallback), ranks are checked, and every
sanction in a notice is a proposal to the PPK naming its PP 94/2021 article (PDF via pdftotext, DOCX via
python-docx)."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest
from docx import Document

from services.auth.users import CurrentUser
from services.demo.notices import create_demo_notices
from services.policy.model import load_policy
from services.policy.sanctions import DEFAULT_SEDANG_SUBSTITUTES, sedang_substitute
from services.reports.notice_people import rank_step, resolve_examiner, supervisor_chain
from services.reports.notices import NoticeError, NoticeRequest, create_notice_in
from services.store.models import DayRecord, Employee

D = dt.date
OPERATOR = CurrentUser(id=2, username="operator", full_name="Operator Umpeg", roles=frozenset({"operator"}))


def _flat_pdf(pdf: Path) -> str:
    out = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    return " ".join(out.split())


def _flat_docx(path: Path) -> str:
    doc = Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    parts += [c.text for t in doc.tables for r in t.rows for c in r.cells]
    return " ".join(" ".join(parts).split())


def _scattered_tk(db, emp_id: int, n: int) -> None:  # type: ignore[no-untyped-def]
    """n TK working days every other day from Mon 5 Jan 2026 with a present day between (no run >= 2)."""
    with db.transaction() as s:
        for i in range(n):
            tk = D(2026, 1, 5) + dt.timedelta(days=2 * i)
            s.add(DayRecord(employee_id=emp_id, date=tk, status="TK", working_day=True))
            s.add(DayRecord(employee_id=emp_id, date=tk + dt.timedelta(days=1), status="H", working_day=True))


def _sp1(emp_id: int, **kw) -> NoticeRequest:  # type: ignore[no-untyped-def]
    base = dict(kind="SP1", employee_id=emp_id, letter_date=D(2026, 3, 9), exam_date=D(2026, 3, 12),
                exam_time="09.00 WIB", place="Ruang Rapat Sekretariat")
    base.update(kw)
    return NoticeRequest(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize("text,kind,step", [
    ("I/a", "PNS", 1), ("I/d", "PNS", 4), ("II/a", "PNS", 5), ("III/a", "PNS", 9), ("III/d", "PNS", 12),
    ("IV/a", "PNS", 13), ("IV/e", "PNS", 17), ("Penata (III/c)", "PNS", 11), ("iv - b", "PNS", 14),
    ("IX", "PPPK", 9), ("Gol. XVII", "PPPK", 17), ("V", "PPPK", 5),
    ("III/e", "PNS", None), ("IV", "PNS", None), ("XVIII", "PPPK", None), ("", "PNS", None),
])
def test_rank_steps_on_one_scale(text: str, kind: str, step: int | None) -> None:
    assert rank_step(text, kind) == step


def test_demo_chain_reaches_the_kepala_through_kasi_and_kabid(db, org) -> None:
    ids = org.employee_ids
    with db.session() as s:
        staff = s.get(Employee, ids[10])  # Bidang Aplikasi Informatika staff
        chain = supervisor_chain(s, staff)
        assert [e.id for e in chain] == [ids[7], ids[1], ids[0]]
        assert chain[0].jabatan.startswith("Kepala Seksi") and chain[1].jabatan.startswith("Kepala Bidang")
        sekre = supervisor_chain(s, s.get(Employee, ids[9]))
        assert [e.jabatan for e in sekre] == ["Kepala Subbagian Umum dan Kepegawaian", "Sekretaris",
                                              "Kepala Dinas Komunikasi dan Informatika"]
        for i in ids[1:]:  # everyone but the Kepala has an examiner who may examine them
            emp = s.get(Employee, i)
            assert resolve_examiner(s, emp).id == emp.supervisor_id


def test_missing_atasan_is_refused_with_where_to_set_it(db, org) -> None:
    emp_id = org.employee_ids[10]
    with db.transaction() as s:
        s.get(Employee, emp_id).supervisor_id = None
    with pytest.raises(NoticeError, match=r"tidak memiliki atasan langsung.*layar Pegawai → Atasan langsung"):
        create_notice_in(db, OPERATOR, _sp1(emp_id))
    with pytest.raises(NoticeError, match="tidak memiliki atasan langsung"):  # choosing someone does not help
        create_notice_in(db, OPERATOR, _sp1(emp_id, examiner_id=org.employee_ids[0]))


def test_lower_golongan_examiner_is_refused_and_a_higher_atasan_may_examine(db, org, tmp_path) -> None:
    ids = org.employee_ids
    emp_id = ids[10]
    _scattered_tk(db, emp_id, 4)
    with db.transaction() as s:
        s.get(Employee, emp_id).golongan = "IV/a"  # above the Kepala Seksi (III/d), equal to the Kabid (IV/a)
        kabid = s.get(Employee, ids[1])
        kabid_name = kabid.name
    with pytest.raises(NoticeError, match=rf"golongan III/d, lebih rendah dari golongan IV/a.*{kabid_name}"):
        create_notice_in(db, OPERATOR, _sp1(emp_id))
    res = create_notice_in(db, OPERATOR, _sp1(emp_id, examiner_id=ids[1]))  # equal rank is allowed
    assert kabid_name in _flat_pdf(res.pdf_path)
    with pytest.raises(NoticeError, match="bukan atasan langsung atau atasan berjenjang"):
        create_notice_in(db, OPERATOR, _sp1(emp_id, examiner_id=ids[2]))  # the other Kabid: not in the chain


def test_lower_kelas_jabatan_and_pppk_golongan_are_compared(db, org) -> None:
    ids = org.employee_ids
    with db.transaction() as s:
        emp = s.get(Employee, ids[10])
        emp.golongan, emp.kelas_jabatan = "III/a", 10  # Kepala Seksi: III/d, kelas 9
        pppk = s.get(Employee, ids[4])
        pppk.golongan = "XIII"  # PPPK XIII = step 13 (IV/a) above the Kepala Seksi's III/d (12)
    with db.session() as s:
        with pytest.raises(NoticeError, match="kelas jabatan 9, lebih rendah dari kelas jabatan 10"):
            resolve_examiner(s, s.get(Employee, ids[10]))
        with pytest.raises(NoticeError, match="golongan III/d, lebih rendah dari golongan XIII"):
            resolve_examiner(s, s.get(Employee, ids[4]))
    with db.transaction() as s:
        s.get(Employee, ids[4]).golongan = "XII"  # step 12 = III/d: equal, allowed
    with db.session() as s:
        assert resolve_examiner(s, s.get(Employee, ids[4])).id == ids[7]


def test_supervisor_loop_does_not_hang(db, org) -> None:
    ids = org.employee_ids
    with db.transaction() as s:
        s.get(Employee, ids[7]).supervisor_id = ids[10]  # kasi <-> staff loop in the data
    with db.session() as s:
        assert [e.id for e in supervisor_chain(s, s.get(Employee, ids[10]))] == [ids[7]]


@pytest.mark.parametrize("days,level,sanction,article", [
    (4, "ringan", "teguran tertulis", "Pasal 8 ayat (2) huruf b PP 94/2021"),
    (12, "sedang", "penundaan kenaikan gaji berkala selama 1 tahun",
     "Pasal 42 PP 94/2021 jo. Pasal 62 Peraturan BKN 6/2022 (pengganti Pasal 8 ayat (3) huruf a PP 94/2021)"),
    (16, "sedang", "penundaan kenaikan pangkat selama 1 tahun", "(pengganti Pasal 8 ayat (3) huruf b PP 94/2021)"),
    (17, "sedang", "penurunan pangkat setingkat lebih rendah selama 1 tahun",
     "(pengganti Pasal 8 ayat (3) huruf c PP 94/2021)"),
    (21, "berat", "penurunan jabatan setingkat lebih rendah selama 12 bulan", "Pasal 8 ayat (4) huruf a PP 94/2021"),
])
def test_summons_words_the_sanction_as_a_proposal_to_the_ppk_with_its_article(db, org, days, level, sanction,
                                                                               article) -> None:
    emp_id = org.employee_ids[10]  # PNS
    _scattered_tk(db, emp_id, days)
    res = create_notice_in(db, OPERATOR, _sp1(emp_id))
    expected = (f"Saudara diusulkan kepada PPK (pejabat pembina kepegawaian) untuk dijatuhi hukuman disiplin tingkat "
                f"{level} berupa {sanction} sebagaimana dimaksud dalam")
    for flat in (_flat_pdf(res.pdf_path), _flat_docx(res.docx_path)):
        assert expected in flat and article in flat
        assert "bukan oleh surat ini" in flat
        assert "menjatuhkan hukuman" not in flat


def test_bap_proposal_and_pppk_berat_contract_article(db, org) -> None:
    emp_id = org.employee_ids[4]  # PPPK
    _scattered_tk(db, emp_id, 25)
    res = create_notice_in(db, OPERATOR, _sp1(emp_id, kind="BAP"))
    for flat in (_flat_pdf(res.pdf_path), _flat_docx(res.docx_path)):
        assert ("Berdasarkan hasil pemeriksaan ini, yang diperiksa diusulkan kepada PPK (pejabat pembina kepegawaian) "
                "untuk dijatuhi hukuman disiplin tingkat berat berupa pemutusan hubungan perjanjian kerja") in flat
        assert "Pasal 53 ayat (2) huruf b PP 49/2018" in flat


def test_reprimand_names_its_article(db, org) -> None:
    emp_id = org.employee_ids[10]
    _scattered_tk(db, emp_id, 5)
    res = create_notice_in(db, OPERATOR, NoticeRequest(kind="TEGURAN_TERTULIS", employee_id=emp_id,
                                                       letter_date=D(2026, 3, 9)))
    assert "teguran tertulis (Pasal 8 ayat (2) huruf b PP 94/2021)" in _flat_pdf(res.pdf_path)


def test_sedang_substitute_accessor_default_order() -> None:
    policy = load_policy("default")
    assert [sedang_substitute(policy, d).sanction for d in (11, 14, 17)] == list(DEFAULT_SEDANG_SUBSTITUTES.values())


def test_demo_notices_use_the_chain_and_skip_the_kepala(db, org) -> None:
    ids = org.employee_ids
    _scattered_tk(db, ids[0], 12)  # the Kepala is furthest along but has no atasan in the data
    _scattered_tk(db, ids[1], 5)
    out = create_demo_notices(db, OPERATOR, org.opd_id, D(2026, 3, 9), limit=1)
    assert len(out) == 1
    with db.session() as s:
        kepala = s.get(Employee, ids[0])
        flat = _flat_pdf(out[0].pdf_path)
        assert s.get(Employee, ids[1]).name in flat and kepala.name in flat  # Kabid summoned before the Kepala


def test_cli_examiner_from_the_chain_and_refusal_without_atasan(db, org, tmp_path, capsys) -> None:
    from services.cli import main as cli_main
    from tests.cli_login import login_args

    ids = org.employee_ids
    _scattered_tk(db, ids[10], 4)
    with db.transaction() as s:
        s.get(Employee, ids[10]).golongan = "IV/a"  # above the Kepala Seksi: the Kabid examines
        nip, kabid_nip, other_nip = (s.get(Employee, i).nip for i in (ids[10], ids[1], ids[2]))
        kepala_nip = s.get(Employee, ids[0]).nip
    base = ["--db", db.location, "notices", "create", "--kind", "SP1", "--date", "2026-03-09",
            "--exam-date", "2026-03-12", "--place", "Ruang Rapat", *login_args("operator", tmp_path)]
    assert cli_main([*base, "--nip", nip]) == 1
    assert "lebih rendah dari golongan IV/a" in capsys.readouterr().err
    assert cli_main([*base, "--nip", nip, "--examiner-nip", other_nip]) == 1
    assert "bukan atasan langsung" in capsys.readouterr().err
    assert cli_main([*base, "--nip", nip, "--examiner-nip", kabid_nip]) == 0
    assert "SP-I" in capsys.readouterr().out
    assert cli_main([*base, "--nip", kepala_nip]) == 1
    assert "layar Pegawai → Atasan langsung" in capsys.readouterr().err
