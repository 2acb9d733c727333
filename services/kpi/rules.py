"""Cross-field rules of a report form: short expressions over field codes, checked and evaluated.

A rule is parsed with Python's `ast` and only a whitelist of nodes is accepted: numbers (and
quoted text, for == and != on text or choice fields), field codes, + - * /, unary - and +,
comparisons (< <= > >= == !=, chained too), and, or, not, and parentheses. Anything else (calls,
attributes, subscripts, names that are not fields, lambdas, comprehensions...) is refused when
the form is checked; nothing is ever given to `eval`.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from services.kpi import messages  # noqa: F401  (registers the message codes used below)
from shared.i18n import LocalizedText

MAX_LENGTH = 500
NUMBER, TEXT, DATE, CONDITION = "number", "text", "date", "condition"
# The value type of each field kind, as rules see it.
KIND_TYPES = {"whole": NUMBER, "decimal": NUMBER, "percent": NUMBER, "text": TEXT,
              "choice": TEXT, "date": DATE}
_TYPE_WORDS = {NUMBER: ("số", "a number"), TEXT: ("văn bản", "text"), DATE: ("ngày", "a date"),
               CONDITION: ("điều kiện đúng/sai", "a true/false condition")}
_ARITHMETIC = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
               ast.Div: operator.truediv}
_ORDER = {ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge}
_EQUALITY = {ast.Eq: operator.eq, ast.NotEq: operator.ne}


class RuleError(Exception):
    """A rule that cannot be used; `text` says why, in both languages."""

    def __init__(self, text: LocalizedText) -> None:
        super().__init__(str(text))
        self.text = text


@dataclass(frozen=True)
class _Checker:
    rule: str
    source: str
    types: Mapping[str, str]

    def fail(self, code: str, node: ast.AST | None = None, **params: Any) -> RuleError:
        part = ast.get_source_segment(self.source, node) if node is not None else None
        return RuleError(LocalizedText(code, rule=self.rule, part=part or self.source, **params))

    def mismatch(self, node: ast.AST, left: str, right: str) -> RuleError:
        (left_vi, left_en), (right_vi, right_en) = _TYPE_WORDS[left], _TYPE_WORDS[right]
        return self.fail("kpi_form_rule_types", node, left_vi=left_vi, left_en=left_en,
                         right_vi=right_vi, right_en=right_en)

    def type_of(self, node: ast.AST) -> str:
        """The value type of a node, or RuleError for what is not allowed or does not fit."""
        if isinstance(node, ast.Constant) and not isinstance(node.value, bool):
            if isinstance(node.value, int | float):
                return NUMBER
            if isinstance(node.value, str):
                return TEXT
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            if node.id not in self.types:
                raise self.fail("kpi_form_rule_unknown_field", node, name=node.id)
            return self.types[node.id]
        elif isinstance(node, ast.BinOp) and type(node.op) in _ARITHMETIC:
            left, right = self.type_of(node.left), self.type_of(node.right)
            if left != NUMBER or right != NUMBER:
                raise self.mismatch(node, left, right)
            return NUMBER
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            operand = self.type_of(node.operand)
            if operand != NUMBER:
                raise self.mismatch(node, NUMBER, operand)
            return NUMBER
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            operand = self.type_of(node.operand)
            if operand != CONDITION:
                raise self.mismatch(node, CONDITION, operand)
            return CONDITION
        elif isinstance(node, ast.BoolOp):
            for value in node.values:
                kind = self.type_of(value)
                if kind != CONDITION:
                    raise self.mismatch(node, CONDITION, kind)
            return CONDITION
        elif isinstance(node, ast.Compare) and all(type(op) in _ORDER or type(op) in _EQUALITY
                                                    for op in node.ops):
            types = [self.type_of(part) for part in (node.left, *node.comparators)]
            for op, left, right in zip(node.ops, types, types[1:], strict=False):
                if left != right or left == CONDITION \
                        or (left == TEXT and type(op) in _ORDER):
                    raise self.mismatch(node, left, right)
            return CONDITION
        raise self.fail("kpi_form_rule_forbidden", node)


@lru_cache(maxsize=512)
def _parse(source: str) -> ast.Expression:
    return ast.parse(source, mode="eval")


def check_rule(rule: str, source: str, types: Mapping[str, str]) -> frozenset[str]:
    """The field codes a rule reads; RuleError if it is not a well-typed condition over `types`.

    `types` maps each field code of the form to its type (KIND_TYPES of its kind).
    """
    checker = _Checker(rule, source, types)
    if not source.strip() or len(source) > MAX_LENGTH:
        raise checker.fail("kpi_form_rule_length", max=MAX_LENGTH)
    try:
        tree = _parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        column = getattr(exc, "offset", None) or 1
        raise checker.fail("kpi_form_rule_syntax", column=column) from exc
    kind = checker.type_of(tree.body)
    if kind != CONDITION:
        raise checker.fail("kpi_form_rule_not_condition")
    return frozenset(node.id for node in ast.walk(tree) if isinstance(node, ast.Name))


def holds(source: str, values: Mapping[str, Any]) -> bool | None:
    """Whether a checked rule holds for `values`; None (skipped) when a field it reads is empty,
    or when it divides by zero."""
    tree = _parse(source)
    if any(values.get(node.id) is None for node in ast.walk(tree) if isinstance(node, ast.Name)):
        return None
    try:
        return bool(_value(tree.body, values))
    except ZeroDivisionError:
        return None


def _value(node: ast.AST, values: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return values[node.id]
    if isinstance(node, ast.BinOp):
        return _ARITHMETIC[type(node.op)](_value(node.left, values), _value(node.right, values))
    if isinstance(node, ast.UnaryOp):
        operand = _value(node.operand, values)
        return {ast.USub: operator.neg, ast.UAdd: operator.pos,
                ast.Not: operator.not_}[type(node.op)](operand)
    if isinstance(node, ast.BoolOp):
        results = (_value(value, values) for value in node.values)
        return all(results) if isinstance(node.op, ast.And) else any(results)
    if isinstance(node, ast.Compare):
        left = _value(node.left, values)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = _value(comparator, values)
            if not {**_ORDER, **_EQUALITY}[type(op)](left, right):
                return False
            left = right
        return True
    raise TypeError(f"not a checked rule: {ast.dump(node)}")  # check_rule refuses these
