"""Typed helpers that build events (docs/EVENTS.md) and refuse, before anything is sent, what the
ledger would refuse for its form: NaN and infinities, integers beyond 2^53 (JSON numbers are
doubles), times without a time zone, ids that are empty, too long or hold control characters,
repeated references, unknown severities and verdicts.

What only the ledger can check (that a reference names an existing entry of the right kind) is
left to it. Every helper gives the event a ``time``, now in UTC unless one is given, so that a
resent event is byte for byte the recorded one and is recognised as already recorded.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import math
import re
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Union

from .errors import WireFormatError

class Event(Dict[str, Any]):
    """One event: a JSON object, as ``json.dumps`` writes it. The helpers make them, checked as
    they are made; the recorder checks any other dict when it is sent."""

Time = Union[_dt.datetime, str, None]
"""A ``datetime`` with a time zone, an RFC 3339 string, or None for now."""

#: The largest integer a JSON number holds exactly (I-JSON, RFC 7493).
MAX_EXACT_INTEGER = 2**53
#: Nesting the ledger accepts.
MAX_DEPTH = 256
#: Longest id, in Unicode code points.
MAX_ID_LENGTH = 200

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
SEVERITIES = ("low", "medium", "high")
VERDICTS = ("erroneous", "correct")


def check_id(value: Any, path: str = "id") -> str:
    """``value`` if it is a valid id: a string of 1 to 200 code points without control characters."""
    if not isinstance(value, str):
        raise WireFormatError(path, f"must be a string, not {type(value).__name__}")
    if not value:
        raise WireFormatError(path, "must not be empty")
    if len(value) > MAX_ID_LENGTH:
        raise WireFormatError(path, f"is {len(value)} characters long; at most {MAX_ID_LENGTH}")
    control = _CONTROL.search(value)
    if control:
        raise WireFormatError(path, f"contains the control character U+{ord(control.group()):04X}")
    return value


def check_value(value: Any, path: str, depth: int = 0) -> None:
    """Refuses what JSON cannot carry exactly: NaN, infinities, integers beyond 2^53, keys that
    are not strings, nesting deeper than 256, and anything that is not a JSON value."""
    if value is None or isinstance(value, (bool, str)):
        return
    if isinstance(value, int):
        if -MAX_EXACT_INTEGER <= value <= MAX_EXACT_INTEGER:
            return
        raise WireFormatError(path, f"the integer {value} is beyond 2^53 and would change in JSON; send it as a string")
    if isinstance(value, float):
        if math.isfinite(value):
            return
        raise WireFormatError(path, f"{value} is not a JSON number")
    if depth >= MAX_DEPTH:
        raise WireFormatError(path, f"nests deeper than {MAX_DEPTH} levels")
    if isinstance(value, Mapping):
        for key, member in value.items():
            if not isinstance(key, str):
                raise WireFormatError(path, f"has the key {key!r}, which is not a string")
            check_value(member, f"{path}.{key}", depth + 1)
        return
    if isinstance(value, (list, tuple)):
        for index, member in enumerate(value):
            check_value(member, f"{path}[{index}]", depth + 1)
        return
    raise WireFormatError(path, f"is a {type(value).__name__}, which is not a JSON value")


def format_time(time: Time, path: str = "time") -> str:
    """An RFC 3339 time: a ``datetime`` (which must know its time zone) in UTC, a string as given
    once its form is checked, or now."""
    if time is None:
        return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="microseconds")[:-6] + "Z"
    if isinstance(time, _dt.datetime):
        if time.tzinfo is None or time.utcoffset() is None:
            raise WireFormatError(path, "a datetime without a time zone is ambiguous; give tzinfo (datetime.timezone.utc)")
        utc = time.astimezone(_dt.timezone.utc)
        text = utc.strftime("%Y-%m-%dT%H:%M:%S")
        if utc.microsecond:
            text += f".{utc.microsecond:06d}".rstrip("0")
        return text + "Z"
    if isinstance(time, str):
        if not _RFC3339.match(time):
            raise WireFormatError(path, f"{time!r} is not an RFC 3339 date-time with a time zone (2026-03-02T10:00:00Z)")
        return time
    raise WireFormatError(path, f"must be a datetime or a string, not {type(time).__name__}")


def _references(values: Iterable[str], path: str, at_least: int = 0, at_most: Optional[int] = None) -> List[str]:
    if isinstance(values, str):
        raise WireFormatError(path, "must be a list of ids, not one string")
    ids = [check_id(value, f"{path}[{index}]") for index, value in enumerate(values)]
    if len(ids) < at_least:
        raise WireFormatError(path, f"must name at least {at_least}")
    if at_most is not None and len(ids) > at_most:
        raise WireFormatError(path, f"must name at most {at_most}")
    if len(set(ids)) != len(ids):
        repeated = next(value for value in ids if ids.count(value) > 1)
        raise WireFormatError(path, f"names {repeated!r} twice")
    return ids


def _event(kind: str, id: str, time: Time, attributes: Optional[Mapping[str, Any]]) -> Event:
    event = Event(kind=kind, id=check_id(id), time=format_time(time))
    if attributes is not None:
        if not isinstance(attributes, Mapping):
            raise WireFormatError("attributes", "must be an object (a dict)")
        check_value(attributes, "attributes")
        event["attributes"] = dict(attributes)
    return event


def _text(value: Any, path: str, empty: bool = False) -> str:
    if not isinstance(value, str):
        raise WireFormatError(path, f"must be a string, not {type(value).__name__}")
    if not empty and not value:
        raise WireFormatError(path, "must not be empty")
    return value


def _digest(value: Any, path: str) -> str:
    if not isinstance(value, str) or not _SHA256.match(value):
        raise WireFormatError(path, "must be 64 lowercase hex digits (a SHA-256)")
    return value


def model(
    id: str, *, level: int, role: str, base: Optional[str] = None, trained_on: Optional[Sequence[str]] = None,
    weights_sha256: Optional[str] = None, time: Time = None, attributes: Optional[Mapping[str, Any]] = None,
) -> Event:
    """A model version at a recursion ``level`` (0 for plain RLHF): a policy, a reward model
    (role ``reward_model``, which others may name in ``trained_on``), a critic."""
    event = _event("model", id, time, attributes)
    if isinstance(level, bool) or not isinstance(level, int) or not 0 <= level <= 1_000_000:
        raise WireFormatError("level", f"must be an integer from 0 to 1,000,000, not {level!r}")
    event["level"] = level
    event["role"] = _text(role, "role")
    if base is not None:
        event["base"] = check_id(base, "base")
    if trained_on is not None:
        event["trained_on"] = _references(trained_on, "trained_on")
    if weights_sha256 is not None:
        event["weights_sha256"] = _digest(weights_sha256, "weights_sha256")
    return event


def output(
    id: str, *, model: str, task: str, content: Optional[str] = None, content_sha256: Optional[str] = None,
    time: Time = None, attributes: Optional[Mapping[str, Any]] = None,
) -> Event:
    """Something a model produced. With ``content`` and no ``content_sha256``, its digest is
    computed; with ``content_sha256`` alone, the content lives elsewhere."""
    event = _event("output", id, time, attributes)
    event["model"] = check_id(model, "model")
    event["task"] = _text(task, "task")
    if content is not None:
        event["content"] = _text(content, "content", empty=True)
        digest = hashlib.sha256(content.encode("utf-8")).hexdigest()
        if content_sha256 is not None and content_sha256 != digest:
            raise WireFormatError("content_sha256", "is not the SHA-256 of content")
        content_sha256 = digest
    if content_sha256 is not None:
        event["content_sha256"] = _digest(content_sha256, "content_sha256")
    return event


def claim(claim: str, *, severity: Optional[str] = None, location: Optional[str] = None) -> Dict[str, str]:
    """One flaw a critique claims, for ``critique(findings=[...])``."""
    finding = {"claim": _text(claim, "claim")}
    if severity is not None:
        if severity not in SEVERITIES:
            raise WireFormatError("severity", f"must be low, medium or high, not {severity!r}")
        finding["severity"] = severity
    if location is not None:
        finding["location"] = _text(location, "location", empty=True)
    return finding


def critique(
    id: str, *, critic: str, targets: Sequence[str], text: Optional[str] = None,
    findings: Optional[Sequence[Mapping[str, str]]] = None, time: Time = None, attributes: Optional[Mapping[str, Any]] = None,
) -> Event:
    """An assistant model's assessment of outputs, with the flaws it claims (see ``claim``)."""
    event = _event("critique", id, time, attributes)
    event["critic"] = check_id(critic, "critic")
    event["targets"] = _references(targets, "targets", at_least=1)
    if text is not None:
        event["text"] = _text(text, "text", empty=True)
    if findings is not None:
        checked = []
        for index, finding in enumerate(findings):
            if not isinstance(finding, Mapping) or set(finding) - {"claim", "severity", "location"}:
                raise WireFormatError(f"findings[{index}]", "must be an object of claim, severity and location (use claim())")
            try:
                checked.append(claim(finding.get("claim"), severity=finding.get("severity"), location=finding.get("location")))  # type: ignore[arg-type]
            except WireFormatError as error:
                raise WireFormatError(f"findings[{index}].{error.path}", error.problem) from None
        event["findings"] = checked
    return event


def label(
    id: str, *, rater: str, targets: Sequence[str], value: Any, assisted_by: Optional[Sequence[str]] = None,
    time: Time = None, attributes: Optional[Mapping[str, Any]] = None,
) -> Event:
    """A rater's judgement of one output, or a preference between two. ``rater`` is a person,
    ``human:NAME``, or a model's id; ``assisted_by`` the critiques the rater was shown."""
    event = _event("label", id, time, attributes)
    event["rater"] = check_id(rater, "rater")
    if rater.startswith("human:") and len(rater) == len("human:"):
        raise WireFormatError("rater", "a person is human: followed by a name")
    event["targets"] = _references(targets, "targets", at_least=1, at_most=2)
    if value is None:
        raise WireFormatError("value", "must not be null")
    check_value(value, "value")
    event["value"] = value
    if assisted_by is not None:
        event["assisted_by"] = _references(assisted_by, "assisted_by")
    return event


def dataset(
    id: str, *, members: Sequence[str], extends: Optional[str] = None, time: Time = None,
    attributes: Optional[Mapping[str, Any]] = None,
) -> Event:
    """A named set of labels, which a reward model then names in ``trained_on``."""
    event = _event("dataset", id, time, attributes)
    event["members"] = _references(members, "members", at_least=1)
    if extends is not None:
        event["extends"] = check_id(extends, "extends")
    return event


def finding(
    id: str, *, about: str, verdict: str, auditor: str, error_type: Optional[str] = None, evidence: Optional[str] = None,
    time: Time = None, attributes: Optional[Mapping[str, Any]] = None,
) -> Event:
    """An audit verdict, ``erroneous`` or ``correct``, about any entry; a later finding about the
    same entry supersedes it."""
    event = _event("finding", id, time, attributes)
    event["about"] = check_id(about, "about")
    if verdict not in VERDICTS:
        raise WireFormatError("verdict", f"must be erroneous or correct, not {verdict!r}")
    event["verdict"] = verdict
    event["auditor"] = _text(auditor, "auditor")
    if error_type is not None:
        event["error_type"] = _text(error_type, "error_type")
    if evidence is not None:
        event["evidence"] = _text(evidence, "evidence", empty=True)
    return event
