"""Finding the rrm-ledger binary the client runs."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Optional

#: The environment variable that names the binary, before any other place is looked at.
BINARY_VARIABLE = "RRM_LEDGER_BINARY"


def find_binary(explicit: Optional[str] = None) -> str:
    """The rrm-ledger executable: ``explicit`` if given, else ``$RRM_LEDGER_BINARY``, else the
    binary a wheel built by ``tools/dist`` carries (``rrm_ledger/_bin/rrm-ledger``), else
    ``rrm-ledger`` on ``PATH``.

    Raises ``FileNotFoundError`` naming every place looked at when none holds it.
    """
    looked: list[str] = []
    for candidate in (explicit, os.environ.get(BINARY_VARIABLE)):
        if candidate:
            if os.access(candidate, os.X_OK) and os.path.isfile(candidate):
                return candidate
            looked.append(candidate)
    bundled = Path(__file__).parent / "_bin" / "rrm-ledger"
    if os.access(bundled, os.X_OK) and bundled.is_file():
        return str(bundled)
    looked.append(str(bundled))
    on_path = shutil.which("rrm-ledger")
    if on_path:
        return on_path
    looked.append("rrm-ledger on PATH")
    raise FileNotFoundError(
        "no rrm-ledger binary found (looked at: " + ", ".join(looked) + "); install the wheel that carries it "
        "(tools/dist), or set " + BINARY_VARIABLE)
