"""Stability limits of the learning rate on quadratics (pure maths, no Streamlit).

On f = ½ θᵀHθ every method here is linear in (θ, velocity), so "does it diverge?" has an exact
answer from the largest curvature λmax (the largest Hessian eigenvalue), in PyTorch's
conventions (velocity b ← μb + g, step θ ← θ − η·(…)):

- gradient descent: θ ← (1 − ηλ)θ is stable iff ηλ < 2, so **η < 2/λmax**;
- heavy-ball momentum (torch SGD, momentum=μ): the 2×2 iteration on (θ, ηb) has trace
  1 + μ − ηλ and determinant μ; its eigenvalues stay inside the unit circle iff
  ηλ < 2(1 + μ), so **η < 2(1 + μ)/λmax** (at μ = 0.9 almost twice the GD limit);
- Nesterov (torch, nesterov=True: θ ← θ − η(g + μb)): trace (1 + μ)(1 − ηλ), determinant
  μ(1 − ηλ); the eigenvalue reaches −1 at ηλ = 2(1 + μ)/(1 + 2μ), so
  **η < 2(1 + μ)/((1 + 2μ) λmax)** (the look-ahead makes it *less* tolerant of large steps).

L2 weight decay λ_wd adds λ_wd to every curvature. Adaptive methods (AdaGrad, RMSprop, Adam)
rescale each step by the gradient's own size, so no fixed limit of this kind exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping


@dataclass(frozen=True)
class StabilityLimit:
    limit: float  # largest stable learning rate
    formula: str  # LaTeX of the rule, e.g. r"\eta < 2/\lambda_{max}"
    value_text: str  # the numbers substituted

    def holds(self, lr: float) -> bool:
        return lr < self.limit


def stability_limit(opt_key: str, hyper: Mapping[str, float], lam_max: float) -> StabilityLimit | None:
    """The learning-rate limit of ``opt_key`` on a quadratic with top curvature ``lam_max``.

    None for optimizers without a fixed limit (adaptive ones) or a non-positive curvature.
    """
    wd = float(hyper.get("weight_decay", 0.0)) if opt_key in ("sgd", "momentum", "nesterov") else 0.0
    lam = float(lam_max) + wd
    if not lam > 0:
        return None
    lam_txt = f"{lam:.4g}" + (f" (λmax {lam_max:.4g} + weight decay {wd:g})" if wd else "")
    if opt_key == "sgd":
        return StabilityLimit(2.0 / lam, r"\eta < 2/\lambda_{\max}", f"2 / {lam_txt} = {2.0 / lam:.4g}")
    if opt_key == "momentum":
        mu = float(hyper.get("momentum", 0.0))
        lim = 2.0 * (1.0 + mu) / lam
        return StabilityLimit(lim, r"\eta < 2(1+\mu)/\lambda_{\max}", f"2·(1 + {mu:g}) / {lam_txt} = {lim:.4g}")
    if opt_key == "nesterov":
        mu = float(hyper.get("momentum", 0.0))
        lim = 2.0 * (1.0 + mu) / ((1.0 + 2.0 * mu) * lam)
        return StabilityLimit(lim, r"\eta < \frac{2(1+\mu)}{(1+2\mu)\,\lambda_{\max}}",
                              f"2·(1 + {mu:g}) / ((1 + 2·{mu:g})·{lam_txt}) = {lim:.4g}")
    return None
