"""Turn a validated formula tree into SymPy, differentiate it, compile f and ∇f to numpy.

Why a module of its own: this is the only place SymPy runs, and it runs only on a tree that
``formula_parse.validate`` has already checked node by node. The SymPy expression is *built
by hand* from that tree (never ``sympify``), differentiated with ``sympy.diff`` and compiled
with ``sympy.lambdify`` into functions that broadcast, return real floats (NaN where the
formula is undefined) and never raise.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from i18n import t

from .base import Array


@dataclass(frozen=True)
class CompiledFormula:
    """f and its exact gradient as vectorized numpy functions, plus the LaTeX of f."""

    f: Callable[[Array, Array], Array]
    grad: Callable[[Array, Array], tuple[Array, Array]]
    latex: str

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


def compile_formula(tree: ast.Expression) -> CompiledFormula:
    """SymPy f, ∂f/∂x, ∂f/∂y from a *validated* tree, compiled to numpy.

    Raises ValueError (for the person who typed it) when SymPy shows the formula to be a
    constant, undefined everywhere or complex-valued.
    """
    import sympy as sp  # deferred: the rest of the core never needs SymPy

    x, y = sp.Symbol("x", real=True), sp.Symbol("y", real=True)
    expr = _to_sympy(tree.body, sp, {"x": x, "y": y})
    if not (expr.free_symbols & {x, y}):
        raise ValueError(t("surfaces.errors.constant_formula", value=str(expr)))
    if expr.has(sp.zoo, sp.oo, -sp.oo, sp.nan):
        raise ValueError(t("surfaces.errors.undefined_everywhere"))
    if expr.has(sp.I):
        raise ValueError(t("surfaces.errors.complex"))
    gx_expr = sp.diff(expr, x)
    gy_expr = sp.diff(expr, y)
    if any(g.has(sp.Derivative, sp.Subs) for g in (gx_expr, gy_expr)):  # pragma: no cover
        raise ValueError(t("surfaces.errors.no_derivative"))

    f = _compile(expr, sp, x, y)
    fgx = _compile(gx_expr, sp, x, y)
    fgy = _compile(gy_expr, sp, x, y)

    def grad(xv, yv):
        return fgx(xv, yv), fgy(xv, yv)

    return CompiledFormula(f=f, grad=grad, latex=sp.latex(expr))
