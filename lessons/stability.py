"""The stability badge under the learning-rate slider (pure logic, no Streamlit).

On f = ½ θᵀHθ the SGD family is linear in (θ, velocity), so "does it diverge?" has an exact
answer from the largest curvature λmax. Each optimizer declares its own limit
(``Optimizer.stability``, e.g. η < 2/λmax for gradient descent, 2(1 + μ)/((1 + 2μ) λmax) for
torch's Nesterov; None for adaptive methods, whose step is rescaled by the gradient's own size).
This module only turns a limit into a verdict.

Why an "edge" verdict: exactly at the limit an eigenvalue of the iteration sits *on* the unit
circle, so the run neither shrinks nor blows up: it oscillates with constant amplitude (SGD at
lr = 1 on the bowl flips x ↦ −x forever, and the engine never flags it). Calling that "diverges"
would be false, so rates within a relative ``EDGE_TOL`` of the limit get their own label.

The verdicts' words live in ``i18n/<lang>/stability.toml``; `VERDICTS` looks them up when read,
so it speaks the reader's language although it is a module-level table.
"""

from __future__ import annotations

from typing import Mapping

from i18n.fields import Words
from optimizers.base import Optimizer, StabilityLimit

#: Relative distance to the limit that counts as "at the edge" (slider values are rounded).
EDGE_TOL = 1e-6



#: The words of each key, in the current language (``stability.verdict.<key>`` in the catalogs).
VERDICTS: Mapping[str, str] = Words("stability.verdict", ("stable", "edge", "diverges"))


def stability_limit(opt: Optimizer, hyper: Mapping[str, float], lam_max: float) -> StabilityLimit | None:
    """``opt``'s declared learning-rate limit on a quadratic with top curvature ``lam_max``."""
    return opt.stability(opt.resolve(hyper), float(lam_max))


def verdict(lr: float, limit: StabilityLimit) -> str:
    """'stable' below the limit, 'edge' at it (within EDGE_TOL), 'diverges' above it."""
    if abs(lr - limit.limit) <= EDGE_TOL * limit.limit:
        return "edge"
    return "stable" if lr < limit.limit else "diverges"
