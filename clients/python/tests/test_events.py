"""The event helpers refuse, before sending, what the wire format refuses (docs/EVENTS.md)."""

import datetime as dt
import hashlib
import math

import pytest

import rrm_ledger as rl
from rrm_ledger.recorder import encode


def test_a_model_event_has_its_fields_and_a_utc_time():
    event = rl.model("policy-0", level=0, role="policy", time=dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=1))))
    assert event == {"kind": "model", "id": "policy-0", "time": "2026-03-02T09:00:00Z", "level": 0, "role": "policy"}


def test_every_event_gets_a_time_so_that_a_resend_is_identical():
    event = rl.output("o", model="m", task="t")
    assert event["time"].endswith("Z")
    assert encode(event) == encode(dict(event))


def test_an_output_with_content_carries_its_digest():
    event = rl.output("o", model="m", task="t", content="def f(): pass")
    assert event["content_sha256"] == hashlib.sha256(b"def f(): pass").hexdigest()
    with pytest.raises(rl.WireFormatError, match="content_sha256"):
        rl.output("o", model="m", task="t", content="x", content_sha256="0" * 64)


@pytest.mark.parametrize(
    "make, path",
    [
        (lambda: rl.model("m", level=0, role="policy", attributes={"lr": math.nan}), "attributes.lr"),
        (lambda: rl.model("m", level=0, role="policy", attributes={"x": [1, math.inf]}), "attributes.x[1]"),
        (lambda: rl.model("m", level=0, role="policy", attributes={"seed": 2**53 + 1}), "attributes.seed"),
        (lambda: rl.model("m", level=0, role="policy", attributes={1: "a"}), "attributes"),
        (lambda: rl.model("m", level=0, role="policy", attributes={"when": dt.date(2026, 1, 1)}), "attributes.when"),
        (lambda: rl.model("m", level=-1, role="policy"), "level"),
        (lambda: rl.model("m", level=True, role="policy"), "level"),
        (lambda: rl.model("", level=0, role="policy"), "id"),
        (lambda: rl.model("a\u001b]0;x", level=0, role="policy"), "id"),
        (lambda: rl.model("x" * 201, level=0, role="policy"), "id"),
        (lambda: rl.model("m", level=0, role="policy", time=dt.datetime(2026, 1, 1)), "time"),
        (lambda: rl.model("m", level=0, role="policy", time="2026-01-01 10:00"), "time"),
        (lambda: rl.critique("c", critic="k", targets=["o", "o"]), "targets"),
        (lambda: rl.critique("c", critic="k", targets="o"), "targets"),
        (lambda: rl.critique("c", critic="k", targets=["o"], findings=[{"claim": "x", "severity": "critical"}]), "findings[0].severity"),
        (lambda: rl.label("l", rater="human:", targets=["o"], value=1), "rater"),
        (lambda: rl.label("l", rater="human:a", targets=["a", "b", "c"], value=1), "targets"),
        (lambda: rl.label("l", rater="human:a", targets=["o"], value=None), "value"),
        (lambda: rl.finding("f", about="o", verdict="wrong", auditor="human:d"), "verdict"),
        (lambda: rl.dataset("d", members=[]), "members"),
    ],
)
def test_refuses_what_the_wire_format_refuses_naming_the_field(make, path):
    with pytest.raises(rl.WireFormatError) as refused:
        make()
    assert refused.value.path == path


def test_a_hand_made_event_is_checked_when_sent():
    with pytest.raises(rl.WireFormatError, match="beyond 2\\^53"):
        encode({"kind": "model", "id": "m", "level": 0, "role": "p", "attributes": {"n": -(2**60)}})
    with pytest.raises(rl.WireFormatError, match="surrogate"):
        encode({"kind": "model", "id": "m\ud800", "level": 0, "role": "p"})
    assert encode({"kind": "model", "id": "m", "level": 0, "role": "p", "attributes": {"n": 2**53}}).endswith(b"\n")
