#!/usr/bin/env bash
# Builds the Linux bundle (unless SKIP_BUILD=1), then on a scratch data dir:
#   1. the bundled CLI builds the demo database (no GUI),
#   2. the bundled GUI starts offscreen on it and renders the login window.
# Prints bundle size and cold-start seconds (for bench/RESULTS.md).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
[ "${SKIP_BUILD:-0}" = 1 ] || installers/build_linux.sh
bundle="${DIST_DIR:-$root/dist}/presensi-opd"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export PRESENSI_DATA_DIR="$work/data" QT_QPA_PLATFORM=offscreen LANG=C.UTF-8
env -i LANG=C.UTF-8 PATH=/usr/bin:/bin HOME="$work" PRESENSI_DATA_DIR="$work/data" QT_QPA_PLATFORM=offscreen \
  "$bundle/presensi-opd" --db "$work/data/demo.sqlite" demo --no-gui --no-central --employees 40 --months 2
# the face model: exactly the two model files in the bundle, and the bundled CLI compares two demo photos with it
dats=$(find "$bundle" -name '*.dat' -printf '%f\n' | sort | tr '\n' ' ')
[ "$dats" = "dlib_face_recognition_resnet_model_v1.dat shape_predictor_5_face_landmarks.dat " ] || {
  echo "GAGAL: berkas model wajah di bundel: $dats" >&2; exit 1; }
refs=( "$work"/data/files/reference/*.jpg )
cmp=$(env -i LANG=C.UTF-8 PATH=/usr/bin:/bin HOME="$work" "$bundle/presensi-opd" selfie-compare "${refs[0]}" "${refs[0]}" --json)
echo "$cmp"
grep -q '"same_person": true' <<<"$cmp" || { echo "GAGAL: selfie-compare di bundel" >&2; exit 1; }
start=$(date +%s.%N)
out=$(env -i LANG=C.UTF-8 PATH=/usr/bin:/bin HOME="$work" QT_QPA_PLATFORM=offscreen PRESENSI_SMOKE_SHOT="$work/login.png" \
  "$bundle/PresensiOPD" --db "$work/data/demo.sqlite" gui)
end=$(date +%s.%N)
echo "$out"
grep -q '^SIAP' <<<"$out" || { echo "GAGAL: aplikasi tidak sampai ke jendela masuk" >&2; exit 1; }
[ -s "$work/login.png" ] || { echo "GAGAL: tangkapan layar kosong" >&2; exit 1; }
cp "$work/login.png" "${SMOKE_SHOT_OUT:-$root/dist/presensi-bundle-login.png}"
echo "bundle_size_mb=$(du -sm "$bundle" | cut -f1)"
echo "cold_start_s=$(echo "$end - $start" | bc)"
echo "SMOKE OK"
