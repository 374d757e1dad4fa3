#!/usr/bin/env bash
# Builds the Linux one-dir bundle and a tarball: $DIST_DIR/presensi-opd/ and $DIST_DIR/presensi-opd-linux-x86_64.tar.gz
# (DIST_DIR defaults to dist/, WORK_DIR to build/pyinstaller; the test suite points both into its temp dir)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
py="${PYTHON:-$root/.venv/bin/python}"
dist="${DIST_DIR:-$root/dist}"
work="${WORK_DIR:-$root/build/pyinstaller}"
"$py" -m PyInstaller --noconfirm --clean --log-level WARN --distpath "$dist" --workpath "$work" installers/presensi-opd.spec
cat > "$dist/presensi-opd/presensi-opd.desktop" <<'DESK'
[Desktop Entry]
Type=Application
Name=Presensi OPD
Comment=Rekap presensi, TPP dan disiplin pegawai
Exec=PresensiOPD
Terminal=false
Categories=Office;
DESK
tar -C "$dist" -czf "$dist/presensi-opd-linux-$(uname -m).tar.gz" presensi-opd
du -sh "$dist/presensi-opd" "$dist/presensi-opd-linux-$(uname -m).tar.gz"
