"""presensi-opd domain services (pure Python, no Qt).

Layers: a package imports only packages on the rows below it, never sideways or up
(tests/test_layers.py fails on any import cycle between packages, lazy imports included):

    CLI layer   cli.py, cli_support.py, every <package>/commands.py and what COMMAND_MODULES lists
    demo        demo and synthetic data: the CLI registry, tests and benches use it, production never
    mobile, devices, central
    selfie, org, signing
    reconcile   daily status engine, corrections, period lock; the one owner of "recompute after an edit"
    reports, letters
    policy      regional policy model, TPP, PP 94 discipline
    calendar    schedules, rosters, holidays
    auth, derived   (derived: the port through which calendar and letter edits reach reconcile)
    store
    clock, jobs, paths, secrets, errors, changes
"""

__version__ = "0.1.0"
