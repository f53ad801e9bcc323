"""A ledger file, and the rrm-ledger commands that write and read it, as Python calls."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence

from ._binary import find_binary
from .errors import LedgerError, error_from
from .events import Event
from .recorder import Recorder, encode


@dataclass(frozen=True)
class Head:
    """The last entry's sequence number and hash: what a verifier expects (``seq:hash``)."""

    seq: int
    hash: str

    def __str__(self) -> str:
        return f"{self.seq}:{self.hash}"


@dataclass(frozen=True)
class Entry:
    """One entry: its place in the chain and the canonical body of the event it records."""

    seq: int
    id: str
    kind: str
    level: Optional[int]
    time: str
    hash: str
    prev_hash: str
    body: Dict[str, Any]
    #: From ``Ledger.entry``: the entries it references and those referencing it, each
    #: ``{"id", "kind", "level", "role", "seq"}``, and the latest audit finding about it.
    parents: List[Dict[str, Any]] = field(default_factory=list)
    children: List[Dict[str, Any]] = field(default_factory=list)
    latest_finding: Optional[Dict[str, Any]] = None

    @classmethod
    def from_json(cls, value: Dict[str, Any]) -> "Entry":
        return cls(
            seq=int(value["seq"]), id=value["id"], kind=value["kind"], level=value.get("level"), time=value["time"],
            hash=value["hash"], prev_hash=value.get("prev_hash", ""), body=value.get("body", {}),
            parents=list(value.get("parents", [])), children=list(value.get("children", [])),
            latest_finding=value.get("latest_finding"),
        )


@dataclass(frozen=True)
class AppendResult:
    """What an append did. ``already_recorded`` lists the entries (as ``(first, last)`` ranges of
    sequence numbers) whose events were sent again and so not appended twice."""

    appended: int
    first_seq: int
    last_seq: int
    head: Head
    by_kind: Dict[str, int]
    already_recorded: List[tuple]
    dry_run: bool

    @property
    def already_recorded_count(self) -> int:
        return sum(last - first + 1 for first, last in self.already_recorded)


@dataclass(frozen=True)
class Problem:
    """One bad line found by ``Ledger.check``."""

    line: int
    id: Optional[str]
    field: Optional[str]
    code: str
    message: str
    event: Optional[Event] = None


@dataclass(frozen=True)
class Verification:
    """``verify``'s result: ``intact`` is the verdict; each fault names its kind and entry."""

    intact: bool
    entries: int
    head: Head
    fault_count: int
    faults: List[Dict[str, Any]]
    first_damaged_seq: Optional[int]
    deep: bool
    seconds: float

    def __bool__(self) -> bool:
        return self.intact


class Report:
    """The compounding-errors report (docs/ANALYSIS.md), as the JSON ``report`` prints: every
    section is a key of ``data``; the common ones have properties, and DataFrames when pandas is
    installed (``levels_frame``, ``claims_frame``, ``sources_frame``)."""

    def __init__(self, data: Dict[str, Any]) -> None:
        self.data = data

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    @property
    def levels(self) -> List[Dict[str, Any]]:
        return list(self.data.get("levels", []))

    @property
    def claims(self) -> List[Dict[str, Any]]:
        """Every claim with its estimand, estimate, interval, p-value adjusted for the report's
        many tests, and whether it holds at the family-wise level."""
        return list(self.data.get("claims", []))

    @property
    def significant_claims(self) -> List[Dict[str, Any]]:
        return [claim for claim in self.claims if claim.get("significant")]

    @property
    def sources(self) -> List[Dict[str, Any]]:
        return list(self.data.get("sources", []))

    @property
    def root_errors(self) -> List[Dict[str, Any]]:
        return list(self.data.get("root_errors", []))

    def levels_frame(self) -> Any:
        return _frame(self.levels)

    def claims_frame(self) -> Any:
        return _frame(self.claims)

    def sources_frame(self) -> Any:
        return _frame(self.sources)


def _frame(rows: Iterable[Dict[str, Any]]) -> Any:
    """``rows`` as a pandas DataFrame, nested objects flattened into dotted columns."""
    try:
        import pandas
    except ImportError as error:
        raise ImportError("DataFrames need pandas: pip install 'rrm-ledger[pandas]'") from error
    return pandas.json_normalize(list(rows))


class Ledger:
    """A ledger file and the ``rrm-ledger`` binary that reads and writes it.

    Every call runs the binary as a process (``--format json``) and turns its failures into
    ``LedgerError`` subclasses. ``wait`` is how long a writer waits for another's lock.
    """

    def __init__(self, path: str = "rrm-ledger.sqlite", *, binary: Optional[str] = None, wait: float = 30.0) -> None:
        self.path = os.fspath(path)
        self.binary = find_binary(binary)
        self.wait = wait

    @classmethod
    def create(cls, path: str, *, binary: Optional[str] = None, wait: float = 30.0) -> "Ledger":
        """Creates an empty ledger at ``path`` (``LedgerError`` 73 if anything is there)."""
        ledger = cls(path, binary=binary, wait=wait)
        ledger._run(["init"])
        return ledger

    # Running the binary

    def _command(self, arguments: Sequence[str]) -> List[str]:
        return [self.binary, arguments[0], "--ledger", self.path, "--format", "json", *arguments[1:]]

    def _run(self, arguments: Sequence[str], *, input: Optional[bytes] = None, ok: Sequence[int] = (0,)) -> subprocess.CompletedProcess:
        result = subprocess.run(self._command(arguments), input=input, capture_output=True)
        if result.returncode not in ok:
            raise error_from(result.stderr.decode("utf-8", "replace"), result.returncode)
        return result

    def _json(self, arguments: Sequence[str], ok: Sequence[int] = (0,)) -> Any:
        return json.loads(self._run(arguments, ok=ok).stdout)

    # Writing

    def append(self, events: Iterable[Event], *, dry_run: bool = False) -> AppendResult:
        """Appends ``events`` as one atomic batch: all land or none does. Events already recorded
        (a resend) are recognised, not appended twice. The batch's size is passed as ``--expect``,
        so a batch cut short is refused. Raises ``BadEvent`` (with ``.event``), ``IdConflict``, …"""
        events = list(events)
        lines = b"".join(encode(event) for event in events)
        arguments = ["append", "--wait", repr(float(self.wait)), "--expect", str(len(events))]
        if dry_run:
            arguments.append("--dry-run")
        try:
            result = self._run(arguments + ["-"], input=lines)
        except LedgerError as error:
            if error.line is not None and 0 < error.line <= len(events):
                error.event = events[error.line - 1]
            raise
        return _append_result(json.loads(result.stdout))

    def check(self, events: Iterable[Event]) -> List[Problem]:
        """Checks every event against the ledger as an append would, appending nothing; returns
        every problem (an empty list when the batch would land)."""
        events = list(events)
        lines = b"".join(encode(event) for event in events)
        result = self._run(["append", "--check", "-"], input=lines, ok=(0, 65))
        problems = []
        for raw in result.stdout.splitlines():
            line = json.loads(raw)
            if line.get("type") == "problem":
                number = line.get("line")
                event = events[number - 1] if isinstance(number, int) and 0 < number <= len(events) else None
                problems.append(Problem(number, line.get("id"), line.get("field"), line.get("code", ""), line.get("message", ""), event))
        if result.returncode == 65 and not problems:
            raise error_from(result.stderr.decode("utf-8", "replace"), result.returncode)
        return problems

    def recorder(
        self, *, commit_interval: float = 0.1, commit_every: Optional[int] = None, max_restarts: int = 10,
    ) -> Recorder:
        """A ``Recorder``: one long-running streaming append that commits every
        ``commit_interval`` seconds (and every ``commit_every`` events), acknowledges each commit,
        and after a crash resends what was not acknowledged, so each event is recorded once."""
        return Recorder(self, commit_interval=commit_interval, commit_every=commit_every, max_restarts=max_restarts)

    # Reading

    def head(self) -> Head:
        value = self._json(["head"])
        return Head(int(value["seq"]), value["hash"])

    def entry(self, id: str) -> Entry:
        """The entry recorded under ``id``, with its links (``NotFound`` when none is)."""
        return Entry.from_json(self._json(["show", "--", id]) if id.startswith("-") else self._json(["show", id]))

    def entries(
        self, *, kind: Optional[str] = None, level: Optional[int] = None, from_seq: Optional[int] = None, limit: Optional[int] = None,
    ) -> Iterator[Entry]:
        """The entries in sequence order, streamed (a ledger of millions is not held in memory)."""
        arguments = ["log"]
        if kind is not None:
            arguments += ["--kind", kind]
        if level is not None:
            arguments += ["--level", str(level)]
        if from_seq is not None:
            arguments += ["--from", str(from_seq)]
        arguments += ["--limit", str(limit if limit is not None else 2**31 - 1)]
        process = subprocess.Popen(self._command(arguments), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            for raw in process.stdout:  # type: ignore[union-attr]
                yield Entry.from_json(json.loads(raw))
        finally:
            process.stdout.close()  # type: ignore[union-attr]
            stderr = process.stderr.read()  # type: ignore[union-attr]
            process.wait()
        if process.returncode not in (0, -13):
            raise error_from(stderr.decode("utf-8", "replace"), process.returncode)

    def entries_frame(self, **filters: Any) -> Any:
        """``entries(**filters)`` as a pandas DataFrame, one row per entry, the body's fields as
        ``body.*`` columns."""
        rows = []
        for entry in self.entries(**filters):
            rows.append({"seq": entry.seq, "id": entry.id, "kind": entry.kind, "level": entry.level, "time": entry.time,
                         "hash": entry.hash, "body": entry.body})
        return _frame(rows)

    def lineage(self, id: str, *, direction: str = "both", depth: Optional[int] = None, via: Optional[Sequence[str]] = None,
                limit: Optional[int] = None) -> Dict[str, Any]:
        """The entries upstream and/or downstream of ``id`` (``lineage --format json``)."""
        arguments = ["lineage", "--direction", direction]
        if depth is not None:
            arguments += ["--depth", str(depth)]
        if via:
            arguments += ["--via", ",".join(via)]
        arguments += ["--all"] if limit is None else ["--limit", str(limit)]
        return self._json(arguments + ["--", id])

    def stats(self) -> Dict[str, Any]:
        return self._json(["stats"])

    def verify(self, *, deep: bool = False, expect_head: Optional[Head] = None) -> Verification:
        """Recomputes the chain (and with ``deep`` the derived data and the Merkle tree). A damaged
        ledger gives ``intact=False`` with its faults, not an exception."""
        arguments = ["verify"] + (["--deep"] if deep else [])
        if expect_head is not None:
            arguments += ["--expect-head", str(expect_head)]
        value = self._json(arguments, ok=(0, 1))
        head = value.get("head") or {"seq": 0, "hash": ""}
        return Verification(
            intact=bool(value["intact"]), entries=int(value["entries"]), head=Head(int(head["seq"]), head["hash"]),
            fault_count=int(value["fault_count"]), faults=list(value.get("faults", [])),
            first_damaged_seq=value.get("first_damaged_seq"), deep=bool(value.get("deep")), seconds=float(value.get("seconds", 0)),
        )

    def report(self, *, deep: bool = False, allow_unverified: bool = False) -> Report:
        """The compounding-errors report. Refuses (``VerificationFailed``) a ledger that does not
        verify, unless ``allow_unverified``."""
        arguments = ["report"] + (["--deep"] if deep else []) + (["--allow-unverified"] if allow_unverified else [])
        return Report(self._json(arguments))

    def trace(self, id: str) -> Dict[str, Any]:
        """How an error at ``id`` propagates through the rest of the recursion (``trace``)."""
        return self._json(["trace", "--", id])


def _append_result(value: Dict[str, Any]) -> AppendResult:
    head = value.get("head") or {"seq": 0, "hash": ""}
    return AppendResult(
        appended=int(value["appended"]), first_seq=int(value["first_seq"]), last_seq=int(value.get("last_seq", head["seq"])),
        head=Head(int(head["seq"]), head["hash"]), by_kind=dict(value.get("by_kind", {})),
        already_recorded=[tuple(pair) for pair in value.get("already_recorded", [])], dry_run=bool(value.get("dry_run")),
    )
