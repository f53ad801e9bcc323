"""Appending, retrying, checking and reading back, against the real binary."""

import sqlite3

import pytest

import rrm_ledger as rl


def pipeline():
    return [
        rl.model("policy-0", level=0, role="policy"),
        rl.model("critic-0", level=0, role="critic", base="policy-0"),
        rl.output("out-1", model="policy-0", task="humaneval/1", content="def f():\n    return 1\n"),
        rl.critique("crit-1", critic="critic-0", targets=["out-1"], text="fine", findings=[rl.claim("off by one", severity="low")]),
        rl.label("label-1", rater="human:alice", targets=["out-1"], value={"score": 5}, assisted_by=["crit-1"]),
        rl.dataset("prefs-0", members=["label-1"]),
        rl.model("rm-0", level=0, role="reward_model", trained_on=["prefs-0"]),
        rl.finding("audit-1", about="crit-1", verdict="erroneous", auditor="human:dana", error_type="sycophancy"),
    ]


def test_an_append_lands_whole_and_reads_back(ledger):
    events = pipeline()
    result = ledger.append(events)
    assert (result.appended, result.first_seq, result.last_seq) == (8, 1, 8)
    assert result.by_kind == {"model": 3, "output": 1, "critique": 1, "label": 1, "dataset": 1, "finding": 1}
    assert ledger.head() == result.head
    entry = ledger.entry("label-1")
    assert entry.seq == 5 and entry.kind == "label" and entry.body["value"] == {"score": 5}
    assert {parent["id"] for parent in entry.parents} == {"out-1", "crit-1"}
    assert [e.id for e in ledger.entries(kind="model")] == ["policy-0", "critic-0", "rm-0"]
    assert [e.seq for e in ledger.entries(from_seq=7)] == [7, 8]
    verification = ledger.verify(deep=True)
    assert verification and verification.entries == 8 and verification.head == result.head
    assert "out-1" in {e["id"] for e in ledger.lineage("rm-0", direction="up")["entries"]}


def test_resending_a_batch_that_landed_records_nothing_twice(ledger):
    events = pipeline()
    ledger.append(events)
    again = ledger.append(events)
    assert again.appended == 0
    assert again.already_recorded == [(1, 8)] and again.already_recorded_count == 8
    assert ledger.head().seq == 8


def test_another_event_under_a_taken_id_is_a_conflict_naming_the_difference(ledger):
    ledger.append(pipeline())
    changed = rl.output("out-1", model="policy-0", task="humaneval/2", time=ledger.entry("out-1").time)
    with pytest.raises(rl.IdConflict) as conflict:
        ledger.append([rl.output("out-2", model="policy-0", task="t"), changed])
    error = conflict.value
    assert error.exit_status == 3 and error.code == "id_conflict"
    assert error.seq == 3 and error.line == 2 and error.event is changed
    assert '"task" is "humaneval/1" in the entry and "humaneval/2" in this event' in error.differences
    assert ledger.head().seq == 8


def test_a_refused_event_names_its_line_field_and_event(ledger):
    ledger.append(pipeline()[:1])
    bad = rl.output("out-9", model="nobody", task="t")
    with pytest.raises(rl.BadEvent) as refused:
        ledger.append([rl.output("out-8", model="policy-0", task="t"), bad])
    assert (refused.value.line, refused.value.field, refused.value.id) == (2, "model", "out-9")
    assert refused.value.event is bad
    assert ledger.head().seq == 1


def test_check_reports_every_bad_event_and_appends_nothing(ledger):
    ledger.append(pipeline()[:1])
    events = [
        rl.output("a", model="nobody", task="t"),
        rl.output("b", model="policy-0", task="t"),
        rl.label("c", rater="human:x", targets=["ghost"], value=1),
    ]
    problems = ledger.check(events)
    assert [(p.line, p.field) for p in problems] == [(1, "model"), (3, "targets[0]")]
    assert problems[1].event is events[2]
    assert ledger.check(events[1:2]) == []
    assert ledger.head().seq == 1


def test_failures_are_typed(tmp_path, binary):
    missing = rl.Ledger(str(tmp_path / "none.sqlite"), binary=binary)
    with pytest.raises(rl.NotFound) as absent:
        missing.head()
    assert absent.value.code == "not_found" and absent.value.exit_status == 66
    existing = rl.Ledger.create(str(tmp_path / "x.sqlite"), binary=binary)
    with pytest.raises(rl.LedgerError) as again:
        rl.Ledger.create(existing.path, binary=binary)
    assert again.value.code == "already_exists" and again.value.exit_status == 73
    with pytest.raises(rl.NotFound):
        existing.entry("ghost")


def test_a_tampered_ledger_does_not_verify_and_the_report_refuses_it(ledger):
    ledger.append(pipeline())
    with sqlite3.connect(ledger.path) as db:
        db.execute("DROP TRIGGER IF EXISTS entry_no_update")
        triggers = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'entry'")]
        for name in triggers:
            db.execute(f'DROP TRIGGER "{name}"')
        db.execute("UPDATE entry SET body = replace(body, 'alice', 'mallory') WHERE id = 'label-1'")
    verification = ledger.verify()
    assert not verification.intact
    assert verification.first_damaged_seq == 5 and verification.fault_count >= 1
    with pytest.raises(rl.VerificationFailed):
        ledger.report()


def test_the_report_and_its_frames(demo):
    report = demo.report()
    assert [level["level"] for level in report.levels] == sorted(level["level"] for level in report.levels)
    assert len(report.levels) >= 3
    assert all("estimand" in claim and "p_adjusted" in claim for claim in report.claims)
    assert all(claim["significant"] for claim in report.significant_claims)
    assert report["basis"]["verified"] is True
    pandas = pytest.importorskip("pandas")
    levels = report.levels_frame()
    assert isinstance(levels, pandas.DataFrame) and list(levels["level"]) == [level["level"] for level in report.levels]
    frame = demo.entries_frame(kind="model")
    assert set(frame["kind"]) == {"model"} and "body.role" in frame.columns
    assert len(frame) == len(list(demo.entries(kind="model")))


def test_the_client_and_the_binary_have_one_version(binary):
    import subprocess

    printed = subprocess.run([binary, "--version"], capture_output=True, text=True, check=True).stdout.strip()
    assert printed == rl.__version__
