"""Which packages would a fresh install without constraints.txt resolve differently?

CI installs the pinned set from constraints.txt, so its verdict does not move when a dependency
releases. A user who installs without the file gets the newest versions pyproject.toml admits;
this script asks pip for exactly that resolution (a dry run, nothing installed) and prints what
differs from the pins, so that .ci/run can test the newest set too. Exit 0: no drift; exit 3:
drift, one `name pinned -> newest` line each, and the requirement lines of the newest set written
to the path given as the first argument.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned(constraints: Path) -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in constraints.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[canonical(name)] = version.strip()
    return pins


def newest() -> dict[str, str]:
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch, "report.json")
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--dry-run",
                "--ignore-installed",
                "--report",
                str(report),
                f"{ROOT}[test]",
            ],
            check=True,
        )
        installs = json.loads(report.read_text(encoding="utf-8"))["install"]
    return {
        canonical(item["metadata"]["name"]): item["metadata"]["version"]
        for item in installs
        if canonical(item["metadata"]["name"]) != "mpsd-conformance"
    }


def main() -> int:
    pins = pinned(ROOT / "constraints.txt")
    resolved = newest()
    drift = sorted(name for name in resolved if pins.get(name) != resolved[name])
    for name in drift:
        print(f"{name} {pins.get(name, '(not pinned)')} -> {resolved[name]}")
    if len(sys.argv) > 1:
        Path(sys.argv[1]).write_text(
            "".join(f"{name}=={version}\n" for name, version in sorted(resolved.items())), encoding="utf-8"
        )
    return 3 if drift else 0


if __name__ == "__main__":
    sys.exit(main())
