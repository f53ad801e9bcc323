"""The client's tests run against the real rrm-ledger binary: $RRM_LEDGER_BINARY (tools/test sets
it to the one `swift build` made), else the one the package finds."""

import os
import subprocess
from pathlib import Path

import pytest

import rrm_ledger as rl


@pytest.fixture
def binary() -> str:
    return rl.find_binary()


@pytest.fixture
def ledger(tmp_path: Path, binary: str) -> rl.Ledger:
    return rl.Ledger.create(str(tmp_path / "l.sqlite"), binary=binary, wait=10)


@pytest.fixture
def demo(tmp_path: Path, binary: str) -> rl.Ledger:
    """A simulated 3-level pipeline with a planted sycophantic critic, as the demo makes."""
    path = tmp_path / "demo.sqlite"
    subprocess.run([binary, "demo", "--ledger", str(path), "--outputs", "120", "--seed", "3"], check=True, capture_output=True)
    return rl.Ledger(str(path), binary=binary)
