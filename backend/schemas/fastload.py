"""Loading a payload a schema accepts without marshmallow's per-field machinery.

marshmallow spends most of a concern's load on its own bookkeeping: for each of about a
hundred field values a getter closure, an error store, a chain of calls and a fresh
``And`` of the field's validators, and for each nested object a whole ``Schema.load``.
``plan_for`` reads a schema's declared fields, validators and schema validators once and
builds plain checks from them; ``load`` runs those checks and, at the first value it is
not sure of (a wrong type, a missing required field, an unknown key, any validator that
refuses), loads the payload again with ``schema.load``. So a refusal, its messages and its
field paths always come from marshmallow itself, and the plan says yes only where
marshmallow says yes, with the same data.

The schema stays the one definition. What the plan reads: ``String``, ``Nested`` (one
object) and ``List`` fields, with ``OneOf`` checked as set membership and every other
validator called as marshmallow calls it; any other field runs its own ``deserialize``.
A schema using anything else the plan would have to copy (load hooks, field validators
by name, ``data_key``, ``unknown`` other than raise, ``many``, ``partial``, another
``dict_class``) gets no plan: ``load`` is then ``schema.load``.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, missing, validate
from marshmallow.decorators import POST_LOAD, PRE_LOAD, VALIDATES, VALIDATES_SCHEMA

# A check takes the value and the object holding it (None inside a list), as
# ``Field.deserialize`` takes them.
Check = Callable[[Any, Any], Any]


class _Unsure(Exception):
    """A value the plan cannot vouch for: marshmallow decides."""


class _NoPlan(Exception):
    """The schema uses something the plan does not read."""


def _validators(field: fields.Field, *, strings: bool) -> Callable[[Any], None] | None:
    """The field's validators as one call, in marshmallow's order; None when it has none."""
    steps: list[Callable[[Any], Any]] = []
    for validator in field.validators:
        if strings and type(validator) is validate.OneOf:
            choices = frozenset(validator.choices)

            def one_of(value: str, choices: frozenset[Any] = choices) -> None:
                if value not in choices:
                    raise _Unsure

            steps.append(one_of)
        else:
            steps.append(validator)
    if not steps:
        return None
    if len(steps) == 1:
        return steps[0]

    def run(value: Any) -> None:
        for step in steps:
            step(value)

    return run


def _check(field: fields.Field, name: str | None) -> Check:
    """A function that returns what ``field.deserialize`` returns for a present value, or
    raises (``_Unsure`` or marshmallow's ValidationError) where it would refuse."""
    if field.pre_load or field.post_load:
        return _generic(field, name)
    allow_none = field.allow_none
    if type(field) is fields.String or (
        isinstance(field, fields.String)
        and type(field)._deserialize is fields.String._deserialize
        and type(field)._validate is fields.Field._validate
        and type(field).deserialize is fields.Field.deserialize
    ):
        checks = _validators(field, strings=True)

        def string(value: Any, _: Any) -> Any:
            if type(value) is not str:
                if value is None and allow_none:
                    return None
                raise _Unsure
            if checks is not None:
                checks(value)
            return value

        return string
    if type(field) is fields.Nested:
        schema = field.schema
        if field.many or schema.many or field.unknown not in (None, RAISE):
            raise _NoPlan(name)
        nested = _object(schema)
        checks = _validators(field, strings=False)

        def one(value: Any, _: Any) -> Any:
            if type(value) is not dict:
                raise _Unsure
            out = nested(value)
            if checks is not None:
                checks(out)
            return out

        return one
    if type(field) is fields.List:
        # List hands its items to the inner field with no name and no parent.
        inner = _check(field.inner, None)
        checks = _validators(field, strings=False)

        def many(value: Any, _: Any) -> Any:
            if type(value) is not list:
                raise _Unsure
            out = [inner(item, None) for item in value]
            if checks is not None:
                checks(out)
            return out

        return many
    return _generic(field, name)


def _generic(field: fields.Field, name: str | None) -> Check:
    def run(value: Any, data: Any) -> Any:
        return field.deserialize(value, name, data)

    return run


def _object(schema: Schema) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """The plan for one object of ``schema``: its fields in marshmallow's order."""
    hooks = schema._hooks
    if hooks[PRE_LOAD] or hooks[POST_LOAD] or hooks[VALIDATES]:
        raise _NoPlan(type(schema).__name__)
    if schema.many or schema.partial or schema.unknown != RAISE or schema.dict_class is not dict:
        raise _NoPlan(type(schema).__name__)
    validators = []
    for attr_name, pass_collection, options in hooks[VALIDATES_SCHEMA]:
        if pass_collection or options.get("pass_original"):
            raise _NoPlan(attr_name)
        validators.append(getattr(schema, attr_name))
    steps = []
    for attr_name, field in schema.load_fields.items():
        if field.data_key is not None or field.attribute is not None or "." in attr_name:
            raise _NoPlan(attr_name)
        steps.append((attr_name, _check(field, attr_name), field.required, field.load_default))
    known = frozenset(attr_name for attr_name, *_ in steps)
    partial, unknown = schema.partial, schema.unknown

    def load_one(data: dict[str, Any]) -> dict[str, Any]:
        if not known.issuperset(data):
            raise _Unsure
        out: dict[str, Any] = {}
        for attr_name, check, required, default in steps:
            value = data.get(attr_name, missing)
            if value is missing:
                if required:
                    raise _Unsure
                if default is not missing:
                    out[attr_name] = default() if callable(default) else default
                continue
            out[attr_name] = check(value, data)
        for run in validators:
            run(out, partial=partial, many=False, unknown=unknown)
        return out

    return load_one


_PLANS: weakref.WeakKeyDictionary[Schema, Callable[[dict[str, Any]], dict[str, Any]] | None] = (
    weakref.WeakKeyDictionary()
)


def plan_for(schema: Schema) -> Callable[[dict[str, Any]], dict[str, Any]] | None:
    """The schema's plan, built on first use; None when the schema has none."""
    try:
        return _PLANS[schema]
    except KeyError:
        pass
    try:
        plan: Callable[[dict[str, Any]], dict[str, Any]] | None = _object(schema)
    except _NoPlan:
        plan = None
    _PLANS[schema] = plan
    return plan


def load(schema: Schema, data: Any) -> Any:
    """What ``schema.load(data)`` returns or raises, by the plan where it can vouch for it."""
    plan = plan_for(schema)
    if plan is not None and type(data) is dict:
        try:
            return plan(data)
        except (_Unsure, ValidationError):
            pass
    return schema.load(data)
