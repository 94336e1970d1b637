"""OData 3.0 expressions as 1C reads them: literals (``guid'…'``, ``datetime'…'``, ``'…'`` with a
doubled quote inside, numbers, ``true``/``false``/``null``), comparisons (eq ne gt ge lt le),
``and``/``or``/``not``, parentheses, ``substringof('…', Field)`` and
``cast(guid'…', 'Type')``; ``$orderby`` and the parameter
lists of virtual tables (``Balance(Period=datetime'…',Condition='…')``)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

Row = dict[str, Any]
Predicate = Callable[[Row], bool]


class ExpressionError(ValueError):
    """The expression does not parse, or names a property the entity does not have."""


@dataclass(frozen=True)
class Guid:
    value: str


@dataclass(frozen=True)
class Token:
    kind: str  # "lit", "name", "op", "(", ")", ",", "="
    value: Any


_TOKEN = re.compile(
    r"""\s*(?:
    (?P<typed>(?:guid|datetime|datetimeoffset)'[^']*')
  | (?P<string>'(?:[^']|'')*')
  | (?P<number>-?\d+(?:\.\d+)?(?![\w]))
  | (?P<punct>[(),=])
  | (?P<name>[^\s(),='/]+(?:/[^\s(),='/]+)*)
    )""",
    re.VERBOSE,
)
_WORD_OPS = {"eq", "ne", "gt", "ge", "lt", "le", "and", "or", "not"}


def _typed(text: str) -> Any:
    prefix, _, rest = text.partition("'")
    body = rest[:-1]
    if prefix == "guid":
        try:
            return Guid(str(uuid.UUID(body)))
        except ValueError:
            raise ExpressionError(f"bad guid literal {text}") from None
    try:
        return datetime.fromisoformat(body).replace(tzinfo=None).isoformat(timespec="seconds")
    except ValueError:
        raise ExpressionError(f"bad datetime literal {text}") from None


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise ExpressionError(f"cannot read the expression at {text[pos : pos + 20]!r}")
        pos = match.end()
        if match["typed"]:
            tokens.append(Token("lit", _typed(match["typed"])))
        elif match["string"]:
            tokens.append(Token("lit", match["string"][1:-1].replace("''", "'")))
        elif match["number"]:
            tokens.append(Token("lit", float(match["number"])))
        elif match["punct"]:
            tokens.append(Token(match["punct"], match["punct"]))
        else:
            word = match["name"]
            if word in _WORD_OPS:
                tokens.append(Token("op", word))
            elif word in ("true", "false"):
                tokens.append(Token("lit", word == "true"))
            elif word == "null":
                tokens.append(Token("lit", None))
            else:
                tokens.append(Token("name", word))
    return tokens


def _plain(value: Any) -> Any:
    if isinstance(value, Guid):
        return value.value
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return float(value)
    return value


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "gt": lambda a, b: a is not None and b is not None and a > b,
    "ge": lambda a, b: a is not None and b is not None and a >= b,
    "lt": lambda a, b: a is not None and b is not None and a < b,
    "le": lambda a, b: a is not None and b is not None and a <= b,
}


class _Parser:
    def __init__(self, tokens: list[Token], fields: dict[str, str]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.fields = fields

    def peek(self) -> Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, kind: str | None = None, value: Any = None) -> Token:
        token = self.peek()
        if token is None or (kind and token.kind != kind) or (value is not None and token.value != value):
            raise ExpressionError(f"expected {value or kind}, found {token.value if token else 'the end'}")
        self.pos += 1
        return token

    def parse(self) -> Predicate:
        predicate = self.disjunction()
        if self.peek() is not None:
            raise ExpressionError(f"unexpected {self.peek().value!r}")  # type: ignore[union-attr]
        return predicate

    def disjunction(self) -> Predicate:
        left = self.conjunction()
        while (token := self.peek()) is not None and token.value == "or" and token.kind == "op":
            self.pos += 1
            right = self.conjunction()
            left = (lambda a, b: lambda row: a(row) or b(row))(left, right)
        return left

    def conjunction(self) -> Predicate:
        left = self.negation()
        while (token := self.peek()) is not None and token.value == "and" and token.kind == "op":
            self.pos += 1
            right = self.negation()
            left = (lambda a, b: lambda row: a(row) and b(row))(left, right)
        return left

    def negation(self) -> Predicate:
        token = self.peek()
        if token is not None and token.kind == "op" and token.value == "not":
            self.pos += 1
            inner = self.negation()
            return lambda row: not inner(row)
        return self.comparison()

    def comparison(self) -> Predicate:
        token = self.peek()
        if token is not None and token.kind == "(":
            self.pos += 1
            inner = self.disjunction()
            self.take(")")
            return inner
        left = self.operand()
        op = self.peek()
        if op is None or op.kind != "op" or op.value not in _COMPARE:
            return lambda row: bool(left(row))
        self.pos += 1
        right = self.operand()
        compare = _COMPARE[op.value]
        return lambda row: compare(left(row), right(row))

    def operand(self) -> Callable[[Row], Any]:
        token = self.take()
        if token.kind == "lit":
            value = _plain(token.value)
            return lambda row: value
        if token.kind != "name":
            raise ExpressionError(f"unexpected {token.value!r}")
        if self.peek() is not None and self.peek().kind == "(":  # type: ignore[union-attr]
            return self.function(token.value)
        return self.field(token.value)

    def field(self, name: str) -> Callable[[Row], Any]:
        if "/" in name:
            raise ExpressionError(f"paths through references are not supported here: {name}")
        if name not in self.fields:
            raise ExpressionError(f"no property {name}")
        return lambda row: _plain(row.get(name))

    def function(self, name: str) -> Callable[[Row], Any]:
        self.take("(")
        args = [self.operand()]
        while self.peek() is not None and self.peek().kind == ",":  # type: ignore[union-attr]
            self.pos += 1
            args.append(self.operand())
        self.take(")")
        if name == "substringof" and len(args) == 2:
            needle, haystack = args
            return lambda row: str(needle(row) or "").casefold() in str(haystack(row) or "").casefold()
        if name == "cast" and len(args) == 2:  # a composite property's value: cast(guid'…', 'Type')
            value = args[0]
            return lambda row: value(row)
        raise ExpressionError(f"unknown function {name}")


def parse_filter(text: str, fields: dict[str, str]) -> Predicate:
    return _Parser(tokenize(text), fields).parse()


def parse_key(text: str) -> str:
    """``guid'…'`` (the part inside ``Entity(…)``) -> the GUID string."""
    tokens = tokenize(text)
    if len(tokens) != 1 or not isinstance(tokens[0].value, Guid):
        raise ExpressionError(f"a key must be guid'…', not {text}")
    return tokens[0].value.value


def parse_parameters(text: str) -> dict[str, Any]:
    """``Period=datetime'…',Condition='…'`` -> {name: value}."""
    tokens = tokenize(text)
    params: dict[str, Any] = {}
    i = 0
    while i < len(tokens):
        if len(tokens) - i < 3:
            raise ExpressionError("a parameter is name=value")
        name, eq, value = tokens[i : i + 3]
        if name.kind != "name" or eq.kind != "=" or value.kind != "lit":
            raise ExpressionError("a parameter is name=value")
        params[name.value] = _plain(value.value)
        i += 3
        if i < len(tokens):
            if tokens[i].kind != ",":
                raise ExpressionError("parameters are separated by commas")
            i += 1
    return params


def parse_orderby(text: str, fields: dict[str, str]) -> list[tuple[str, bool]]:
    """``A desc, B`` -> [(A, descending), (B, ascending)]."""
    order: list[tuple[str, bool]] = []
    for part in text.split(","):
        words = part.split()
        if not words or len(words) > 2 or (len(words) == 2 and words[1] not in ("asc", "desc")):
            raise ExpressionError(f"bad $orderby item {part!r}")
        if words[0] not in fields:
            raise ExpressionError(f"no property {words[0]}")
        order.append((words[0], len(words) == 2 and words[1] == "desc"))
    return order
