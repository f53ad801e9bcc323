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


#: Set by :func:`main` before it runs an ``rrm-ledger`` found on ``PATH``, so that another
#: package's ``rrm-ledger`` script found there does not search ``PATH`` again (no exec loop).
_SCRIPT_VARIABLE = "RRM_LEDGER_SCRIPT"


def main() -> None:
    """The ``rrm-ledger`` command a ``pip install`` puts on ``PATH``: runs the binary the wheel
    carries (or ``$RRM_LEDGER_BINARY``) with this command's arguments, in this process.

    A source install carries no binary; then an ``rrm-ledger`` further along ``PATH`` is run,
    never this script itself. Exits 69 (unavailable) naming the places looked at when there is
    none.
    """
    import sys

    own = os.path.realpath(sys.argv[0])
    looked: list[str] = []
    candidates = [os.environ.get(BINARY_VARIABLE), str(Path(__file__).parent / "_bin" / "rrm-ledger")]
    if not os.environ.get(_SCRIPT_VARIABLE):
        candidates += [os.path.join(d, "rrm-ledger") for d in os.environ.get("PATH", "").split(os.pathsep) if d]
    for candidate in candidates:
        if not candidate:
            continue
        if os.path.realpath(candidate) == own:
            continue
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            os.environ[_SCRIPT_VARIABLE] = own
            os.execv(candidate, [candidate, *sys.argv[1:]])
        looked.append(candidate)
    sys.stderr.write(
        "rrm-ledger: no rrm-ledger binary found (looked at: " + ", ".join(looked) + "); install the wheel "
        "that carries it (tools/dist), or set " + BINARY_VARIABLE + "\n")
    sys.exit(69)
