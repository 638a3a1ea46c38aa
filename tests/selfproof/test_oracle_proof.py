"""selftest --oracle: the oracle finds nothing on the clean reference nor on every latitude at once,
and what it shows of a fault no check catches is what the fault model records."""

from __future__ import annotations

from conformance.reference import FAULTS
from conformance.selftest import SCENARIO_FAULTS, run_selftest, summary_lines


def test_selftest_oracle_proves_the_oracle_and_prints_both_scores() -> None:
    fault = "racy-capacity"
    assert fault not in SCENARIO_FAULTS
    result = run_selftest([fault], oracle=True)
    proof = result.oracle
    assert proof is not None
    assert (proof.clean, proof.latitudes, proof.mismatched) == (0, 0, ())
    recorded = ((), (fault,)) if FAULTS[fault].oracle == "hidden" else ((fault,), ())
    assert (proof.shown, proof.hidden) == recorded
    assert result.ok
    lines = summary_lines(result)
    assert (
        "oracle: faults caught by checks 0/1, by checks or divergences 0/1; divergences on the clean "
        "reference 0, on every latitude at once 0" in lines
    )
    assert any(line.startswith(f"  NOT SHOWN  {fault}: ") for line in lines)
    assert result.to_dict()["oracle"]["hidden"] == [fault]
