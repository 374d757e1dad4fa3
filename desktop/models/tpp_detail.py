"""The arithmetic of one employee's TPP deduction, shown under the TPP table (rich text, no Qt objects)."""

from __future__ import annotations

from html import escape

from services.policy.recap import ADJUSTMENTS, MonthRecapRow, base_text, pct_text, signed_rupiah


def deduction_detail_html(row: MonthRecapRow) -> str:
    """Base, one line per rule (count × percent × base = rupiah), total and net: checkable with a calculator."""
    head = (f"<b>{escape(row.name)}</b> (NIP {escape(row.nip)}) — TPP {signed_rupiah(row.tpp_base)}; "
            f"dasar potongan: {escape(base_text(row))}")
    if not row.lines:
        return head + "<br><i>Tidak ada potongan bulan ini.</i>"
    cells = []
    for ln in row.lines:
        if ln.code in ADJUSTMENTS:
            how = escape(ln.label)
        else:
            how = (f"{escape(ln.label)}: {ln.count} × {pct_text(ln.pct)} % = {pct_text(ln.pct_total)} % × "
                   f"{signed_rupiah(row.deduction_base_rp)}")
        cells.append(f"<tr><td>{escape(ln.code)}</td><td>{how}</td><td align='right'>{signed_rupiah(ln.rupiah)}</td></tr>")
    total = (f"<tr><td></td><td><b>Jumlah potongan</b> ({pct_text(row.deduction_pct)} %)</td>"
             f"<td align='right'><b>{signed_rupiah(row.deduction_rp)}</b></td></tr>"
             f"<tr><td></td><td>Diterima = {signed_rupiah(row.tpp_base)} − {signed_rupiah(row.deduction_rp)}</td>"
             f"<td align='right'><b>{signed_rupiah(row.tpp_net)}</b></td></tr>")
    return (f"{head}<table cellspacing='0' cellpadding='2'>{''.join(cells)}{total}</table>"
            f"<small>Tiap baris dibulatkan ke rupiah terdekat; potongan = jumlah baris.</small>")


def deduction_tooltip(row: MonthRecapRow) -> str:
    """Plain-text breakdown for the table's rupiah column."""
    if not row.lines:
        return "Tidak ada potongan"
    lines = [base_text(row)] + [ln.describe() for ln in row.lines] + [f"Jumlah: {signed_rupiah(row.deduction_rp)}"]
    return "\n".join(lines)
