"""rrm_ledger.analytics: archives read into DuckDB reproduce the report's per-level counts."""

import json
import subprocess
from pathlib import Path

import pytest

import rrm_ledger as rl

duckdb = pytest.importorskip("duckdb", reason="pip install duckdb fsspec (tools/test installs them)")
import rrm_ledger.analytics as ra  # noqa: E402


def simulated_archive(binary: str, folder: Path, name: str, seed: int) -> tuple:
    ledger = folder / f"{name}.sqlite"
    archive = folder / f"{name}.tar.gz"
    run = lambda *arguments: subprocess.run([binary, *arguments], check=True, capture_output=True).stdout  # noqa: E731
    run("simulate", "--ledger", str(ledger), "--outputs", "120", "--levels", "3", "--audit-rate", "0.3", "--seed", str(seed))
    run("export", "--ledger", str(ledger), "--out", str(archive))
    report = json.loads(run("report", "--ledger", str(ledger), "--format", "json"))
    origin = json.loads(subprocess.run(["tar", "xzOf", str(archive), "rrm-archive/manifest.json"], check=True,
                                       capture_output=True).stdout)["origin"]
    return archive, report, origin


def expected_counts(report: dict) -> dict:
    """(level, kind) → (entries, audited, erroneous) as the report states them."""
    counts = {}
    for level in report["levels"]:
        for kind, entries in level["entries"].items():
            audits = level["audits"].get(kind)
            counts[(level["level"], kind)] = (entries, audits["trials"] if audits else None, audits["events"] if audits else None)
    return counts


def test_an_archive_in_duckdb_gives_the_reports_counts(tmp_path: Path, binary: str) -> None:
    archive, report, origin = simulated_archive(binary, tmp_path, "a", 5)
    con = ra.load_archives([str(archive)], binary=binary)
    rows = ra.level_counts(con)
    assert {row["ledger"] for row in rows} == {origin}
    expected = expected_counts(report)
    assert {(row["level"], row["kind"]) for row in rows} == set(expected)
    for row in rows:
        entries, audited, erroneous = expected[(row["level"], row["kind"])]
        assert row["entries"] == entries
        if audited is not None:  # the report rates labels and critiques
            assert (row["audited"], row["erroneous"]) == (audited, erroneous), row
    assert con.execute("SELECT count(*) FROM entries").fetchone()[0] == report["basis"]["head"]["seq"]


def test_several_ledgers_combine_in_one_table_and_keep_their_own_counts(tmp_path: Path, binary: str) -> None:
    first = simulated_archive(binary, tmp_path, "site-a", 1)
    second = simulated_archive(binary, tmp_path, "site-b", 2)
    con = ra.load_archives([str(first[0]), str(second[0])], binary=binary)
    rows = ra.level_counts(con)
    for archive, report, origin in (first, second):
        expected = expected_counts(report)
        mine = [row for row in rows if row["ledger"] == origin]
        assert {(row["level"], row["kind"]): row["entries"] for row in mine} == {k: v[0] for k, v in expected.items()}
    # Pooled across sites, per level: what a lab with many ledgers asks.
    pooled = con.execute("SELECT level, count(*) FROM entries WHERE kind = 'label' GROUP BY level ORDER BY level").fetchall()
    assert [count for _, count in pooled] == [
        sum(r["levels"][level]["entries"]["label"] for r in (first[1], second[1])) for level in range(len(first[1]["levels"]))]


def test_an_archive_that_does_not_verify_is_refused_and_nothing_of_it_loaded(tmp_path: Path, binary: str) -> None:
    archive, _, _ = simulated_archive(binary, tmp_path, "a", 5)
    damaged = tmp_path / "damaged.tar.gz"
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0x01
    damaged.write_bytes(bytes(data))
    con = duckdb.connect()
    with pytest.raises(rl.LedgerError):
        ra.load_archives([str(damaged)], con, binary=binary)
    assert con.execute("SELECT count(*) FROM entries").fetchone()[0] == 0


def test_format_1_and_format_2_archives_load_the_same_rows(tmp_path: Path, binary: str) -> None:
    """Format 2 stores bodies alone: the seq, hash and level the loader derives are the ones a
    format-1 archive of the same ledger states, for a full archive and an increment after it."""
    ledger = tmp_path / "l.sqlite"
    run = lambda *arguments: subprocess.run([binary, *arguments], check=True, capture_output=True).stdout  # noqa: E731
    run("simulate", "--ledger", str(ledger), "--outputs", "60", "--levels", "3", "--audit-rate", "0.3", "--seed", "9")
    run("keygen", "--ledger", str(ledger), "--out", str(tmp_path / "k"))
    run("checkpoint", "--ledger", str(ledger), "--key", str(tmp_path / "k.key"))
    size = int(run("head", "--ledger", str(ledger)).decode().split(":")[0])
    run("export", "--ledger", str(ledger), "--out", str(tmp_path / "base-1.tar.gz"), "--archive-version", "1")
    run("export", "--ledger", str(ledger), "--out", str(tmp_path / "base-2.tar.gz"), "--pseudonymise")
    findings = "".join(json.dumps({"kind": "finding", "id": f"late-{n}", "about": f"L1-label-{n}", "verdict": "erroneous",
                                   "auditor": "human:zoe", "error_type": "mislabel"}) + "\n" for n in range(5))
    subprocess.run([binary, "append", "--ledger", str(ledger), "-"], input=findings.encode(), check=True, capture_output=True)
    run("checkpoint", "--ledger", str(ledger), "--key", str(tmp_path / "k.key"))
    run("export", "--ledger", str(ledger), "--out", str(tmp_path / "inc-1.tar.gz"), "--since", str(size), "--archive-version", "1")
    run("export", "--ledger", str(ledger), "--out", str(tmp_path / "inc-2.tar.gz"), "--since", str(size))
    query = "SELECT seq, level, kind, id, hash FROM entries ORDER BY seq"
    one = ra.load_archives([str(tmp_path / "base-1.tar.gz"), str(tmp_path / "inc-1.tar.gz")], binary=binary).execute(query).fetchall()
    two = ra.load_archives([str(tmp_path / "base-2.tar.gz"), str(tmp_path / "inc-2.tar.gz")], binary=binary).execute(query).fetchall()
    assert len(one) == size + 5
    assert one == two
