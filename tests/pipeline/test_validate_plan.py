"""Validation by the schemas' compiled plans answers exactly as marshmallow alone did: every
accepted payload loads to the same data (same keys in the same order, same types), every
refused one is refused with the same code and the same fields named.

The reference below is ``validate`` as it was before the plans: ``schema.load`` and the
same mapping of messages to codes.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from backend.pipeline import validate as step
from backend.pipeline.errors import Rejected
from backend.pipeline.ingest import ADDENDUM_SCHEMA, CONCERN_SCHEMA
from backend.schemas import fastload
from backend.schemas.concern import TEXT_LIMIT
from tests.factories import make_concern

PROOF = {
    "type": "webauthn",
    "credential": {
        "id": "abc",
        "rawId": "abc",
        "type": "public-key",
        "response": {"clientDataJSON": "e30", "authenticatorData": "AA", "signature": "x"},
        "clientExtensionResults": {},
    },
}
NOW = datetime.now(UTC).replace(microsecond=0)


def _reference(schema: Schema, payload: Any) -> tuple[Any, ...]:
    try:
        return ("accepted", repr(schema.load(payload)))
    except ValidationError as exc:
        problems = [(p, *step._code(m)) for p, m in step._flatten(exc.messages)]
        detail = "; ".join(f"{p}: {text}" for p, _, text in problems)
        return ("rejected", problems[0][1], detail[:2000])
    except Exception as exc:  # noqa: BLE001 - a crash must be the same crash
        return ("raised", type(exc).__name__)


def _answer(schema: Schema, payload: Any) -> tuple[Any, ...]:
    try:
        # repr keeps key order and types: a date is not its string, 1 is not 1.0.
        return ("accepted", repr(step.validate(schema, payload)))
    except Rejected as exc:
        return ("rejected", exc.code, exc.detail)
    except Exception as exc:  # noqa: BLE001
        return ("raised", type(exc).__name__)


def _concern() -> dict[str, Any]:
    concern = make_concern()
    concern["subject"]["approx_age"] = 14
    concern["location"].update(lat=51.75, lon=-1.25)
    concern["missing"].update(reported_at=NOW.isoformat(), found_at=NOW.isoformat())
    concern["sharing"]["protect_identity_of"] = ["the neighbour"]
    concern["proof"] = copy.deepcopy(PROOF)
    return concern


def _addendum() -> dict[str, Any]:
    return {
        "schema": "frontline.addendum/1",
        "concern_id": str(uuid.uuid4()),
        "client_id": str(uuid.uuid4()),
        "recorded_at": NOW.isoformat(),
        "text": "Seen again at the same car park.",
        "missing": {"found_where": "Bus station"},
        "associated": [{"kind": "phone", "number": "07700 900123"}],
        "indicators": [{"code": "phone_use", "present": "yes", "basis": "observed"}],
        "for_referrer": True,
        "proof": copy.deepcopy(PROOF),
    }


# What a field may be given instead: wrong types, edge lengths and numbers, other
# enumerations' words, bad and good identifiers, dates and times of every kind.
VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    14,
    26,
    121,
    1.5,
    91.0,
    float("nan"),
    float("inf"),
    "",
    "x" * 13,
    "x" * 14,
    "x" * 101,
    "x" * (TEXT_LIMIT + 1),
    "missing",
    "yes",
    "female",
    "vehicle",
    "not_sought",
    "given",
    "webauthn",
    "frontline.concern/1",
    "2011-03-09",
    "2030-01-01",
    "1990-01-01",
    "2026-13-40",
    "2026-01-01T00:00:00",
    (NOW + timedelta(hours=1)).isoformat(),
    (NOW - timedelta(days=1)).isoformat(),
    str(uuid.uuid4()),
    "OX4 1AA",
    "ZZ99 9ZZZ",
    "943 476 5919",
    "943 476 5918",
    "07700 900123",
    "ab12 cde",
    [],
    ["missing"],
    ["missing", "missing"],
    ["x" * 201],
    {},
    {"extra": 1},
    {"code": "phone_use", "present": "yes", "basis": "observed"},
    {"kind": "adult_of_concern", "nickname": "Ricky"},
    {"kind": "vehicle"},
]


def _paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*path, key)
            yield from _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield (*path, index)
            yield from _paths(item, (*path, index))


def _holder(payload: Any, path: tuple[Any, ...]) -> Any:
    for key in path[:-1]:
        payload = payload[key]
    return payload


def _mutants(base: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The payload with each value replaced by each of VALUES, each key removed, and an
    unknown key added to each object."""
    for path in _paths(base):
        for value in VALUES:
            payload = copy.deepcopy(base)
            _holder(payload, path)[path[-1]] = copy.deepcopy(value)
            yield payload
        payload = copy.deepcopy(base)
        del _holder(payload, path)[path[-1]]
        yield payload
        payload = copy.deepcopy(base)
        target = _holder(payload, (*path, None))
        if isinstance(target, dict):
            target["unexpected"] = "x"
        elif isinstance(target, list):
            target.extend(copy.deepcopy(target))
        yield payload


@pytest.mark.slow  # about 5 s: every value of VALUES at every place in both documents
def test_every_single_change_to_a_concern_or_addendum_gets_the_same_answer() -> None:
    answers = {"accepted": 0, "rejected": 0}
    for schema, base in ((CONCERN_SCHEMA, _concern()), (ADDENDUM_SCHEMA, _addendum())):
        assert _answer(schema, base)[0] == "accepted"
        for payload in _mutants(base):
            expected = _reference(schema, payload)
            assert _answer(schema, payload) == expected, payload
            answers[expected[0]] += 1
    # Both ways through are exercised, many times each.
    assert min(answers.values()) > 300, answers


@st.composite
def _changed(draw: st.DrawFn) -> tuple[Schema, dict[str, Any]]:
    schema, payload = draw(
        st.sampled_from([(CONCERN_SCHEMA, _concern), (ADDENDUM_SCHEMA, _addendum)])
    )
    payload = payload()
    for _ in range(draw(st.integers(1, 4))):
        paths = list(_paths(payload))
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        holder = _holder(payload, path)
        match draw(st.sampled_from(["replace", "delete", "text"])):
            case "replace":
                holder[path[-1]] = copy.deepcopy(draw(st.sampled_from(VALUES)))
            case "delete":
                del holder[path[-1]]
            case _:
                holder[path[-1]] = draw(st.text(max_size=30))
    return schema, payload


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_changed())
def test_any_few_changes_get_the_same_answer(case: tuple[Schema, dict[str, Any]]) -> None:
    schema, payload = case
    assert _answer(schema, payload) == _reference(schema, payload)


def test_the_contract_schemas_have_plans() -> None:
    # Without one, validation silently goes back to marshmallow's slow way.
    assert fastload.plan_for(CONCERN_SCHEMA) is not None
    assert fastload.plan_for(ADDENDUM_SCHEMA) is not None


class _ByName(Schema):
    """A schema using a hook the plan does not read: a field validator by name."""

    name = fields.String(required=True, validate=validate.Length(max=5))

    @validates("name")
    def _not_bob(self, value: str, **_: Any) -> None:
        if value == "bob":
            raise ValidationError("concern.invalid|No bob.")


class _Keyed(Schema):
    """A schema whose wire name differs from its attribute."""

    name = fields.String(data_key="Name")


def test_a_schema_the_plan_cannot_read_is_loaded_by_marshmallow() -> None:
    for schema, payloads in (
        (_ByName(), [{"name": "amy"}, {"name": "bob"}, {"name": "robert"}, {}]),
        (_Keyed(), [{"Name": "amy"}, {"name": "amy"}]),
    ):
        assert fastload.plan_for(schema) is None
        for payload in payloads:
            assert _answer(schema, payload) == _reference(schema, payload), payload


class _Inner(Schema):
    code = fields.String(required=True, validate=validate.OneOf(["a", "b"]))
    when = fields.Date(allow_none=True)


class _Wide(Schema):
    """What the contract's schemas do not use yet but the plan reads: null allowed, a
    default that is not callable, validators on a nested object and a list, a list of
    plain fields, and a field with its own pre_load."""

    note = fields.String(allow_none=True, validate=validate.Length(max=3))
    label = fields.String()
    level = fields.Integer(load_default=3, validate=validate.Range(0, 5))
    inner = fields.Nested(_Inner, validate=lambda v: v["code"] == "a" or _refuse())
    ids = fields.List(fields.UUID(), validate=validate.Length(min=1))
    trimmed = fields.String(pre_load=lambda v: v.strip() if isinstance(v, str) else v)

    @validates_schema
    def _pair(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("note") == "no":
            raise ValidationError("concern.invalid|No.", field_name="note")


def _refuse() -> None:
    raise ValidationError("concern.invalid|Not a.")


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-2, 7) | st.sampled_from(["a", "b", "no", " x "]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from("xy"), inner),
    max_leaves=6,
)
WIDE = st.fixed_dictionaries(
    {},
    optional={
        "note": st.none() | st.sampled_from(["", "ab", "abcd", "no"]) | JSON,
        "level": st.integers(-1, 6) | JSON,
        "label": JSON,
        "inner": st.fixed_dictionaries(
            {"code": st.sampled_from(["a", "b", "c"])},
            optional={"when": st.none() | st.sampled_from(["2020-01-02", "2020-13-01"])},
        )
        | JSON,
        "ids": st.lists(st.just(str(uuid.UUID(int=7))) | st.sampled_from(["x", ""]), max_size=3)
        | JSON,
        "trimmed": st.sampled_from([" a ", "b"]) | JSON,
        "other": JSON,
    },
)


@settings(max_examples=200, deadline=None)
@given(WIDE)
def test_what_the_plan_reads_beyond_the_contract_gets_the_same_answer(
    payload: dict[str, Any],
) -> None:
    schema = _Wide()
    assert fastload.plan_for(schema) is not None
    assert _answer(schema, payload) == _reference(schema, payload)
