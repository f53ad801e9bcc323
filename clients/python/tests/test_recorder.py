"""The streaming recorder: acknowledged commits, flush, and exactly-once recording through kills."""

import os
import random
import signal
import threading
import time

import pytest

import rrm_ledger as rl


def test_events_become_durable_and_readable_while_recording_goes_on(ledger):
    with ledger.recorder(commit_interval=0.05) as recorder:
        recorder.send(rl.model("m", level=0, role="policy"))
        recorder.send_all(rl.output(f"o{i}", model="m", task="t") for i in range(200))
        recorder.flush(timeout=20)
        assert recorder.acknowledged == 201 and recorder.pending == 0
        # Another process reads what was acknowledged while the recorder is still open.
        assert ledger.head() == recorder.head and ledger.head().seq == 201
        # And another writer takes its turn between commits.
        ledger.append([rl.output("other", model="m", task="t")])
        recorder.send(rl.output("o-last", model="m", task="t"))
    assert recorder.appended == 202 and recorder.restarts == 0
    assert ledger.head().seq == 203
    assert ledger.verify(deep=True)


def test_a_commit_arrives_within_the_interval_without_more_events(ledger):
    with ledger.recorder(commit_interval=0.05) as recorder:
        recorder.send(rl.model("m", level=0, role="policy"))
        started = time.monotonic()
        while recorder.acknowledged < 1:
            assert time.monotonic() - started < 5, "no acknowledgement within 5 s"
            time.sleep(0.005)


def test_killed_streaming_processes_lose_nothing_and_record_each_event_once(ledger):
    rounds = int(os.environ.get("RRM_CLIENT_KILLS", "6"))
    rng = random.Random(20261203)
    total = 3000
    stop = threading.Event()
    with ledger.recorder(commit_interval=0.01, commit_every=100) as recorder:
        def killer():
            for _ in range(rounds):
                time.sleep(rng.uniform(0.02, 0.15))
                try:
                    os.kill(recorder.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            stop.set()

        recorder.send(rl.model("m", level=0, role="policy"))
        thread = threading.Thread(target=killer)
        thread.start()
        for i in range(total):
            recorder.send(rl.output(f"o{i}", model="m", task="t"))
            if i % 50 == 0:
                time.sleep(0.002)
        thread.join()
        recorder.flush(timeout=60)
    assert recorder.restarts >= 1
    assert recorder.acknowledged >= total + 1
    assert ledger.head().seq == total + 1
    ids = [entry.id for entry in ledger.entries()]
    assert len(ids) == len(set(ids)) == total + 1
    assert ledger.verify(deep=True)


def test_a_refused_event_ends_recording_with_its_error_and_event(ledger):
    recorder = ledger.recorder(commit_interval=0.05)
    recorder.send(rl.model("m", level=0, role="policy"))
    bad = rl.output("o", model="nobody", task="t")
    recorder.send(bad)
    with pytest.raises(rl.BadEvent) as refused:
        recorder.flush(timeout=20)
        recorder.close()
    assert refused.value.field == "model"
    assert refused.value.event is bad
    with pytest.raises(rl.BadEvent):
        recorder.send(rl.output("o2", model="m", task="t"))


def test_send_all_records_in_chunks_in_order(ledger):
    events = [rl.model("m", level=0, role="policy")] + [rl.output(f"o{i}", model="m", task="t") for i in range(2500)]
    with ledger.recorder(commit_interval=0.05) as recorder:
        recorder.send_all(events, chunk=1000)
    assert recorder.acknowledged == len(events)
    assert [entry.id for entry in ledger.entries(limit=3)] == ["m", "o0", "o1"]
    assert ledger.head().seq == len(events)
