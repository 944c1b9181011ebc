"""Custom surfaces from a formula a student types, e.g. ``sin(x)*cos(y) + 0.1*(x^2 + y^2)``.

Why this module is careful: the text comes from a browser, and the obvious implementation,
``sympy.sympify(text)``, runs Python's ``eval`` on it. Here nothing derived from the text is
ever evaluated by Python or parsed by SymPy. The pipeline is:

1. cheap string checks: length limit, an ASCII character whitelist (no quotes, underscores,
   brackets, newlines, unicode lookalikes), ``^`` rewritten to ``**``;
2. ``ast.parse(..., mode="eval")``, which only builds a syntax tree (it executes nothing);
3. a whitelist walk of that tree (numbers, x, y, pi, e, + − * / **, unary ±, and calls of
   ten named maths functions with one positional argument), with limits on size, depth,
   literal sizes and the growth of exact numbers, and a float evaluation of every constant
   sub-expression so ``9**9**9**9`` or ``1/0`` is refused before SymPy sees it;
4. only then is the SymPy expression *built by hand* from the checked tree, differentiated
   with ``sympy.diff`` and compiled with ``sympy.lambdify`` to vectorized numpy.

Every rejection is a ``ValueError`` with a message meant for the person who typed the formula.
All checks before step 4 are linear in the (≤ 300 character) input, so rejection is quick.
"""

from __future__ import annotations

import ast
import math
import re
import unicodedata
from functools import lru_cache
from typing import Any, Callable

import numpy as np

from .base import Array, Bounds, Surface

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
DEFAULT_BOUNDS: Bounds = ((-5.0, 5.0), (-5.0, 5.0))
MAX_BOUND = 1e9  # far beyond any useful plot; keeps grid spacings and differences finite

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


# --------------------------------------------------------------------------------------------
# Stage 1-3: checks that run no SymPy and evaluate nothing from the text
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# Stage 4: build SymPy from the checked tree, differentiate, compile
# --------------------------------------------------------------------------------------------


def _to_sympy(node: ast.AST, sp: Any, symbols: dict[str, Any]) -> Any:
    """Translate a *validated* tree node by node; anything unexpected is a bug, so assert."""
    if isinstance(node, ast.Constant):
        if type(node.value) is int:
            return sp.Integer(node.value)
        return sp.Float(node.value)
    if isinstance(node, ast.Name):
        if node.id in symbols:
            return symbols[node.id]
        return {"pi": sp.pi, "e": sp.E}[node.id]
    if isinstance(node, ast.UnaryOp):
        inner = _to_sympy(node.operand, sp, symbols)
        return -inner if isinstance(node.op, ast.USub) else inner
    if isinstance(node, ast.BinOp):
        a = _to_sympy(node.left, sp, symbols)
        b = _to_sympy(node.right, sp, symbols)
        op = type(node.op)
        if op is ast.Add:
            return a + b
        if op is ast.Sub:
            return a - b
        if op is ast.Mult:
            return a * b
        if op is ast.Div:
            return a / b
        assert op is ast.Pow
        return a**b
    if isinstance(node, ast.Call):
        func = {
            "sin": sp.sin,
            "cos": sp.cos,
            "tan": sp.tan,
            "exp": sp.exp,
            "log": sp.log,
            "sqrt": sp.sqrt,
            "abs": sp.Abs,
            "tanh": sp.tanh,
            "sinh": sp.sinh,
            "cosh": sp.cosh,
        }[node.func.id]
        return func(_to_sympy(node.args[0], sp, symbols))
    raise AssertionError(f"unvalidated node {type(node).__name__}")  # pragma: no cover


def _floatify_big_rationals(expr: Any, sp: Any) -> Any:
    """Turn rationals beyond float precision into Floats before code generation.

    numpy cannot mix a 300-digit Python int with a float array; a Float prints as a float
    literal (inf if it is beyond float range), which numpy handles.
    """
    big = {r: sp.Float(r) for r in expr.atoms(sp.Rational) if abs(r.p) > 2**53 or r.q > 2**53}
    return expr.xreplace(big) if big else expr


def _compile(expr: Any, sp: Any, x: Any, y: Any) -> Callable[[Array, Array], Array]:
    """lambdify to numpy, wrapped so it broadcasts, is real-valued and never raises."""
    raw = sp.lambdify((x, y), _floatify_big_rationals(expr, sp), modules="numpy")

    def evaluate(xv, yv):
        xv, yv = np.broadcast_arrays(np.asarray(xv, dtype=float), np.asarray(yv, dtype=float))
        with np.errstate(all="ignore"):
            try:
                out = np.asarray(raw(xv, yv))
                if np.iscomplexobj(out):
                    out = np.where(out.imag == 0, out.real, np.nan)
                out = np.asarray(out, dtype=float)
            except (ArithmeticError, ValueError, TypeError):
                out = np.full(xv.shape, np.nan)
            # A constant (or constant derivative, like d/dx of 2x) comes back as a scalar.
            out = np.array(np.broadcast_to(out, xv.shape), dtype=float)
        return out[()] if out.ndim == 0 else out

    return evaluate


def _check_bounds(bounds: object) -> Bounds:
    if bounds is None:
        return DEFAULT_BOUNDS
    try:
        (x0, x1), (y0, y1) = bounds  # type: ignore[misc]
        x0, x1, y0, y1 = (float(v) for v in (x0, x1, y0, y1))
    except (TypeError, ValueError):
        raise _reject("Bounds must be ((xmin, xmax), (ymin, ymax)).") from None
    if not all(math.isfinite(v) and abs(v) <= MAX_BOUND for v in (x0, x1, y0, y1)):
        raise _reject(f"Bounds must be finite numbers between -{MAX_BOUND:g} and {MAX_BOUND:g}.")
    if not (x0 < x1 and y0 < y1):
        raise _reject("Bounds need xmin < xmax and ymin < ymax.")
    return ((x0, x1), (y0, y1))


def from_expression(text: str, bounds: Bounds | None = None) -> Surface:
    """A Surface from a whitelisted formula in x and y, with an exact symbolic gradient.

    ``bounds`` defaults to ((-5, 5), (-5, 5)). The result is cached on (text, bounds), because
    the app rebuilds its page, and calls this, on every interaction.
    """
    _check_text(text)  # fail fast on non-text, overlong or ill-charactered input
    return _build(text.strip(), _check_bounds(bounds))


@lru_cache(maxsize=128)
def _build(display: str, bounds: Bounds) -> Surface:
    tree = validate(display)  # everything below runs only on a fully checked tree

    import sympy as sp  # deferred: the rest of the core never needs SymPy

    x, y = sp.Symbol("x", real=True), sp.Symbol("y", real=True)
    expr = _to_sympy(tree.body, sp, {"x": x, "y": y})
    if not (expr.free_symbols & {x, y}):
        raise _reject(f"The formula must depend on x or y (it simplifies to {expr}).")
    if expr.has(sp.zoo, sp.oo, -sp.oo, sp.nan):
        raise _reject("The formula divides by zero or is undefined everywhere.")
    if expr.has(sp.I):
        raise _reject("The formula has complex values; use real-valued expressions only.")
    gx_expr = sp.diff(expr, x)
    gy_expr = sp.diff(expr, y)
    if any(g.has(sp.Derivative, sp.Subs) for g in (gx_expr, gy_expr)):  # pragma: no cover
        raise _reject("Could not differentiate the formula symbolically.")

    f = _compile(expr, sp, x, y)
    fgx = _compile(gx_expr, sp, x, y)
    fgy = _compile(gy_expr, sp, x, y)

    def grad(xv, yv):
        return fgx(xv, yv), fgy(xv, yv)

    with np.errstate(all="ignore"):
        minimum = _find_minimum(f, grad, bounds)
        start = _pick_start(f, grad, bounds, minimum)
    return Surface(
        key="custom",
        label=f"Custom: {display}",
        latex="f(x, y) = " + sp.latex(expr),
        f=f,
        grad=grad,
        bounds=bounds,
        minima=(minimum,),
        start=start,
        note=(
            "A formula you typed. Its gradient is exact: SymPy differentiates the formula "
            "symbolically, so optimizers see the true slope, not a finite-difference "
            "estimate. The marked minimum is the lowest point found numerically on the "
            "plotting range (a grid search refined locally); the formula may go lower "
            "outside the range, and other local minima are not marked."
        ),
        hessian_eigs=None,
        source=display,
    )


# --------------------------------------------------------------------------------------------
# Numerical minimum and a start point (numpy only)
# --------------------------------------------------------------------------------------------


def _find_minimum(f, grad, bounds: Bounds, n: int = 201) -> tuple[float, float]:
    """Lowest point on the plotting range: grid search, zooming grids, then damped Newton.

    The zooming grids need no derivatives, so they also settle kinks such as abs(x); the
    Newton polish (Hessian by differences of the exact gradient, backtracking, projected onto
    the bounds) then makes the gradient vanish to near machine precision at smooth minima.
    """
    (x0, x1), (y0, y1) = bounds
    lo = np.array([x0, y0])
    hi = np.array([x1, y1])
    gx, gy = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n), indexing="ij")
    z = f(gx, gy)
    values = np.where(np.isfinite(z), z, np.inf)
    if not np.isfinite(values).any():
        raise _reject(
            "The formula has no finite value anywhere on the plotting range (it is undefined "
            "or overflows everywhere there)."
        )
    i, j = np.unravel_index(np.argmin(values), values.shape)
    best = np.array([gx[i, j], gy[i, j]])
    best_f = float(values[i, j])

    # Zoom: an 11x11 grid over +-one cell around the best point, shrinking 5x per level.
    half = (hi - lo) / (n - 1)
    offsets = np.linspace(-1.0, 1.0, 11)
    for _ in range(12):
        px = np.clip(best[0] + offsets[:, None] * half[0], x0, x1)
        py = np.clip(best[1] + offsets[None, :] * half[1], y0, y1)
        px, py = np.broadcast_arrays(px, py)
        z = f(px, py)
        z = np.where(np.isfinite(z), z, np.inf)
        k = np.unravel_index(np.argmin(z), z.shape)
        if z[k] < best_f:
            best, best_f = np.array([px[k], py[k]]), float(z[k])
        half = half / 5.0

    best, best_f = _newton_polish(f, grad, best, best_f, lo, hi)
    return (float(best[0]), float(best[1]))


def _newton_polish(f, grad, p, fp, lo, hi, iterations: int = 60):
    """Damped Newton from the grid's best point, kept inside the bounds.

    Near a minimum f stops resolving differences (its changes fall below rounding long before
    the gradient does), so a step is also accepted when f is unchanged within rounding but the
    gradient shrinks: that is what takes |grad| from ~1e-8 to ~1e-15.
    """

    def gradient(q):
        return np.array(grad(q[0], q[1]), dtype=float)

    steps = 0.5 ** np.arange(40)
    g = gradient(p)
    for _ in range(iterations):
        gnorm = float(np.abs(g).max())
        if not np.isfinite(gnorm) or gnorm == 0.0:
            break
        h = 1e-5 * np.maximum(1.0, np.abs(p))
        hess = np.empty((2, 2))
        for k in range(2):
            e = np.zeros(2)
            e[k] = h[k]
            hess[:, k] = (gradient(p + e) - gradient(p - e)) / (2.0 * h[k])
        hess = 0.5 * (hess + hess.T)
        directions = [-g]
        if np.all(np.isfinite(hess)) and np.all(np.linalg.eigvalsh(hess) > 0):
            directions.insert(0, -np.linalg.solve(hess, g))
        tol = 1e-12 * (1.0 + abs(fp))
        accepted = None
        for d in directions:
            cand = np.clip(p[None, :] + steps[:, None] * d[None, :], lo, hi)
            z = f(cand[:, 0], cand[:, 1])
            z = np.where(np.isfinite(z), z, np.inf)
            k = int(np.argmin(z))
            if z[k] < fp - tol:
                accepted = cand[k], float(z[k])
                break
            for k in np.flatnonzero(z <= fp + tol)[:3]:  # flat in f: judge by the gradient
                gk = gradient(cand[k])
                if np.all(np.isfinite(gk)) and np.abs(gk).max() < 0.5 * gnorm:
                    accepted = cand[k], float(z[k])
                    break
            if accepted is not None:
                break
        if accepted is None:
            break
        moved = float(np.abs(accepted[0] - p).max())
        p, fp = accepted
        g = gradient(p)
        if moved <= 1e-15 * (1.0 + float(np.abs(p).max())):
            break
    return p, fp


def _pick_start(f, grad, bounds: Bounds, minimum: tuple[float, float]) -> tuple[float, float]:
    """A start far from the minimum, at 70% of the way to a corner (or an edge) of the view."""
    (x0, x1), (y0, y1) = bounds
    cx, cy = (x0 + x1) / 2.0, (y0 + y1) / 2.0
    hx, hy = 0.7 * (x1 - x0) / 2.0, 0.7 * (y1 - y0) / 2.0
    dirs = [(-1, 1), (1, 1), (-1, -1), (1, -1), (-1, 0), (1, 0), (0, 1), (0, -1)]
    for level in (0.7, 0.4):
        cand = [(cx + sx * hx * level / 0.7, cy + sy * hy * level / 0.7) for sx, sy in dirs]
        usable = []
        for px, py in cand:
            gxv, gyv = grad(px, py)
            if np.isfinite(f(px, py)) and np.isfinite(gxv) and np.isfinite(gyv):
                usable.append((math.hypot(px - minimum[0], py - minimum[1]), (px, py)))
        if usable:
            _, (px, py) = max(usable, key=lambda t: t[0])
            return (round(float(px), 6), round(float(py), 6))
    # The formula is finite only on a small part of the view: start on the grid point there
    # that is farthest from the minimum.
    gx, gy = np.meshgrid(np.linspace(x0, x1, 41), np.linspace(y0, y1, 41), indexing="ij")
    fin = np.isfinite(f(gx, gy))
    gxv, gyv = grad(gx, gy)
    fin &= np.isfinite(gxv) & np.isfinite(gyv)
    if not fin.any():
        return (float(minimum[0]), float(minimum[1]))
    dist = np.where(fin, np.hypot(gx - minimum[0], gy - minimum[1]), -1.0)
    k = np.unravel_index(np.argmax(dist), dist.shape)
    return (float(gx[k]), float(gy[k]))
