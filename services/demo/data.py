"""Realistic, deterministic attendance behaviour for the demo OPD.

Each employee gets a habit profile (punctual / often late / leaves early /
irregular); every working day yields a check-in and check-out, sometimes late,
sometimes missing, sometimes absent, and a few letters (cuti, dinas luar, sakit).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

PROFILES = (("tepat", 0.62), ("terlambat", 0.2), ("pulang_cepat", 0.1), ("tidak_teratur", 0.08))


@dataclass
class DemoLetter:
    kind: str  # letter kind code: CT / DL / S / I
    employee_pin: str
    date_from: dt.date
    date_to: dt.date


@dataclass
class DemoAttendance:
    device_punches: list[tuple[str, dt.datetime, int]] = field(default_factory=list)  # pin, ts, state
    letters: list[DemoLetter] = field(default_factory=list)


def months_back(today: dt.date, n: int) -> list[tuple[int, int]]:
    out = []
    y, m = today.year, today.month
    for _ in range(n):
        out.append((y, m))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return list(reversed(out))


def working_days(year: int, month: int, until: dt.date, holidays: set[dt.date]) -> list[dt.date]:
    d = dt.date(year, month, 1)
    out = []
    while d.month == month and d <= until:
        if d.weekday() < 5 and d not in holidays:
            out.append(d)
        d += dt.timedelta(days=1)
    return out


def _at(rnd: random.Random, day: dt.date, minutes: float) -> dt.datetime:
    return dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=round(minutes), seconds=rnd.randint(0, 59))


def generate(
    pins: list[str],
    months: list[tuple[int, int]],
    today: dt.date,
    holidays: set[dt.date],
    seed: int = 7,
) -> DemoAttendance:
    rnd = random.Random(seed)
    out = DemoAttendance()
    profile = {p: rnd.choices([n for n, _ in PROFILES], [w for _, w in PROFILES])[0] for p in pins}
    days = [d for (y, m) in months for d in working_days(y, m, today, holidays)]
    # letters first, so those days carry no punches
    busy: dict[str, set[dt.date]] = {p: set() for p in pins}
    for p in pins:
        if rnd.random() < 0.12 and len(days) > 10:
            start = rnd.choice(days[:-5])
            span = [d for d in days if start <= d][: rnd.randint(2, 4)]
            kind = rnd.choices(["CT", "DL", "S", "I"], [0.45, 0.35, 0.12, 0.08])[0]
            out.letters.append(DemoLetter(kind, p, span[0], span[-1]))
            busy[p].update(span)
    for day in days:
        friday = day.weekday() == 4
        end = 16 * 60 + (30 if friday else 0)
        for p in pins:
            if day in busy[p]:
                continue
            prof = profile[p]
            absent = {"tepat": 0.01, "terlambat": 0.02, "pulang_cepat": 0.02, "tidak_teratur": 0.07}[prof]
            if rnd.random() < absent:
                continue
            if prof == "terlambat" and rnd.random() < 0.45:
                arrive = 7 * 60 + 30 + rnd.expovariate(1 / 25)
            elif prof == "tidak_teratur" and rnd.random() < 0.3:
                arrive = 7 * 60 + 30 + rnd.uniform(1, 120)
            else:
                arrive = rnd.gauss(7 * 60 + 12, 8)
                arrive = min(arrive, 7 * 60 + 29)
            if prof == "pulang_cepat" and rnd.random() < 0.35:
                leave = end - rnd.uniform(5, 100)
            else:
                leave = end + abs(rnd.gauss(12, 10))
            if rnd.random() > 0.015:
                out.device_punches.append((p, _at(rnd, day, arrive), 0))
            if rnd.random() > 0.02 and (day < today or leave < 12 * 60):
                out.device_punches.append((p, _at(rnd, day, leave), 1))
    return out


def roster_punches(
    shifts: list[tuple[str, dt.date, dt.time, dt.time]], today: dt.date, seed: int = 13
) -> list[tuple[str, dt.datetime, int]]:
    """Punches for shift workers: (pin, shift date, start, end); a shift ending before it starts ends next day."""
    rnd = random.Random(seed)
    now = dt.datetime.combine(today, dt.time(12, 0))
    out: list[tuple[str, dt.datetime, int]] = []
    for pin, day, start, end in shifts:
        begin = dt.datetime.combine(day, start)
        finish = dt.datetime.combine(day + dt.timedelta(days=1) if end <= start else day, end)
        if begin > now or rnd.random() < 0.02:
            continue
        late = rnd.expovariate(1 / 20) if rnd.random() < 0.12 else -abs(rnd.gauss(12, 6))
        out.append((pin, begin + dt.timedelta(minutes=round(late), seconds=rnd.randint(0, 59)), 0))
        if finish <= now and rnd.random() > 0.02:
            out.append((pin, finish + dt.timedelta(minutes=round(abs(rnd.gauss(8, 6))), seconds=rnd.randint(0, 59)), 1))
    return out
