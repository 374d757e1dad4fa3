#!/usr/bin/env bash
# Builds the Linux one-dir bundle and a tarball: dist/presensi-opd/ and dist/presensi-opd-linux-x86_64.tar.gz
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
py="${PYTHON:-$root/.venv/bin/python}"
"$py" -m PyInstaller --noconfirm --clean --log-level WARN --distpath dist --workpath build/pyinstaller installers/presensi-opd.spec
cat > dist/presensi-opd/presensi-opd.desktop <<'DESK'
[Desktop Entry]
Type=Application
Name=Presensi OPD
Comment=Rekap presensi, TPP dan disiplin pegawai
Exec=PresensiOPD
Terminal=false
Categories=Office;
DESK
tar -C dist -czf "dist/presensi-opd-linux-$(uname -m).tar.gz" presensi-opd
du -sh dist/presensi-opd "dist/presensi-opd-linux-$(uname -m).tar.gz"
