"""rrm-ledger's Python client: record a recursive reward modelling pipeline into a hash-chained
audit ledger, and read it back.

    import rrm_ledger as rl

    ledger = rl.Ledger.create("run.sqlite")
    with ledger.recorder(commit_interval=0.1) as recorder:
        recorder.send(rl.model("policy-0", level=0, role="policy"))
        recorder.send(rl.output("out-0-1", model="policy-0", task="humaneval/1", content=code))
    print(ledger.verify().intact, ledger.report().significant_claims)

See clients/python/README.md, and docs/EVENTS.md for the events themselves.
"""

from ._binary import find_binary
from .errors import (
    BadEvent,
    IdConflict,
    LedgerBusy,
    LedgerError,
    NotFound,
    StorageError,
    UsageError,
    VerificationFailed,
    WireFormatError,
)
from .events import Event, claim, critique, dataset, finding, label, model, output
from .ledger import AppendResult, Entry, Head, Ledger, Problem, Report, Verification
from .recorder import Recorder

__all__ = [
    "AppendResult", "BadEvent", "Entry", "Event", "Head", "IdConflict", "Ledger", "LedgerBusy", "LedgerError", "NotFound",
    "Problem", "Recorder", "Report", "StorageError", "UsageError", "Verification", "VerificationFailed", "WireFormatError",
    "claim", "critique", "dataset", "finding", "find_binary", "label", "model", "output",
]
__version__ = "0.9.0"
