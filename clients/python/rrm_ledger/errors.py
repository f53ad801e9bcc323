"""The errors of rrm-ledger as Python exceptions.

The binary reports every failure, with ``--format json``, as one JSON object on standard error
(docs/CLI.md, "Errors as JSON"); the client turns it into a ``LedgerError`` of the matching
subclass, so that a pipeline tells a retry from a conflict by type, not by parsing English.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional


class WireFormatError(ValueError):
    """An event the client refused before sending it: it breaks a rule of the wire format
    (docs/EVENTS.md). ``path`` names the field, as the ledger would (``attributes.seed``)."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f'field "{path}": {problem}' if path else problem)
        self.path = path
        self.problem = problem


class LedgerError(Exception):
    """A failure the rrm-ledger binary reported.

    ``code`` is the stable name of the failure (``bad_event``, ``id_conflict``, ``busy``, …),
    ``exit_status`` the process's exit status, ``message`` its one-line explanation. Where the
    input was at fault, ``line`` (1-based, in what that process was sent), ``id`` and ``field``
    say where; ``event`` is the event the client sent on that line, when it knows it.
    """

    def __init__(self, code: str, exit_status: int, message: str, details: Optional[Dict[str, Any]] = None) -> None:
        super().__init__(message)
        self.code = code
        self.exit_status = exit_status
        self.message = message
        self.details: Dict[str, Any] = dict(details or {})
        self.line: Optional[int] = self.details.get("line")
        self.id: Optional[str] = self.details.get("id")
        self.field: Optional[str] = self.details.get("field")
        self.event: Optional[Dict[str, Any]] = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, exit_status={self.exit_status}, message={self.message!r})"


class BadEvent(LedgerError):
    """An event the ledger refused (exit 65): a reference to an entry that does not exist, a
    field of the wrong kind, a batch of another size than expected. Nothing of its batch landed."""


class IdConflict(LedgerError):
    """Another event under an id an entry already holds (exit 3): not a retry, since the bodies
    differ. ``seq`` is the entry's sequence number, ``differences`` one string per field."""

    @property
    def seq(self) -> Optional[int]:
        return self.details.get("seq")

    @property
    def differences(self) -> List[str]:
        return list(self.details.get("differences", []))


class LedgerBusy(LedgerError):
    """Another process held the write lock longer than the wait allowed (exit 75): try again."""


class NotFound(LedgerError):
    """Something named does not exist (exit 66): the ledger, an entry, an input file."""


class VerificationFailed(LedgerError):
    """The ledger, or a proof, did not verify (exit 1)."""


class StorageError(LedgerError):
    """The disk refused a write (exit 74): full, read-only, an I/O error. The ledger is unchanged."""


class UsageError(LedgerError):
    """The client ran the binary with options it refused (exit 64): a bug in the client or its caller."""


_BY_STATUS = {65: BadEvent, 3: IdConflict, 75: LedgerBusy, 66: NotFound, 1: VerificationFailed, 74: StorageError, 64: UsageError}


def error_from(stderr: str, returncode: int) -> LedgerError:
    """The error a process reported on standard error (its last ``{"error": …}`` line), or, if it
    printed none (it was killed), one that says how it ended."""
    for line in reversed(stderr.splitlines()):
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict) and isinstance(value.get("error"), dict):
            error = value["error"]
            details = {k: v for k, v in error.items() if k not in ("code", "exit_status", "message")}
            status = int(error.get("exit_status", returncode))
            kind = _BY_STATUS.get(status, LedgerError)
            return kind(str(error.get("code", "unknown")), status, str(error.get("message", "")), details)
    if returncode < 0:
        return LedgerError("killed", returncode, f"rrm-ledger was ended by signal {-returncode}")
    text = stderr.strip() or f"rrm-ledger exited {returncode}"
    return _BY_STATUS.get(returncode, LedgerError)("unknown", returncode, text)
