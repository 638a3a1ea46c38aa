"""The GitHub Action (action.yml) runs the suite, shows its summary, keeps its reports and ends with its
exit code; the README's example is one the Action accepts.

The Action's shell steps run here as the runner runs them: in order, under the `if:` each declares,
with the environment its `env:` evaluates to, a $GITHUB_OUTPUT of its own and one job summary.
Only the steps that need the network are left out: the `uses:` steps (setup-python, whose Python the
test's own stands in for, and upload-artifact, whose evaluated `with:` is checked instead) and the
install step (the suite is installed here already).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from support import ROOT

ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
STEPS: list[dict] = ACTION["runs"]["steps"]
NEEDS_NETWORK = {"install"}
SCRIPT = ROOT / "scripts" / "github-action"
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
StepOutputs = dict[str, dict[str, str]]
# The conditions the Action's steps carry, as the runner judges them (given whether a step before
# failed, and the steps' outputs); a condition the test does not know fails it, not passes silently.
CONDITIONS: dict[str | None, Callable[[bool, StepOutputs], bool]] = {
    None: lambda failed, outputs: not failed,
    "always()": lambda failed, outputs: True,
    "always() && steps.run.outputs.exit-code != ''": (
        lambda failed, outputs: outputs.get("run", {}).get("exit-code", "") != ""
    ),
}
CREDENTIAL = re.compile(r"MPSD_(USER_[1-9][0-9]*|SERVER)_AUTHORIZATION")
TINY = "--no-fuzz --select PUT-CREATE-201"
USES = "OWNER/mpsd-conformance@"  # how the README names the Action


@dataclass(frozen=True)
class Job:
    returncode: int  # the Action's: the first failing step's exit code, else 0
    outputs: dict[str, str]  # the Action's outputs, as action.yml maps them
    summary: str  # what the job summary shows
    upload: dict[str, str]  # upload-artifact's `with:`, evaluated
    log: str


def _evaluate(value: object, inputs: Mapping[str, str], outputs: StepOutputs) -> str:
    def one(match: re.Match[str]) -> str:
        match match.group(1).split("."):
            case ["inputs", name]:
                return inputs[name]
            case ["steps", step, "outputs", name]:
                return outputs.get(step, {}).get(name, "")
        raise AssertionError(f"the test does not know the expression {match.group(0)}")

    return EXPRESSION.sub(one, str(value))


def _suite_command() -> Path:
    """The installed `mpsd-conformance`, as the install step leaves it on PATH."""
    found = shutil.which("mpsd-conformance", path=str(Path(sys.executable).parent)) or shutil.which(
        "mpsd-conformance"
    )
    assert found, "mpsd-conformance is not installed next to this Python"
    return Path(found).parent


def run_action(tmp_path: Path, commands: Path, install: int = 0, **given: str) -> Job:
    """Run the Action's shell steps with these inputs (by their names, `_` for `-`) in a fresh
    workspace under tmp_path, with `commands` first on PATH; the install step is taken to have
    ended with `install`."""
    given = {name.replace("_", "-"): value for name, value in given.items()}
    unknown = set(given) - set(ACTION["inputs"])
    assert not unknown, f"not inputs of the Action: {unknown}"
    inputs = {name: str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()} | given
    workspace = tmp_path / "workspace"
    workspace.mkdir(exist_ok=True)
    summary = tmp_path / "step-summary.md"
    summary.touch()
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not (name.startswith(("INPUT_", "GITHUB_")) or CREDENTIAL.fullmatch(name))
    }
    job_env = inherited | {
        "PATH": f"{commands}{os.pathsep}{os.environ['PATH']}",
        "GITHUB_ACTION_PATH": str(ROOT),
        "GITHUB_STEP_SUMMARY": str(summary),
        "RUNNER_TEMP": str(tmp_path),
    }
    outputs: StepOutputs = {}
    failed: int | None = None
    upload: dict[str, str] = {}
    log = []
    for step in STEPS:
        if not CONDITIONS[step.get("if")](failed is not None, outputs):
            continue
        if "uses" in step:
            if step["uses"].startswith("actions/upload-artifact@"):
                upload = {key: _evaluate(value, inputs, outputs) for key, value in step["with"].items()}
            continue
        if step["id"] in NEEDS_NETWORK:
            failed = failed or install or None
            continue
        output = tmp_path / f"{step['id']}.output"
        output.write_text("")
        env = {name: _evaluate(value, inputs, outputs) for name, value in step.get("env", {}).items()}
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],  # shell: bash
            cwd=workspace,
            env=job_env | env | {"GITHUB_OUTPUT": str(output)},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        log.append(f"--- {step['id']}: exit {done.returncode}\n{done.stdout}{done.stderr}")
        outputs[step["id"]] = dict(line.split("=", 1) for line in output.read_text().splitlines())
        if done.returncode and failed is None:
            failed = done.returncode
    return Job(
        returncode=failed or 0,
        outputs={name: _evaluate(spec["value"], inputs, outputs) for name, spec in ACTION["outputs"].items()},
        summary=summary.read_text(encoding="utf-8"),
        upload=upload,
        log="".join(log),
    )


def _fake_suite(tmp_path: Path, exit_code: int = 0) -> tuple[Path, Path]:
    """A stand-in `mpsd-conformance` that records its arguments, for what the Action passes it."""
    commands, argv = tmp_path / "fake-bin", tmp_path / "argv"
    commands.mkdir()
    fake = commands / "mpsd-conformance"
    fake.write_text(f"#!/usr/bin/env bash\nprintf '%s\\0' \"$@\" >'{argv}'\nexit {exit_code}\n")
    fake.chmod(0o755)
    return commands, argv


def test_the_action_is_composite_and_its_shell_steps_are_the_script() -> None:
    assert ACTION["runs"]["using"] == "composite"
    assert [step["id"] for step in STEPS] == ["python", "install", "run", "summary", "upload", "finish"]
    for step in STEPS:
        if "uses" in step:
            continue
        assert step["shell"] == "bash"
        # Inputs reach the shell as environment variables only: an input is never script text.
        assert step["run"] == f'bash "$GITHUB_ACTION_PATH/scripts/github-action" {step["id"]}'
    uses = {step["id"]: step["uses"].split("@")[0] for step in STEPS if "uses" in step}
    assert uses == {"python": "actions/setup-python", "upload": "actions/upload-artifact"}
    python = STEPS[0]["with"]
    assert python == {"python-version": "${{ inputs.python-version }}", "update-environment": False}
    run = next(step for step in STEPS if step["id"] == "run")
    assert run["env"] == {
        f"INPUT_{name.upper().replace('-', '_')}": f"${{{{ inputs.{name} }}}}"
        for name in ACTION["inputs"]
        if name != "python-version"
    }
    assert {step["id"]: step.get("if") for step in STEPS if step.get("if")} == {
        "summary": "always()",
        "upload": "always() && steps.run.outputs.exit-code != ''",
        "finish": "always() && steps.run.outputs.exit-code != ''",
    }
    assert ACTION["outputs"]["exit-code"]["value"] == "${{ steps.run.outputs.exit-code }}"
    # The install takes the Action's own checkout with its pins, as the README's install does.
    assert '-c "$GITHUB_ACTION_PATH/constraints.txt" "$GITHUB_ACTION_PATH"' in SCRIPT.read_text()


def test_a_conforming_run_passes_shows_its_summary_and_uploads_its_reports(tmp_path) -> None:
    job = run_action(tmp_path, _suite_command(), args=TINY)
    assert job.returncode == 0, job.log
    assert job.outputs == {"exit-code": "0", "report-dir": "reports/mpsd"}
    reports = tmp_path / "workspace" / "reports" / "mpsd"
    assert job.summary == (reports / "summary.md").read_text(encoding="utf-8")
    assert "PASSED" in job.summary
    assert job.upload == {
        "name": "mpsd-conformance-report",
        "path": "reports/mpsd",
        "if-no-files-found": "ignore",
    }
    assert {"report.json", "junit.xml", "summary.md", "report.html"} <= {p.name for p in reports.iterdir()}


def test_a_must_failure_fails_the_action_with_exit_1_and_still_shows_the_summary(tmp_path) -> None:
    job = run_action(tmp_path, _suite_command(), args=f"{TINY} --fault create-200", report_dir="out")
    assert job.returncode == 1, job.log
    assert job.outputs == {"exit-code": "1", "report-dir": "out"}
    shown = (tmp_path / "workspace" / "out" / "summary.md").read_text(encoding="utf-8")
    assert job.summary.startswith(shown)
    assert "FAILED" in shown
    assert "`mpsd-conformance run` exited 1: a MUST requirement fails" in job.summary
    assert job.upload["path"] == "out"
    assert "::error title=MPSD conformance::mpsd-conformance run exited 1" in job.log


def test_a_usage_error_says_no_report_was_written_and_never_shows_an_earlier_one(tmp_path) -> None:
    stale = tmp_path / "workspace" / "reports" / "mpsd" / "summary.md"
    stale.parent.mkdir(parents=True)
    stale.write_text("## MPSD conformance: PASSED (an earlier run)\n")
    job = run_action(tmp_path, _suite_command(), config="missing.toml", args=TINY)
    assert job.returncode == 2, job.log
    assert job.outputs["exit-code"] == "2"
    assert "earlier run" not in job.summary
    assert "## MPSD conformance: no report" in job.summary
    assert "exited 2 (a usage or configuration error" in job.summary


def test_each_input_reaches_the_command_line(tmp_path) -> None:
    commands, argv = _fake_suite(tmp_path)
    job = run_action(
        tmp_path,
        commands,
        config="conf dir/target.toml",
        baseline="known.yaml",
        profile="2024",
        shard="2/4",
        report_dir="out dir",
        args="--strict\n  --select COND-*  ",
    )
    assert job.returncode == 0, job.log
    assert argv.read_text().split("\0")[:-1] == [
        "run", "--report-dir", "out dir", "--config", "conf dir/target.toml", "--baseline", "known.yaml",
        "--profile", "2024", "--shard", "2/4", "--strict", "--select", "COND-*",
    ]  # fmt: skip
    assert job.upload["name"] == "mpsd-conformance-report-shard-2-of-4"
    assert "no report" in job.summary  # the stand-in writes none


def test_empty_inputs_add_no_flags(tmp_path) -> None:
    """An empty profile means the suite's newest: `--profile ''` would be a usage error."""
    commands, argv = _fake_suite(tmp_path)
    job = run_action(tmp_path, commands, artifact_name="mine")
    assert argv.read_text().split("\0")[:-1] == ["run", "--report-dir", "reports/mpsd"]
    assert job.upload["name"] == "mine"


@pytest.mark.parametrize("code", [1, 3, 42])
def test_the_suites_exit_code_is_the_actions(tmp_path, code) -> None:
    commands, _ = _fake_suite(tmp_path, exit_code=code)
    job = run_action(tmp_path, commands)
    assert (job.returncode, job.outputs["exit-code"]) == (code, str(code))


def test_quoted_args_are_refused_before_the_suite_runs(tmp_path) -> None:
    commands, argv = _fake_suite(tmp_path)
    job = run_action(tmp_path, commands, args="--select 'COND-*'")
    assert job.returncode == 2
    assert not argv.exists()
    assert "takes no quotes" in job.log


def test_a_failed_install_says_the_suite_did_not_finish_and_ends_with_the_failure(tmp_path) -> None:
    commands, argv = _fake_suite(tmp_path)
    job = run_action(tmp_path, commands, install=1)
    assert job.returncode == 1
    assert not argv.exists()
    assert job.outputs["exit-code"] == ""
    assert "## MPSD conformance: did not finish" in job.summary
    assert job.upload == {}  # nothing to upload, and no artifact name to upload it under


def _readme_section(title: str) -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return readme.split(f"\n### {title}\n", 1)[1].split("\n### ", 1)[0]


def _uses_of_the_action(text: str) -> list[dict]:
    steps = []
    for block in re.findall(r"```yaml\n(.*?)```", text, re.DOTALL):
        for job in (yaml.safe_load(block).get("jobs") or {}).values():
            steps += [step for step in job["steps"] if step.get("uses", "").startswith(USES)]
    return steps


def test_the_readme_documents_every_input_and_output_and_its_examples_are_valid() -> None:
    section = _readme_section("Use it in GitHub Actions")
    for name, spec in ACTION["inputs"].items():
        default = f"`{spec['default']}`" if spec["default"] else "empty"
        if name == "artifact-name":
            default = "`mpsd-conformance-report`"
        assert f"| `{name}` | {default} |" in section, f"the README's input table lacks {name}"
    for name in ACTION["outputs"]:
        assert f"`{name}`" in section
    (example,) = _uses_of_the_action(section)
    campaign = _uses_of_the_action(_readme_section("A long fuzz campaign across CI machines"))
    assert campaign, "the campaign recipe no longer uses the Action"
    for step in [example, *campaign]:
        assert set(step["with"]) <= set(ACTION["inputs"])
    # Credentials come from secrets through the environment, never through an input.
    assert example["env"], "the example shows no credentials"
    for name, value in example["env"].items():
        assert CREDENTIAL.fullmatch(name)
        assert value == f"${{{{ secrets.{name} }}}}"
