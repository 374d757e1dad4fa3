"""The bounds every import is held to, in one place (stated for users in docs/IMPORT_LIMITS.md).

An import reads a file someone else made (SIMPEG export, mobile bundle, USB flash disk). Whatever
the file claims about itself (an Excel dimension of A1:XFD1048576, a ZIP entry size, a nesting
depth), the reader never trusts it: sizes are checked before reading, counts while reading, and
a file over any bound is refused as a whole with a message naming the file, row and field.
The readers that apply these bounds are in services.tabular.
"""

from __future__ import annotations

MIB = 1024 * 1024

# -- whole files
MAX_TABLE_FILE_BYTES = 30 * MIB  # a SIMPEG CSV/XLSX or a bundle's data file (20,000 employees are ~3 MB)
MAX_USB_FILE_BYTES = 64 * MIB  # a device's attlog.dat: years of punches of a big office fit easily
MAX_BUNDLE_BYTES = 1024 * MIB  # a mobile bundle ZIP on disk (photos included)

# -- ZIP containers (mobile bundles and .xlsx files, which are ZIPs too)
MAX_ZIP_ENTRIES = 20_000
MAX_ZIP_TOTAL_UNCOMPRESSED = 800 * MIB
MAX_ZIP_RATIO = 100  # uncompressed / compressed, for entries bigger than ZIP_RATIO_MIN_SIZE
ZIP_RATIO_MIN_SIZE = 1 * MIB
MAX_XLSX_UNCOMPRESSED = 100 * MIB  # an .xlsx's XML parts together (20,000 employees are ~15 MB)

# -- tables (CSV, XLSX, JSON records)
MAX_SIMPEG_ROWS = 20_000  # employees of one OPD (the largest have a few thousand)
MAX_MOBILE_ROWS = 200_000  # records of one bundle (4 a day for 2,000 people for a month: ~180,000)
MAX_COLUMNS = 200  # no export we know has more than 40
MAX_CELL_CHARS = 4_000  # one cell: a name, a position title, an address; never a document
MAX_NUMBER_DIGITS = 30  # a number in JSON or a numeric field (an 18-digit NIP is the longest we need)
MAX_JSON_DEPTH = 8  # {"records": [{...}]} is 3 deep
MAX_USB_LINE_CHARS = 1_000

# -- text detection
BINARY_SAMPLE_BYTES = 8192
BINARY_CONTROL_SHARE = 0.05  # a text export has (almost) no control bytes other than tab / CR / LF

# -- messages
MAX_REPORTED_ERRORS = 50  # messages shown at once; the rest are counted
SAMPLE_CHARS = 40  # at most this much of an offending value is quoted back


def sample(text: str) -> str:
    """A bounded, printable quote of input for a message."""
    cut = text[:SAMPLE_CHARS]
    return repr(cut) + ("…" if len(text) > SAMPLE_CHARS else "")


def size_text(n: int) -> str:
    return f"{n / MIB:.0f} MiB" if n >= MIB else f"{n / 1024:.0f} KiB"
