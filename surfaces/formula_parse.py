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
_CHAR_HINTS = {
    "\u2212": "use '-' for minus",
    "\u2013": "use '-' for minus",
    "\u00d7": "use '*' for multiplication",
    "\u00b7": "use '*' for multiplication",
    "\u22c5": "use '*' for multiplication",
    "\u00f7": "use '/' for division",
    "\u00b2": "write x^2",
    "\u00b3": "write x^3",
    "\u03c0": "write pi",
    "\u221a": "write sqrt(...)",
    "[": "use round brackets ( )",
    "]": "use round brackets ( )",
    "{": "use round brackets ( )",
    "}": "use round brackets ( )",
    "\n": "write the formula on one line",
    "\r": "write the formula on one line",
    "\t": "use spaces",
    "'": "formulas contain no text in quotes",
    '"': "formulas contain no text in quotes",
    "_": "names are only x, y, pi, e and the listed functions",
    "%": "there is no remainder operator",
    "=": "type only the right-hand side, e.g. x^2 + y^2",
}
_NUMBER_RE = re.compile(r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_ALLOWED_SUMMARY = (
    "only x, y, pi, e, numbers, + - * / ^, parentheses and the functions "
    + ", ".join(FUNCTIONS)
    + " are allowed"
)


def _reject(message: str) -> ValueError:
    return ValueError(message)



def _check_text(text: object) -> str:
    """Length and character checks; returns the stripped text with ``^`` as ``**``."""
    if not isinstance(text, str):
        raise _reject("The formula must be text.")
    if len(text) > MAX_LENGTH:
        raise _reject(f"The formula is too long ({len(text)} characters; at most {MAX_LENGTH}).")
    text = text.strip()
    if not text:
        raise _reject("Enter a formula in x and y, for example x^2 + 3*y^2.")
    for position, char in enumerate(text, start=1):
        if char not in _ALLOWED_CHARS:
            try:
                name = unicodedata.name(char)
            except ValueError:
                name = f"U+{ord(char):04X}"
            shown = repr(char) if char.isprintable() else name
            hint = _CHAR_HINTS.get(char)
            detail = f" ({name})" if char.isprintable() and not char.isascii() else ""
            message = f"Character {shown}{detail} at position {position} is not allowed"
            message += f": {hint}." if hint else f"; {_ALLOWED_SUMMARY}."
            raise _reject(message)
    return text.replace("^", "**")


def _parse(source: str) -> ast.Expression:
    """Python's parser builds a tree and runs nothing; map its errors to user messages."""
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as err:
        where = f" near position {err.offset}" if err.offset else ""
        message = f"Could not read the formula{where}: {err.msg}."
        if re.search(r"\d\s*[A-Za-z(]|\)\s*[A-Za-z0-9(]", source):
            message += " Write multiplication explicitly, e.g. 2*x or (x+1)*(y-1)."
        raise _reject(message) from None
    except (ValueError, MemoryError, RecursionError):
        raise _reject("Could not read the formula: it is too deeply nested.") from None
    return tree


def _check_shape(tree: ast.Expression) -> None:
    """Node-count and depth limits, computed iteratively so deep input cannot recurse."""
    count = 0
    stack: list[tuple[ast.AST, int]] = [(tree.body, 1)]
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise _reject(f"The formula is too complicated (more than {MAX_NODES} parts).")
        if depth > MAX_DEPTH:
            raise _reject(f"The formula is nested too deeply (more than {MAX_DEPTH} levels).")
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.expr_context, ast.operator, ast.unaryop)):
                continue
            stack.append((child, depth + 1))


_NODE_NAMES = {
    ast.Attribute: "Attributes (a.b)",
    ast.Subscript: "Indexing (a[i])",
    ast.Lambda: "lambda",
    ast.IfExp: "'if ... else'",
    ast.Compare: "Comparisons (<, >, ==)",
    ast.BoolOp: "'and'/'or'",
    ast.NamedExpr: "Assignments (:=)",
    ast.ListComp: "List comprehensions",
    ast.SetComp: "Set comprehensions",
    ast.DictComp: "Dict comprehensions",
    ast.GeneratorExp: "Generator expressions",
    ast.List: "Lists",
    ast.Tuple: "Tuples (a, b)",
    ast.Set: "Sets",
    ast.Dict: "Dicts",
    ast.JoinedStr: "Text strings",
    ast.Starred: "Starred arguments",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.Slice: "Slices",
}
_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "^"}
_BAD_BINOPS = {
    ast.FloorDiv: "'//' (floor division)",
    ast.Mod: "'%' (remainder)",
    ast.MatMult: "'@' (matrix product)",
    ast.LShift: "'<<'",
    ast.RShift: "'>>'",
    ast.BitAnd: "'&'",
    ast.BitOr: "'|'",
    ast.BitXor: "'^' as bitwise xor",
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
            raise _reject(f"The constant part {self._segment(node)!r} is undefined.")
        if math.isinf(value) or abs(value) > MAX_CONST_MAGNITUDE:
            raise _reject(f"The constant part {self._segment(node)!r} is too large.")
        return _Info(value, bits)

    def check(self, node: ast.AST) -> _Info:
        if isinstance(node, ast.Constant):
            return self._constant(node)
        if isinstance(node, ast.Name):
            return self._name(node)
        if isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, (ast.USub, ast.UAdd)):
                op = {ast.Not: "'not'", ast.Invert: "'~'"}.get(type(node.op), "This operator")
                raise _reject(f"{op} is not allowed; {_ALLOWED_SUMMARY}.")
            inner = self.check(node.operand)
            if inner.value is None:
                return _Info(None, inner.bits)
            value = -inner.value if isinstance(node.op, ast.USub) else inner.value
            return self._const(value, node, inner.bits)
        if isinstance(node, ast.BinOp):
            return self._binop(node)
        if isinstance(node, ast.Call):
            return self._call(node)
        what = _NODE_NAMES.get(type(node), f"'{type(node).__name__}' expressions")
        raise _reject(f"{what} are not allowed in a formula; {_ALLOWED_SUMMARY}.")

    def _constant(self, node: ast.Constant) -> _Info:
        value = node.value
        if type(value) not in (int, float):  # bool is an int subclass: excluded on purpose
            raise _reject(f"{self._segment(node)!r} is not allowed; only real numbers are.")
        literal = self._segment(node)
        if not _NUMBER_RE.fullmatch(literal):
            raise _reject(f"Write numbers in decimal, like 12, 0.5 or 1e-3 (got {literal!r}).")
        if len(literal) > MAX_LITERAL_CHARS:
            raise _reject(f"The number {literal[:20]}... is too long.")
        if isinstance(value, int):
            if len(literal) > MAX_INT_DIGITS:
                raise _reject(f"Whole numbers may have at most {MAX_INT_DIGITS} digits.")
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
            raise _reject(f"{name} is a function: write it with an argument, like {name}(x).")
        raise _reject(f"Unknown name {name!r}: {_ALLOWED_SUMMARY}.")

    def _binop(self, node: ast.BinOp) -> _Info:
        op = type(node.op)
        if op not in _BINOPS:
            what = _BAD_BINOPS.get(op, "This operator")
            raise _reject(f"{what} is not allowed; {_ALLOWED_SUMMARY}.")
        left = self.check(node.left)
        right = self.check(node.right)
        if op is ast.Div and right.value == 0.0:
            raise _reject(f"{self._segment(node)!r} divides by zero.")
        if op is ast.Pow:
            if right.value is not None and abs(right.value) > MAX_CONST_EXPONENT:
                raise _reject(
                    f"The exponent in {self._segment(node)!r} is too large: constant exponents "
                    f"must be between -{MAX_CONST_EXPONENT:g} and {MAX_CONST_EXPONENT:g}."
                )
            # An exact base with b bits raised to an exponent of height 2**e has <= b*2**e bits.
            bits = left.bits * 2.0 ** min(right.bits, 1e3) + right.bits if left.bits else right.bits
        elif op in (ast.Add, ast.Sub):
            bits = left.bits + right.bits + 1.0
        else:
            bits = left.bits + right.bits
        if bits > MAX_EXACT_BITS:
            raise _reject(
                f"{self._segment(node)!r} could produce numbers too large to handle: "
                "use fewer nested powers or smaller numbers."
            )
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
            raise _reject(f"{self._segment(node)!r} divides by zero.") from None
        except OverflowError:
            value = math.inf
        return self._const(value, node, bits)

    def _call(self, node: ast.Call) -> _Info:
        func = node.func
        if not isinstance(func, ast.Name):
            raise _reject(f"Only the functions {', '.join(FUNCTIONS)} can be called.")
        name = func.id
        if name not in _FLOAT_FUNCS:
            if name in VARIABLES:
                raise _reject(f"{name} is a variable, not a function: write {name}*(...).")
            if name in CONSTANTS:
                raise _reject(f"{name} is a constant, not a function: write {name}*(...).")
            raise _reject(
                f"Unknown function {name!r}: only {', '.join(FUNCTIONS)} can be called."
            )
        if node.keywords:
            raise _reject(f"{name}() takes no named arguments: write {name}(x).")
        if len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
            raise _reject(f"{name}() takes exactly one argument, like {name}(x).")
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
        raise _reject("The formula must use x or y.")
    return tree
