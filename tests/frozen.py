"""The frozen office time of the suite, and test certificates valid around it.

Every test runs at FROZEN_NOW (office-local, WIB) unless it moves its own clock; the suite
must pass on any real date (CI runs it a second time under libfaketime).
"""

from __future__ import annotations

import datetime as dt

from services.clock import FrozenClock, SystemClock
from services.demo.testca import TestCertificates, make_test_certificates

FROZEN_NOW = "2026-11-25 08:00"


def make_certs(**kwargs: object) -> TestCertificates:
    """Test CA + signer valid both at the frozen office time and at the machine's real time.

    Our code checks validity at the office clock; pdfsig and pyHanko's validators look at the
    real (or faked) system time, so the window must cover both whatever the date is.
    """
    frozen = FrozenClock(FROZEN_NOW).utcnow()
    real = SystemClock().utcnow()
    start = min(frozen, real) - dt.timedelta(days=1)
    days = (max(frozen, real) - start).days + 730
    return make_test_certificates(SystemClock(), not_before=start, valid_days=days, **kwargs)  # type: ignore[arg-type]
