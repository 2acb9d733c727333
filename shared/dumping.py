"""Output schemas that dump fast: exactly what marshmallow's `Schema.dump` gives, made by a
function built once per schema instead of marshmallow's per-field machinery on every value.

A list of 50 tasks or the head's summary (about 100 nested objects, 700 fields) spent a
quarter to a third of its request's CPU in marshmallow's generic path (accessor, `serialize`,
missing checks per field). The built function reads each field as marshmallow does (item,
then attribute), leaves a missing one out, keeps None as None and turns every other value
into what the field's own `_serialize` makes of it: the common types (text, ids, whole
numbers, dates) by the same conversion written directly, the others by `_serialize` itself.
Schemas with dump hooks, their own attribute getters, dotted attributes or dump defaults keep
marshmallow's path. Tests compare both on every kind of field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from marshmallow import Schema, fields
from marshmallow.utils import ensure_text_type, missing

Dumper = Callable[[Any], Any]


def _read(obj: Any, key: str) -> Any:
    """marshmallow.utils.get_value for a key without dots: item first, then attribute."""
    if obj.__class__ is dict:
        value = obj.get(key, missing)
        return getattr(obj, key, missing) if value is missing else value
    if not hasattr(obj, "__getitem__"):
        return getattr(obj, key, missing)
    try:
        return obj[key]
    except (KeyError, IndexError, TypeError, AttributeError):
        return getattr(obj, key, missing)


def _text(value: Any) -> Any:
    return value if value.__class__ is str else ensure_text_type(value)


def _value_dumper(field: fields.Field) -> Dumper:
    """A function of one (not None) value, giving what `field._serialize` gives."""
    kind = type(field)  # exact types: subclasses (Pluck, Email…) keep their own _serialize
    if kind is fields.Nested:
        nested = field.schema
        return _schema_dumper(nested, many=bool(nested.many or field.many))
    if kind is fields.List:
        inner = _value_dumper(field.inner)
        return lambda value: [None if v is None else inner(v) for v in value]
    if kind is fields.UUID:
        return str
    if issubclass(kind, fields.String) and kind._serialize is fields.String._serialize:
        return _text  # a text field that only checks its input dumps as plain text
    if kind is fields.Integer and not field.as_string:
        return int
    if kind in (fields.Date, fields.DateTime, fields.AwareDateTime, fields.NaiveDateTime):
        convert = kind.SERIALIZATION_FUNCS.get(field.format or kind.DEFAULT_FORMAT)
        if convert is not None:
            return convert
    serialize, name = field._serialize, field.name
    return lambda value: serialize(value, name, None)


def fast_dumpable(schema: Schema) -> bool:
    """True when the built function gives what marshmallow's dump gives for this schema."""
    if any(schema._hooks.values()) or type(schema).get_attribute is not Schema.get_attribute:
        return False
    for name, field in schema.dump_fields.items():
        key = field.attribute or name
        if "." in key or field.dump_default is not missing or not field._CHECK_ATTRIBUTE \
                or type(field).get_value is not fields.Field.get_value:
            return False
        if type(field) is fields.Nested and not fast_dumpable(field.schema):
            return False
        inner = field.inner if type(field) is fields.List else None
        if type(inner) is fields.Nested and not fast_dumpable(inner.schema):
            return False
    return True


def _schema_dumper(schema: Schema, *, many: bool) -> Dumper:
    """The function dumping one object (or a list, with `many`) as `schema.dump` would."""
    if not fast_dumpable(schema):
        return lambda obj: Schema.dump(schema, obj, many=many)
    plan = [(field.data_key if field.data_key is not None else name,
             field.attribute or name, _value_dumper(field))
            for name, field in schema.dump_fields.items()]
    dict_class = schema.dict_class

    def one(obj: Any) -> Any:
        out = dict_class()
        for out_key, key, dump in plan:
            value = _read(obj, key)
            if value is missing:
                continue
            out[out_key] = None if value is None else dump(value)
        return out

    if many:
        return lambda objs: None if objs is None else [one(o) for o in objs]
    return one


class FastDumpSchema(Schema):
    """An output schema whose dump() is built once (see the module's docstring)."""

    def dump(self, obj: Any, *, many: bool | None = None) -> Any:
        """Serialize `obj` exactly as marshmallow's Schema.dump does, faster."""
        many = self.many if many is None else bool(many)
        dumpers = self.__dict__.setdefault("_fast_dumpers", {})
        dumper = dumpers.get(many)
        if dumper is None:
            dumper = dumpers[many] = _schema_dumper(self, many=many)
        return dumper(obj)
