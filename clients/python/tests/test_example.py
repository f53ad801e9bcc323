"""The worked example runs as printed in the README and records a ledger that verifies."""

import os
import subprocess
import sys
from pathlib import Path

import rrm_ledger as rl

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "rrm_loop.py"


def test_the_example_records_a_loop_that_verifies_and_a_rerun_records_nothing_twice(tmp_path, binary):
    ledger_path = tmp_path / "loop.sqlite"
    environment = dict(os.environ, RRM_LEDGER_BINARY=binary, PYTHONPATH=str(EXAMPLE.parents[1]))
    command = [sys.executable, str(EXAMPLE), "--ledger", str(ledger_path), "--levels", "2", "--outputs", "60"]
    first = subprocess.run(command, env=environment, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    assert "verify --deep: ok" in first.stdout
    ledger = rl.Ledger(str(ledger_path), binary=binary)
    head = ledger.head()
    kinds = {entry.kind for entry in ledger.entries()}
    assert kinds == {"model", "output", "critique", "label", "dataset", "finding"}
    # The same job run again (same seed, same times) finds every event already recorded.
    second = subprocess.run(command, env=environment, capture_output=True, text=True)
    assert second.returncode == 0, second.stderr
    assert f"({head.seq:,} already recorded)" in second.stdout
    assert ledger.head() == head
