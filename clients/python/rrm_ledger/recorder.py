"""Recording into a ledger through one long-running streaming ``rrm-ledger append``.

The recorder keeps every event it sent until an acknowledgement covers it. A streaming append
acknowledges each commit with one JSON line (``{"type": "commit", "appended", "already_recorded",
…}``) and commits in input order, so the acknowledgements consume the sent events from the front.
If the process dies (it was killed, the machine ran out of memory, another writer held the lock
too long) the recorder starts another and sends every unacknowledged event again: those that had
landed without their acknowledgement reaching us are recognised as already recorded, the rest are
appended, and each event ends up recorded exactly once (docs/EVENTS.md, "Retries").
"""

from __future__ import annotations

import collections
import json
import subprocess
import threading
import time as _time
from typing import IO, TYPE_CHECKING, Any, Deque, Dict, List, Optional, Tuple

from .errors import LedgerError, WireFormatError, error_from
from .events import Event, check_value

if TYPE_CHECKING:
    from .ledger import Head, Ledger

#: Exit statuses after which sending the unacknowledged events to a new process is the remedy:
#: killed by a signal (negative), the lock held too long (75), an I/O error (74).
_RESTARTABLE = (75, 74)


def encode(event: Event) -> bytes:
    """One event as a line of JSON, checked as the wire format requires (``WireFormatError``)."""
    if type(event) is not Event:
        # The helpers' events were checked as they were made.
        if not isinstance(event, dict):
            raise WireFormatError("", f"an event is a dict, not {type(event).__name__}")
        check_value(event, "")
    try:
        text = json.dumps(event, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        return text.encode("utf-8") + b"\n"
    except UnicodeEncodeError as error:
        raise WireFormatError("", f"holds a lone surrogate ({error.reason}); JSON text must be valid Unicode") from None


class _Session:
    """One ``rrm-ledger append`` process and what came back from it."""

    def __init__(self, command: List[str], on_ack: Any) -> None:
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=1 << 16)
        self.stdin: IO[bytes] = self.process.stdin  # type: ignore[assignment]
        #: Lines of this process acknowledged so far: line ``acknowledged + 1`` is the oldest unacknowledged event.
        self.acknowledged = 0
        self.stderr_lines: List[str] = []
        self.summary: Optional[Dict[str, Any]] = None
        self.ended = threading.Event()
        self._on_ack = on_ack
        self._stdout = threading.Thread(target=self._read_acknowledgements, daemon=True)
        self._stderr = threading.Thread(target=self._read_errors, daemon=True)
        self._stdout.start()
        self._stderr.start()

    def _read_acknowledgements(self) -> None:
        for raw in self.process.stdout:  # type: ignore[union-attr]
            try:
                line = json.loads(raw)
            except ValueError:
                continue
            if line.get("type") == "commit":
                self._on_ack(self, line)
            elif line.get("type") == "summary":
                self.summary = line
        self._stderr.join()
        self.process.wait()
        self.ended.set()

    def _read_errors(self) -> None:
        for raw in self.process.stderr:  # type: ignore[union-attr]
            self.stderr_lines.append(raw.decode("utf-8", "replace"))

    @property
    def returncode(self) -> Optional[int]:
        return self.process.returncode if self.ended.is_set() else None

    def error(self) -> LedgerError:
        return error_from("".join(self.stderr_lines), self.process.returncode)


def _count(ranges: List[List[int]]) -> int:
    return sum(last - first + 1 for first, last in ranges)


class Recorder:
    """Sends events to a ledger as they happen; see ``Ledger.recorder``.

    ``send`` returns once the event is on its way; ``flush`` waits until every event sent is
    durable; ``close`` (or leaving the ``with`` block) flushes and ends the process. Thread-safe:
    several threads may send.
    """

    def __init__(
        self, ledger: "Ledger", *, commit_interval: float = 0.1, commit_every: Optional[int] = None, max_restarts: int = 10,
        flush_interval: float = 0.005,
    ) -> None:
        self._ledger = ledger
        command = [ledger.binary, "append", "--ledger", ledger.path, "--format", "json", "--wait", repr(float(ledger.wait))]
        command += ["--commit-interval", repr(float(commit_interval))]
        if commit_every is not None:
            command += ["--commit-every", str(int(commit_every))]
        self._command = command + ["-"]
        self._max_restarts = max_restarts
        self._flush_interval = flush_interval
        #: Guards the queue and the figures; held only briefly, never while writing to the process.
        self._state = threading.Condition()
        #: Serialises writes (and restarts), which may block on a full pipe.
        self._writing = threading.Lock()
        self._unacknowledged: Deque[Tuple[bytes, Event]] = collections.deque()
        self._failure: Optional[LedgerError] = None
        self._dirty = False
        self._closed = False
        self.sent = 0
        """Events sent."""
        self.acknowledged = 0
        """Events acknowledged as durable: appended, or found already recorded."""
        self.appended = 0
        """Events appended (not counting those found already recorded)."""
        self.already_recorded = 0
        """Events found already recorded: retries of events that had landed."""
        self.restarts = 0
        """Times the streaming process died and was started again."""
        self.commits = 0
        """Commits acknowledged."""
        self.head: Optional["Head"] = None
        """The ledger's head after the last acknowledged commit."""
        self._failed_restarts = 0
        self._session = _Session(self._command, self._acknowledge)
        self._flusher = threading.Thread(target=self._flush_periodically, daemon=True)
        self._flusher.start()

    # Sending

    def send(self, event: Event) -> None:
        """Sends one event. Raises ``WireFormatError`` for an event the wire format refuses (nothing
        is sent), and the ``LedgerError`` that ended recording, if one did."""
        line = encode(event)
        with self._writing:
            self._raise_failure()
            with self._state:
                self._unacknowledged.append((line, event))
                self.sent += 1
            self._write(line)

    def send_all(self, events: Any, *, chunk: int = 1024) -> None:
        """Sends each event of an iterable, in order, ``chunk`` at a time (one lock and one write
        per chunk: faster than ``send`` per event). An event the wire format refuses raises
        ``WireFormatError`` before its chunk is sent; the chunks before it are sent."""
        batch: List[Tuple[bytes, Event]] = []
        for event in events:
            batch.append((encode(event), event))
            if len(batch) == chunk:
                self._send_chunk(batch)
                batch = []
        if batch:
            self._send_chunk(batch)

    def _send_chunk(self, batch: List[Tuple[bytes, Event]]) -> None:
        with self._writing:
            self._raise_failure()
            with self._state:
                self._unacknowledged.extend(batch)
                self.sent += len(batch)
            self._write(b"".join(line for line, _ in batch))

    def _write(self, line: bytes) -> None:
        """Writes to the current process, starting another (and resending) if it died."""
        try:
            self._session.stdin.write(line)
            self._dirty = True
        except (BrokenPipeError, OSError, ValueError):
            self._recover()

    def _flush_periodically(self) -> None:
        while not self._closed:
            _time.sleep(self._flush_interval)
            if self._dirty and self._writing.acquire(blocking=False):
                try:
                    self._flush_pipe()
                finally:
                    self._writing.release()

    def _flush_pipe(self) -> None:
        if not self._dirty:
            return
        try:
            self._session.stdin.flush()
            self._dirty = False
        except (BrokenPipeError, OSError, ValueError):
            self._recover()

    # Acknowledgements and recovery

    def _acknowledge(self, session: _Session, line: Dict[str, Any]) -> None:
        appended = int(line.get("appended", 0))
        already = _count(line.get("already_recorded", []))
        from .ledger import Head

        with self._state:
            for _ in range(appended + already):
                if self._unacknowledged:
                    self._unacknowledged.popleft()
            session.acknowledged += appended + already
            self.acknowledged += appended + already
            self.appended += appended
            self.already_recorded += already
            self.commits += 1
            self._failed_restarts = 0
            head = line.get("head") or {}
            self.head = Head(int(head.get("seq", 0)), str(head.get("hash", "")))
            self._state.notify_all()

    def _recover(self) -> None:
        """The process ended early (the caller holds ``_writing``): start another and resend
        everything unacknowledged, or record why recording cannot go on."""
        while True:
            session = self._session
            try:
                session.stdin.close()
            except (BrokenPipeError, OSError, ValueError):
                pass
            session.ended.wait()
            code = session.process.returncode
            if code == 0 and not self._unacknowledged:
                return
            if code is not None and code > 0 and code not in _RESTARTABLE:
                error = session.error()
                if error.line is not None:
                    index = error.line - session.acknowledged - 1
                    with self._state:
                        if 0 <= index < len(self._unacknowledged):
                            error.event = self._unacknowledged[index][1]
                self._fail(error)
                return
            if self._failed_restarts >= self._max_restarts:
                error = session.error()
                self._fail(LedgerError(
                    "gave_up", code or -1,
                    f"the streaming append ended {self._failed_restarts + 1} times in a row without progress; last: {error.message}"))
                return
            self._failed_restarts += 1
            self.restarts += 1
            self._session = _Session(self._command, self._acknowledge)
            with self._state:
                pending = [line for line, _ in self._unacknowledged]
            try:
                for line in pending:
                    self._session.stdin.write(line)
                self._session.stdin.flush()
                self._dirty = False
                return
            except (BrokenPipeError, OSError, ValueError):
                continue

    def _fail(self, error: LedgerError) -> None:
        with self._state:
            self._failure = error
            self._state.notify_all()

    def _raise_failure(self) -> None:
        if self._failure is not None:
            raise self._failure

    # Waiting

    def flush(self, timeout: Optional[float] = None) -> None:
        """Waits until every event sent so far is acknowledged (durable), restarting the process
        if it dies meanwhile. Raises ``TimeoutError`` after ``timeout`` seconds, and the
        ``LedgerError`` that ended recording, if one did."""
        deadline = None if timeout is None else _time.monotonic() + timeout
        with self._writing:
            self._flush_pipe()
        while True:
            with self._state:
                self._raise_failure()
                if not self._unacknowledged:
                    return
                if deadline is not None and _time.monotonic() > deadline:
                    raise TimeoutError(f"{len(self._unacknowledged)} events still unacknowledged after {timeout} s")
                self._state.wait(0.05)
            if self._session.ended.is_set():
                with self._writing:
                    if self._session.ended.is_set():
                        self._recover()

    def close(self) -> None:
        """Flushes, then ends the streaming process. Idempotent."""
        if self._closed:
            return
        try:
            self.flush()
        finally:
            self._closed = True
            with self._writing:
                try:
                    self._session.stdin.close()
                except (BrokenPipeError, OSError, ValueError):
                    pass
            self._session.ended.wait()
        code = self._session.process.returncode
        if code not in (0, None) and self._failure is None:
            # Everything was acknowledged; the process failed after (an empty input, for one).
            if self.sent:
                error = self._session.error()
                if error.code != "empty_input":
                    raise error

    @property
    def pending(self) -> int:
        """Events sent but not yet acknowledged."""
        with self._state:
            return len(self._unacknowledged)

    @property
    def pid(self) -> int:
        """The current streaming process's id (for tests and operators that want to watch it)."""
        return self._session.process.pid

    def __enter__(self) -> "Recorder":
        return self

    def __exit__(self, kind: Any, value: Any, traceback: Any) -> None:
        if kind is None:
            self.close()
        else:
            # An exception is leaving the block: end the process without waiting for more.
            self._closed = True
            try:
                self._session.stdin.close()
            except (BrokenPipeError, OSError, ValueError):
                pass
