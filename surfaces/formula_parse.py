"""Read a formula a student types, refusing anything but plain maths, without evaluating it.

Why this module is careful: the text comes from a browser, and the obvious implementation,
``sympy.sympify(text)``, runs Python's ``eval`` on it. Here nothing derived from the text is
ever evaluated by Python or parsed by SymPy:

1. cheap string checks: length limit, an ASCII character whitelist (no quotes, underscores,
   brackets, newlines, unicode lookalikes), ``^`` rewritten to ``**``;
2. ``ast.parse(..., mode="eval")``, which only builds a syntax tree (it executes nothing);
3. a whitelist walk of that tree (numbers, x, y, pi, e, + − * / **, unary ±, and calls of
   ten named maths functions with one positional argument), with limits on size, depth,
   literal sizes and the growth of exact numbers, and a float evaluation of every constant
   sub-expression so ``9**9**9**9`` or ``1/0`` is refused before SymPy sees it.

``validate`` returns the checked tree; ``formula_compile`` turns only such a tree into SymPy.
Every rejection is a ``ValueError`` with a message meant for the person who typed the formula.
All checks are linear in the (≤ 300 character) input, so rejection is quick.
"""

from __future__ import annotations

import ast
import math
import re
import unicodedata
from typing import Callable

from i18n import t

MAX_LENGTH = 300
MAX_NODES = 200
MAX_DEPTH = 50
MAX_INT_DIGITS = 15
MAX_LITERAL_CHARS = 30
MAX_CONST_EXPONENT = 100.0
MAX_CONST_MAGNITUDE = 1e300
#: Upper bound (in bits) on any exact rational number SymPy may form while building and
#: differentiating the expression; see ``_Checker``.
MAX_EXACT_BITS = 4096.0

VARIABLES = ("x", "y")
#: name -> float implementation (for checking constant sub-expressions before SymPy runs).
_FLOAT_FUNCS: dict[str, Callable[[float], float]] = {
    "sin": math.sin,
    "cos": math.cos,
    "tan": math.tan,
    "exp": math.exp,
    "log": math.log,
    "sqrt": math.sqrt,
    "abs": math.fabs,
    "tanh": math.tanh,
    "sinh": math.sinh,
    "cosh": math.cosh,
}
FUNCTIONS = tuple(_FLOAT_FUNCS)
CONSTANTS = {"pi": math.pi, "e": math.e}

_ALLOWED_CHARS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .+-*/^(),"
)
#: A character that is not allowed -> the catalog key of the hint (surfaces.formula.hint.*).
_CHAR_HINTS = {
    "\u2212": "minus",
    "\u2013": "minus",
    "\u00d7": "times",
    "\u00b7": "times",
    "\u22c5": "times",
    "\u00f7": "divide",
    "\u00b2": "square",
    "\u00b3": "cube",
    "\u03c0": "pi",
    "\u221a": "sqrt",
    "[": "brackets",
    "]": "brackets",
    "{": "brackets",
    "}": "brackets",
    "\n": "one_line",
    "\r": "one_line",
    "\t": "spaces",
    "'": "quotes",
    '"': "quotes",
    "_": "names",
    "%": "remainder",
    "=": "right_hand_side",
}
_NUMBER_RE = re.compile(r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def _allowed() -> str:
    """What a formula may contain, in the current language (the tail of most rejections)."""
    return t("surfaces.formula.allowed", functions=", ".join(FUNCTIONS))


#: Python's own words for the commonest syntax errors -> catalog keys (anything else is shown as
#: Python wrote it). Whole-message matches, so the English text is Python's, character for character.
_PYTHON_SYNTAX = (
    (re.compile(r"invalid syntax"), "surfaces.formula.python.invalid_syntax"),
    (re.compile(r"invalid syntax\. Perhaps you forgot a comma\?"), "surfaces.formula.python.forgot_comma"),
    (re.compile(r"'(?P<char>.)' was never closed"), "surfaces.formula.python.never_closed"),
    (re.compile(r"unmatched '(?P<char>.)'"), "surfaces.formula.python.unmatched"),
    (re.compile(r"invalid decimal literal"), "surfaces.formula.python.invalid_decimal"),
)


def _syntax_detail(message: str) -> str:
    """Python's SyntaxError message in the current language, where the catalog has it."""
    for pattern, key in _PYTHON_SYNTAX:
        found = pattern.fullmatch(message)
        if found:
            return t(key, **found.groupdict())
    return message


def _reject(message: str) -> ValueError:
    return ValueError(message)



def _check_text(text: object) -> str:
    """Length and character checks; returns the stripped text with ``^`` as ``**``."""
    if not isinstance(text, str):
        raise _reject(t("surfaces.formula.not_text"))
    if len(text) > MAX_LENGTH:
        raise _reject(t("surfaces.formula.too_long", n=len(text), max=MAX_LENGTH))
    text = text.strip()
    if not text:
        raise _reject(t("surfaces.formula.empty"))
    for position, char in enumerate(text, start=1):
        if char not in _ALLOWED_CHARS:
            try:
                name = unicodedata.name(char)
            except ValueError:
                name = f"U+{ord(char):04X}"
            shown = repr(char) if char.isprintable() else name
            hint = _CHAR_HINTS.get(char)
            detail = f" ({name})" if char.isprintable() and not char.isascii() else ""
            if hint:
                message = t("surfaces.formula.char_hint", char=shown, detail=detail, position=position,
                            hint=t(f"surfaces.formula.hint.{hint}"))
            else:
                message = t("surfaces.formula.char_other", char=shown, detail=detail, position=position,
                            allowed=_allowed())
            raise _reject(message)
    return text.replace("^", "**")


def _parse(source: str) -> ast.Expression:
    """Python's parser builds a tree and runs nothing; map its errors to user messages."""
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as err:
        if err.offset:
            message = t("surfaces.formula.syntax_at", position=err.offset, detail=_syntax_detail(err.msg))
        else:
            message = t("surfaces.formula.syntax", detail=_syntax_detail(err.msg))
        if re.search(r"\d\s*[A-Za-z(]|\)\s*[A-Za-z0-9(]", source):
            message += t("surfaces.formula.explicit_times")
        raise _reject(message) from None
    except (ValueError, MemoryError, RecursionError):
        raise _reject(t("surfaces.formula.nested")) from None
    return tree


def _check_shape(tree: ast.Expression) -> None:
    """Node-count and depth limits, computed iteratively so deep input cannot recurse."""
    count = 0
    stack: list[tuple[ast.AST, int]] = [(tree.body, 1)]
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise _reject(t("surfaces.formula.too_complicated", n=MAX_NODES))
        if depth > MAX_DEPTH:
            raise _reject(t("surfaces.formula.too_deep", n=MAX_DEPTH))
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.expr_context, ast.operator, ast.unaryop)):
                continue
            stack.append((child, depth + 1))


#: A syntax the formulas refuse -> the catalog key of its name (surfaces.formula.node.*).
_NODE_NAMES = {
    ast.Attribute: "attribute",
    ast.Subscript: "subscript",
    ast.Lambda: "lambda",
    ast.IfExp: "if_else",
    ast.Compare: "compare",
    ast.BoolOp: "and_or",
    ast.NamedExpr: "assignment",
    ast.ListComp: "list_comprehension",
    ast.SetComp: "set_comprehension",
    ast.DictComp: "dict_comprehension",
    ast.GeneratorExp: "generator",
    ast.List: "list",
    ast.Tuple: "tuple",
    ast.Set: "set",
    ast.Dict: "dict",
    ast.JoinedStr: "string",
    ast.Starred: "starred",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.Slice: "slice",
}
_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "^"}
#: An operator the formulas refuse -> the catalog key of its name (surfaces.formula.op.*).
_BAD_BINOPS = {
    ast.FloorDiv: "floor_division",
    ast.Mod: "remainder",
    ast.MatMult: "matrix_product",
    ast.LShift: "left_shift",
    ast.RShift: "right_shift",
    ast.BitAnd: "bitwise_and",
    ast.BitOr: "bitwise_or",
    ast.BitXor: "xor",
}


class _Info:
    """What the checker knows about a sub-expression.

    ``value`` is its float value if it contains no variable (else None). ``bits`` bounds the
    size of any exact rational SymPy could build from it, *even if variables cancel* (SymPy
    simplifies ``x - x + 7`` to 7 on construction), so exact powers cannot blow up.
    """

    __slots__ = ("value", "bits")

    def __init__(self, value: float | None, bits: float) -> None:
        self.value = value
        self.bits = bits


class _Checker:
    """Whitelist walk of the tree. Raises ValueError on anything not explicitly allowed."""

    def __init__(self, source: str, caret: bool = False) -> None:
        self.source = source
        self.caret = caret  # the user wrote ^ (rewritten to **): show it back that way
        self.uses_variable = False

    def _segment(self, node: ast.AST) -> str:
        segment = ast.get_source_segment(self.source, node) or ast.unparse(node)
        return segment.replace("**", "^") if self.caret else segment

    def _const(self, value: float, node: ast.AST, bits: float) -> _Info:
        if isinstance(value, complex) or math.isnan(value):
            raise _reject(t("surfaces.formula.constant_undefined", part=repr(self._segment(node))))
        if math.isinf(value) or abs(value) > MAX_CONST_MAGNITUDE:
            raise _reject(t("surfaces.formula.constant_too_large", part=repr(self._segment(node))))
        return _Info(value, bits)

    def check(self, node: ast.AST) -> _Info:
        if isinstance(node, ast.Constant):
            return self._constant(node)
        if isinstance(node, ast.Name):
            return self._name(node)
        if isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, (ast.USub, ast.UAdd)):
                op = {ast.Not: "not", ast.Invert: "invert"}.get(type(node.op), "this")
                raise _reject(t("surfaces.formula.operator_refused", what=t(f"surfaces.formula.op.{op}"),
                                allowed=_allowed()))
            inner = self.check(node.operand)
            if inner.value is None:
                return _Info(None, inner.bits)
            value = -inner.value if isinstance(node.op, ast.USub) else inner.value
            return self._const(value, node, inner.bits)
        if isinstance(node, ast.BinOp):
            return self._binop(node)
        if isinstance(node, ast.Call):
            return self._call(node)
        name = _NODE_NAMES.get(type(node))
        what = (t(f"surfaces.formula.node.{name}") if name
                else t("surfaces.formula.node.unknown", name=type(node).__name__))
        raise _reject(t("surfaces.formula.syntax_refused", what=what, allowed=_allowed()))

    def _constant(self, node: ast.Constant) -> _Info:
        value = node.value
        if type(value) not in (int, float):  # bool is an int subclass: excluded on purpose
            raise _reject(t("surfaces.formula.not_real", part=repr(self._segment(node))))
        literal = self._segment(node)
        if not _NUMBER_RE.fullmatch(literal):
            raise _reject(t("surfaces.formula.decimal", literal=repr(literal)))
        if len(literal) > MAX_LITERAL_CHARS:
            raise _reject(t("surfaces.formula.number_too_long", start=literal[:20]))
        if isinstance(value, int):
            if len(literal) > MAX_INT_DIGITS:
                raise _reject(t("surfaces.formula.int_digits", n=MAX_INT_DIGITS))
            return self._const(float(value), node, math.log2(max(abs(value), 1)))
        return self._const(value, node, 0.0)  # SymPy Floats never grow into big integers

    def _name(self, node: ast.Name) -> _Info:
        name = node.id
        if name in VARIABLES:
            self.uses_variable = True
            return _Info(None, 0.0)
        if name in CONSTANTS:
            return _Info(CONSTANTS[name], 0.0)
        if name in _FLOAT_FUNCS:
            raise _reject(t("surfaces.formula.function_without_argument", name=name))
        raise _reject(t("surfaces.formula.unknown_name", name=repr(name), allowed=_allowed()))

    def _binop(self, node: ast.BinOp) -> _Info:
        op = type(node.op)
        if op not in _BINOPS:
            what = t(f"surfaces.formula.op.{_BAD_BINOPS.get(op, 'this')}")
            raise _reject(t("surfaces.formula.operator_refused", what=what, allowed=_allowed()))
        left = self.check(node.left)
        right = self.check(node.right)
        if op is ast.Div and right.value == 0.0:
            raise _reject(t("surfaces.formula.divides_by_zero", part=repr(self._segment(node))))
        if op is ast.Pow:
            if right.value is not None and abs(right.value) > MAX_CONST_EXPONENT:
                raise _reject(t("surfaces.formula.exponent_too_large", part=repr(self._segment(node)),
                                max=f"{MAX_CONST_EXPONENT:g}"))
            # An exact base with b bits raised to an exponent of height 2**e has <= b*2**e bits.
            bits = left.bits * 2.0 ** min(right.bits, 1e3) + right.bits if left.bits else right.bits
        elif op in (ast.Add, ast.Sub):
            bits = left.bits + right.bits + 1.0
        else:
            bits = left.bits + right.bits
        if bits > MAX_EXACT_BITS:
            raise _reject(t("surfaces.formula.numbers_too_large", part=repr(self._segment(node))))
        if left.value is None or right.value is None:
            return _Info(None, bits)
        a, b = left.value, right.value
        try:
            if op is ast.Add:
                value = a + b
            elif op is ast.Sub:
                value = a - b
            elif op is ast.Mult:
                value = a * b
            elif op is ast.Div:
                value = a / b
            else:
                value = a**b
        except ZeroDivisionError:
            raise _reject(t("surfaces.formula.divides_by_zero", part=repr(self._segment(node)))) from None
        except OverflowError:
            value = math.inf
        return self._const(value, node, bits)

    def _call(self, node: ast.Call) -> _Info:
        func = node.func
        if not isinstance(func, ast.Name):
            raise _reject(t("surfaces.formula.only_functions", functions=", ".join(FUNCTIONS)))
        name = func.id
        if name not in _FLOAT_FUNCS:
            if name in VARIABLES:
                raise _reject(t("surfaces.formula.variable_not_function", name=name))
            if name in CONSTANTS:
                raise _reject(t("surfaces.formula.constant_not_function", name=name))
            raise _reject(t("surfaces.formula.unknown_function", name=repr(name), functions=", ".join(FUNCTIONS)))
        if node.keywords:
            raise _reject(t("surfaces.formula.named_arguments", name=name))
        if len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
            raise _reject(t("surfaces.formula.one_argument", name=name))
        inner = self.check(node.args[0])
        # Functions keep exact arguments symbolic (sin(3) stays sin(3)), return them (abs) or
        # take roots of them (sqrt), which never grows the integers SymPy stores; growth comes
        # only from integer powers, bounded in _binop (measured: sqrt(r)^5 nested 8 levels
        # deep grows 2.5x per level, which the bound of 5x per level covers).
        bits = inner.bits
        if inner.value is None:
            return _Info(None, bits)
        try:
            value = _FLOAT_FUNCS[name](inner.value)
        except OverflowError:
            value = math.inf
        except (ValueError, ZeroDivisionError):
            value = math.nan
        return self._const(value, node, bits)


def validate(text: object) -> ast.Expression:
    """Check a formula without evaluating or SymPy-parsing anything; return its syntax tree.

    Raises ValueError with a user-facing message. Exposed so a text box can validate as the
    user types without paying for differentiation and compilation.
    """
    source = _check_text(text)
    tree = _parse(source)
    _check_shape(tree)
    checker = _Checker(source, caret="^" in str(text))
    checker.check(tree.body)
    if not checker.uses_variable:
        raise _reject(t("surfaces.formula.no_variable"))
    return tree
