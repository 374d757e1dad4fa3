; Inno Setup script for Presensi OPD (per-user install, no admin rights needed).
; Build after PyInstaller: iscc installers\windows\presensi-opd.iss
#define AppName "Presensi OPD"
#define AppVersion "0.1.0"

[Setup]
AppId={{6F0B5B0E-7A53-4D0C-9C1E-3B2F5A7D9E10}
AppName={#AppName}
AppVersion={#AppVersion}
AppPublisher=Sub Bagian Umum dan Kepegawaian
DefaultDirName={localappdata}\Programs\PresensiOPD
DefaultGroupName={#AppName}
PrivilegesRequired=lowest
OutputDir=..\..\dist
OutputBaseFilename=PresensiOPD-Setup-{#AppVersion}
Compression=lzma2
SolidCompression=yes
ArchitecturesInstallIn64BitMode=x64compatible
WizardStyle=modern
UninstallDisplayIcon={app}\PresensiOPD.exe

[Languages]
Name: "id"; MessagesFile: "compiler:Languages\Indonesian.isl"

[Tasks]
Name: "desktopicon"; Description: "Buat ikon di desktop"; GroupDescription: "Ikon tambahan:"
Name: "synctask"; Description: "Sinkronisasi mesin otomatis setiap jam (Task Scheduler)"; GroupDescription: "Otomatisasi:"; Flags: unchecked

[Files]
Source: "..\..\dist\presensi-opd\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\PresensiOPD.exe"
Name: "{group}\Coba dengan data demo"; Filename: "{app}\PresensiOPD.exe"; Parameters: "demo"
Name: "{group}\Hapus {#AppName}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\PresensiOPD.exe"; Tasks: desktopicon

[Run]
Filename: "schtasks"; Parameters: "/Create /F /SC HOURLY /TN ""PresensiOPD Sync"" /TR ""\""{app}\presensi-opd.exe\"" sync"""; Flags: runhidden; Tasks: synctask
Filename: "{app}\PresensiOPD.exe"; Description: "Jalankan {#AppName}"; Flags: nowait postinstall skipifsilent

[UninstallRun]
Filename: "schtasks"; Parameters: "/Delete /F /TN ""PresensiOPD Sync"""; Flags: runhidden; RunOnceId: "DelSyncTask"
; The database and files in %LOCALAPPDATA%\PresensiOPD are kept on uninstall on purpose (attendance records).
