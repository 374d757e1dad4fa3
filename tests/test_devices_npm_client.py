"""An independent ZK client from npm (node-zklib 1.3.0, unmodified) reads our emulator's log.

node-zklib reads one protocol frame per socket 'data' event, so it only works against a
device that writes each reply frame separately and at a device's pace: exactly what the
emulator does by default (one write per frame) with a LAN-like link (frame_gap_s,
link_bytes_per_s). The client is installed with npm into build/npm-zk (ignored by git,
kept between runs). Without node/npm the test is skipped locally and fails in CI
(PRESENSI_REQUIRE_NODE=1).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from services.devices import protocol as p
from services.devices.emulator import DeviceState, Emulator

NPM_DIR = Path(__file__).resolve().parents[1] / "build" / "npm-zk"
PACKAGE = {"name": "presensi-npm-zk", "private": True, "version": "0.0.0", "dependencies": {"node-zklib": "1.3.0"}}

READER = r"""
const fs = require('fs');
const ZKLib = require('node-zklib');
const [port, out] = [parseInt(process.argv[2]), process.argv[3]];
(async () => {
  const zk = new ZKLib('127.0.0.1', port, 10000, 4000);
  await zk.createSocket();
  const res = await zk.getAttendances();
  const pad = (n) => String(n).padStart(2, '0');
  const rows = res.data.map(r => { const d = r.recordTime;
    return [r.deviceUserId, `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
            `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`]; });
  fs.writeFileSync(out, JSON.stringify({ rows, err: res.err ? String(res.err) : null }));
  await zk.disconnect();
  process.exit(0);
})().catch(e => { fs.writeFileSync(out, JSON.stringify({ error: String((e && e.message) || e) })); process.exit(2); });
"""


@pytest.fixture(scope="module")
def node_zklib() -> Path:
    node, npm = shutil.which("node"), shutil.which("npm")
    if not (node and npm):
        if os.environ.get("PRESENSI_REQUIRE_NODE") == "1":
            pytest.fail("Node.js dan npm wajib tersedia di CI untuk uji klien ZK dari npm")
        pytest.skip("Node.js/npm tidak tersedia")
    NPM_DIR.mkdir(parents=True, exist_ok=True)
    (NPM_DIR / "package.json").write_text(json.dumps(PACKAGE, indent=2))
    if not (NPM_DIR / "node_modules" / "node-zklib" / "zklib.js").exists():
        done = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--loglevel=error"], cwd=NPM_DIR,
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-2000:]
    script = NPM_DIR / "read_attendance.js"
    script.write_text(READER)
    return script


def _read_with_node(script: Path, port: int, tmp_path: Path) -> dict:
    out = tmp_path / "node_out.json"
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "TZ": "UTC"}
    subprocess.run(["node", str(script), str(port), str(out)], cwd=script.parent, env=env, capture_output=True,
                   text=True, timeout=120)
    return json.loads(out.read_text())


def _lan_device(records: int) -> DeviceState:
    state = DeviceState(serial="NPM-SN-1", frame_gap_s=0.005, link_bytes_per_s=2_000_000)  # ≈ 16 Mbit/s
    state.generate(50, records, seed=21)
    return state


def test_node_zklib_reads_3000_records_from_the_emulator(node_zklib: Path, tmp_path: Path) -> None:
    state = _lan_device(3000)
    with Emulator(state) as emu:
        got = _read_with_node(node_zklib, emu.port, tmp_path)
    assert got.get("error") is None and got.get("err") is None, got
    expected = [[r.user_id, p.decode_time(r.ts_raw).strftime("%Y-%m-%d %H:%M:%S")] for r in state.records]
    assert len(got["rows"]) == 3000
    assert got["rows"] == expected


def test_coalesced_replies_break_node_zklib(node_zklib: Path, tmp_path: Path) -> None:
    """The fault knob reproduces the old emulator: a whole chunk in one write leaves node-zklib one frame short."""
    state = _lan_device(3000)
    state.faults.coalesce_replies = True
    with Emulator(state) as emu:
        got = _read_with_node(node_zklib, emu.port, tmp_path)
    assert got.get("err") and len(got.get("rows", [])) < 3000, got
