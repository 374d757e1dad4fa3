"""Frozen-app entry: `PresensiOPD` (GUI) and `presensi-opd` (console CLI) share this script."""

import multiprocessing
import sys

from desktop.entry import gui_main, main

if __name__ == "__main__":
    multiprocessing.freeze_support()
    windowed = not sys.argv[0].lower().replace(".exe", "").endswith("presensi-opd")
    sys.exit(gui_main() if windowed else main())
