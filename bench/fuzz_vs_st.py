"""The fuzz phase against the engine alone: test cases per second of ours vs ``st run``.

Same OpenAPI document, same server (the reference, recording in this process), same budget and
seed, same phases and checks configuration. A test case is a request carrying schemathesis's
X-Schemathesis-TestCaseId; our arrange and cleanup requests are our cost, not extra cases.
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

from bench.harness import Live, case_folder, count_cases, recording_reference, run_child
from conformance.fuzz.engine import SETTINGS
from conformance.resources import openapi_path

ROOT = Path(__file__).resolve().parent.parent


def _st_config(live: Live, folder: Path, examples: int, seed: int) -> Path:
    """Our schemathesis.toml plus what the fuzz phase sets in code: URL, identity, scid, template."""
    target = live.target
    head = [
        f"base-url = {json.dumps(target.url)}",
        f"seed = {seed}",
        'hooks = "bench.st_hooks"',
        "continue-on-failure = true",
        f'headers = {{ "Authorization" = {json.dumps(target.users[0].authorization)} }}',
        "",
        "[parameters]",
        f'"path.scid" = {json.dumps(target.scid)}',
        f'"path.sessionTemplateName" = {json.dumps(target.template)}',
        "",
    ]
    body = SETTINGS.read_text().replace("[generation]", f"[generation]\nmax-examples = {examples}", 1)
    path = folder / "st.toml"
    path.write_text("\n".join(head) + "\n" + body)
    path.chmod(0o600)
    return path


def _ours(folder: Path, examples: int, seed: int, select: tuple[str, ...]) -> tuple[int, float]:
    """Test cases the fuzz phase sent, and the phase's seconds, in one process as ``st run`` works."""
    with recording_reference(folder) as live:
        out = folder / "out"
        command = ["-m", "conformance.cli", "run", "-n", "0", "--config", str(live.config_file)]
        command += ["--seed", str(seed), "--fuzz-examples", str(examples), "--report-dir", str(out)]
        command += [arg for pattern in select for arg in ("--select", pattern)]
        ours = run_child(command)
        if ours.returncode not in (0, 1):
            raise RuntimeError(f"the suite run failed (exit {ours.returncode}):\n{ours.stdout[-2000:]}")
        report = json.loads((out / "report.json").read_text())
        return count_cases(live), report["run"]["phases"]["fuzz"]


def measure(examples: int, seed: int = 1, select: tuple[str, ...] = ()) -> dict[str, float]:
    """Ours twice, against stored cases of a folder of the measurement's own: first with none
    stored (the cases are generated and kept: a user's first run), then reading them back (every
    later run); then ``st run``, which generates on every run."""
    with tempfile.TemporaryDirectory() as folder:
        with case_folder(Path(folder) / "cases"):
            cold_cases, cold_seconds = _ours(Path(folder), examples, seed, select)
            our_cases, our_seconds = _ours(Path(folder), examples, seed, select)
        with recording_reference(Path(folder)) as live:
            config = _st_config(live, Path(folder), examples, seed)
            engine = run_child(
                ["-m", "schemathesis.cli", "--config-file", str(config), "run", str(openapi_path())], cwd=ROOT
            )
            found = re.findall(r"in ([0-9.]+)s", engine.stdout)
            if not found:
                raise RuntimeError(f"st run printed no duration:\n{engine.stdout[-2000:]}")
            st_cases, st_seconds = count_cases(live), float(found[-1])
    ours_rate, st_rate = our_cases / our_seconds, st_cases / st_seconds
    return {
        "fuzz_cases": our_cases,
        "fuzz_cases_per_s": round(ours_rate, 1),
        "st_cases": st_cases,
        "st_cases_per_s": round(st_rate, 1),
        "fuzz_over_st": round(ours_rate / st_rate, 3),
        "fuzz_over_st_first_run": round(cold_cases / cold_seconds / st_rate, 3),
    }


if __name__ == "__main__":
    print(json.dumps(measure(40), indent=2))
