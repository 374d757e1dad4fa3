"""Demo and synthetic data: the demo OPD, generated punches, drawn photos, test certificates.

Production code never imports this package (a test enforces it); only the `demo` command, the
emulators' demo helpers, tests and benches do.
"""
