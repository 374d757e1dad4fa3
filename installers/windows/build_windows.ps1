# Builds the Windows installer: PyInstaller one-dir bundle, then Inno Setup (iscc must be on PATH).
#   powershell -ExecutionPolicy Bypass -File installers\windows\build_windows.ps1
$ErrorActionPreference = "Stop"
$root = Resolve-Path "$PSScriptRoot\..\.."
Set-Location $root
if (-not (Test-Path .venv)) { py -3.11 -m venv .venv }
.\.venv\Scripts\python -m pip install --upgrade pip
.\.venv\Scripts\python -m pip install -r requirements.lock
.\.venv\Scripts\python -m pip install --no-deps -e .
.\.venv\Scripts\python -m PyInstaller --noconfirm --clean --distpath dist --workpath build\pyinstaller installers\presensi-opd.spec
& iscc installers\windows\presensi-opd.iss
# smoke: the console CLI must start and report its version-independent help
& dist\presensi-opd\presensi-opd.exe --help | Out-Null
if ($LASTEXITCODE -ne 0) { throw "presensi-opd.exe tidak dapat dijalankan" }
