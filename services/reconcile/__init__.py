"""Reconciliation: the daily status engine, corrections, period lock, the month grid.

Importing the package installs ``scope.UPKEEP`` as the day-record upkeep of services/derived.py,
through which calendar and letter edits (below this package) refuse locked months and recompute
the days they touch.
"""

from services import derived
from services.reconcile import scope

derived.install(scope.UPKEEP)
