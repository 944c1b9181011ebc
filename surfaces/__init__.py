"""The surface registry: every built-in 2-D objective, plus the two surface factories.

``SURFACES`` keeps display order (dicts are ordered): the required teaching surfaces first,
optional extras after. Nothing here imports Streamlit; SymPy is imported only when a custom
formula is actually built.
"""

from __future__ import annotations

from .base import Surface
from .classic import (
    CLASSIC_SURFACES,
    EXTRA_SURFACES,
    RASTRIGIN_LOCAL_MINIMA,
    make_rotated_quadratic,
)
from .expression import from_expression
from .goldstein_price import GOLDSTEIN_PRICE
from .expression import validate as validate_expression
from .regression import RegressionData, make_regression_surface, regression_data

REGRESSION = make_regression_surface()

#: key -> Surface, in the order the app lists them.
SURFACES: dict[str, Surface] = {
    s.key: s for s in (*CLASSIC_SURFACES, REGRESSION, *EXTRA_SURFACES, GOLDSTEIN_PRICE)
}

__all__ = [
    "Surface",
    "SURFACES",
    "from_expression",
    "validate_expression",
    "make_regression_surface",
    "make_rotated_quadratic",
    "regression_data",
    "RegressionData",
    "RASTRIGIN_LOCAL_MINIMA",
]
