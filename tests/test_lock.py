"""The lock file pins every dependency pyproject.toml names, and the test environment runs those versions.

A fresh machine installs from requirements.lock (./presensi, installers/windows/build_windows.ps1), so
what CI tests is what users get; a dependency added to pyproject.toml without re-locking fails here.
"""

from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]


def _locked() -> dict[str, tuple[str, Marker | None]]:
    pins: dict[str, tuple[str, Marker | None]] = {}
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        req = Requirement(line)
        (spec,) = req.specifier  # exactly one '==' pin per line
        assert spec.operator == "==", line
        if req.marker is None or req.marker.evaluate():
            pins[canonicalize_name(req.name)] = (spec.version, req.marker)
    return pins


def _declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = [Requirement(r) for r in project["dependencies"]]
    reqs += [Requirement(r) for r in project["optional-dependencies"]["dev"]]
    return [r for r in reqs if r.marker is None or r.marker.evaluate()]


def test_every_declared_dependency_is_pinned_within_its_range() -> None:
    pins = _locked()
    for req in _declared():
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is in pyproject.toml but not in requirements.lock: re-run uv pip compile"
        assert req.specifier.contains(pins[name][0], prereleases=True), (req, pins[name][0])


def test_the_environment_runs_the_locked_versions() -> None:
    wrong = []
    for name, (version, _marker) in _locked().items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            wrong.append(f"{name}: not installed (lock {version})")
            continue
        if installed != version:
            wrong.append(f"{name}: {installed} installed, lock {version}")
    assert not wrong, wrong
