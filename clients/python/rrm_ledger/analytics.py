"""Analyses beyond one SQLite file: archives (docs/ARCHIVES.md) read into DuckDB.

    import rrm_ledger.analytics as ra

    con = ra.load_archives(["team-a.tar.gz", "team-b.tar.gz"])   # verified first, then one table
    for row in ra.level_counts(con):
        print(row)                     # {'ledger': ..., 'level': 0, 'kind': 'label', 'entries': ..., ...}
    con.sql("SELECT ledger, count(*) FROM entries GROUP BY ledger").show()

Each archive is read front to back as a gzip stream, its entries members handed to DuckDB's
JSON reader as they come (nothing is unpacked to disk). The table ``entries`` holds one row per
entry: ``ledger`` (the archive's origin, from its manifest), ``seq``, ``level``, ``kind``, ``id``,
``hash`` and ``body`` (the canonical JSON the chain hashes; query it with ``body->>'$.field'``).
A format-1 archive states each entry's seq, level and hash; a format-2 archive holds the bodies
alone (docs/ARCHIVES.md), so seq comes from the position, the hash is recomputed along the chain
and the level is derived as the ledger derives it (docs/EVENTS.md, "Levels"), from the entries
loaded into the table for the same ledger (NULL when an entry it depends on was not loaded: an
increment whose base is not in the table).
DuckDB checks nothing: by default each archive is verified with ``rrm-ledger verify-archive``
first (``key`` adds its signature), and one that fails is refused. docs/SCALING.md says how a
lab with many ledgers combines them this way, with figures.

Needs the ``duckdb`` and ``fsspec`` packages (``pip install 'rrm-ledger[analytics]'``).
"""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import tarfile
from typing import Any, Dict, Iterable, Iterator, List, Optional

from ._binary import find_binary
from .errors import error_from

#: The columns read from each format-1 archive line (docs/ARCHIVES.md, format 1, section 3).
_LINE_COLUMNS = {"seq": "BIGINT", "level": "BIGINT", "hash": "VARCHAR", "body": "VARCHAR"}

#: The columns of the rows made from a format-2 archive's bodies.
_DERIVED_COLUMNS = {"seq": "BIGINT", "level": "BIGINT", "hash": "VARCHAR", "body": "JSON"}

#: The body fields whose entries an entry's level follows (docs/EVENTS.md, "Levels"): a model
#: declares its level; everything else is at the highest level of the entries these name.
_LEVEL_REFERENCES = {"output": ("model",), "critique": ("targets",), "label": ("targets",),
                     "dataset": ("members", "extends"), "finding": ("about",)}


def _level(body: Dict[str, Any], levels: Dict[str, Optional[int]]) -> Optional[int]:
    if body.get("kind") == "model":
        return body.get("level")
    level = 0
    for field in _LEVEL_REFERENCES.get(body.get("kind"), ()):
        value = body.get(field)
        for reference in value if isinstance(value, list) else ([] if value is None else [value]):
            referenced = levels.get(reference)
            if referenced is None:
                return None
            level = max(level, referenced)
    return level


class _ChainOfBodies:
    """A format-2 archive's entries as rows: seq from the position (after ``first``), the hash
    recomputed as docs/FORMAT.md defines it, the level derived."""

    def __init__(self, first_seq: int, previous_hash: bytes, levels: Dict[str, Optional[int]]) -> None:
        self.seq = first_seq - 1
        self.previous = previous_hash
        self.levels = levels
        self.original_digest: Optional[bytes] = None

    def rows(self, member: Any) -> Iterator[bytes]:
        for line in member:
            line = line.rstrip(b"\n")
            if line.startswith(b"["):
                self.original_digest = bytes.fromhex(json.loads(line)[0]["body_sha256"])
                continue
            self.seq += 1
            digest = self.original_digest or hashlib.sha256(line).digest()
            self.original_digest = None
            self.previous = hashlib.sha256(self.previous + self.seq.to_bytes(8, "big") + digest).digest()
            body = json.loads(line)
            level = _level(body, self.levels)
            self.levels[body["id"]] = level
            yield (b'{"seq":%d,"level":%s,"hash":"%s","body":' % (self.seq, b"null" if level is None else str(level).encode(),
                                                                 self.previous.hex().encode()) + line + b"}\n")


def load_archives(paths: Iterable[str], connection: Any = None, *, table: str = "entries", verify: bool = True,
                  key: Optional[str] = None, binary: Optional[str] = None) -> Any:
    """Reads the entries of full or incremental archives into the DuckDB table ``table`` (made if
    missing) of ``connection`` (a new in-memory one if none), and returns the connection.

    With ``verify`` (the default) each archive is first checked by ``rrm-ledger verify-archive``
    (with ``key``, its checkpoint's signature too); a failure raises the client's error for it
    (``VerificationFailed``, ``WireFormatError`` …) and nothing of that archive is loaded."""
    import duckdb

    con = connection if connection is not None else duckdb.connect()
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {table} (ledger VARCHAR, seq BIGINT, level BIGINT, kind VARCHAR, id VARCHAR, "
        "hash VARCHAR, body JSON)")
    for path in paths:
        if verify:
            arguments = [find_binary(binary), "verify-archive", path, "--format", "json"] + (["--key", key] if key else [])
            result = subprocess.run(arguments, capture_output=True)
            if result.returncode != 0:
                raise error_from(result.stderr.decode("utf-8", "replace") or result.stdout.decode("utf-8", "replace"),
                                 result.returncode)
        ledger = path
        chain: Optional[_ChainOfBodies] = None
        with tarfile.open(path, "r|gz") as archive:
            for member in archive:
                stream = archive.extractfile(member)
                if stream is None:
                    continue
                if member.name == "rrm-archive/manifest.json":
                    manifest = json.load(stream)
                    if manifest.get("selection") == "slice":
                        raise ValueError(f"{path} is a slice: its entries are not a chain to analyse as a ledger")
                    ledger = manifest.get("origin") or path
                    if manifest.get("format") == "rrm-ledger-archive/2":
                        base = manifest.get("base")
                        levels = dict(con.execute(f"SELECT id, level FROM {table} WHERE ledger = ?", [ledger]).fetchall())
                        chain = _ChainOfBodies(base["size"] + 1 if base else 1,
                                               bytes.fromhex(base["entry_hash"]) if base else bytes(32), levels)
                elif member.name.startswith("rrm-archive/entries-") and chain is not None:
                    rows = io.BytesIO(b"".join(chain.rows(stream)))
                    con.register("rrm_archive_lines", con.read_json(rows, format="newline_delimited", columns=_DERIVED_COLUMNS))
                    con.execute(
                        f"INSERT INTO {table} SELECT ?, seq, level, body->>'$.kind', body->>'$.id', hash, body "
                        "FROM rrm_archive_lines", [ledger])
                    con.unregister("rrm_archive_lines")
                elif member.name.startswith("rrm-archive/entries-"):
                    con.register("rrm_archive_lines", con.read_json(stream, format="newline_delimited", columns=_LINE_COLUMNS))
                    con.execute(
                        f"INSERT INTO {table} SELECT ?, seq, level, body::JSON->>'$.kind', body::JSON->>'$.id', hash, body::JSON "
                        "FROM rrm_archive_lines", [ledger])
                    con.unregister("rrm_archive_lines")
    return con


#: Per ledger, level and kind: entries, entries audited (that have a finding) and entries whose
#: latest finding (by sequence number, as the ledger's latest_finding view) says erroneous: the
#: counts behind the report's per-level rates.
LEVEL_COUNTS = """
WITH latest AS (
    SELECT ledger, body->>'$.about' AS about, arg_max(body->>'$.verdict', seq) AS verdict
    FROM {table} WHERE kind = 'finding' GROUP BY ledger, about
)
SELECT e.ledger, e.level, e.kind, count(*) AS entries, count(l.verdict) AS audited,
       count(*) FILTER (WHERE l.verdict = 'erroneous') AS erroneous
FROM {table} e LEFT JOIN latest l ON l.ledger = e.ledger AND l.about = e.id
GROUP BY e.ledger, e.level, e.kind ORDER BY e.ledger, e.level, e.kind
"""


def level_counts(connection: Any, *, table: str = "entries") -> List[Dict[str, Any]]:
    """Rows of :data:`LEVEL_COUNTS` as dicts."""
    cursor = connection.execute(LEVEL_COUNTS.format(table=table))
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]
