"""The lesson "find the edge of stability": the preset that arms the player's live slider.

Its numbers are computed, never typed: λmax is the bowl's largest Hessian eigenvalue
(``Surface.hessian_eigs``), and each edge is the optimizer's own declared stability limit
(``Optimizer.stability``: 2/λmax for gradient descent, 2(1 + μ)/λmax for heavy-ball momentum).
tests/test_live_slider_page.py recomputes every claim of the text with the engine.
"""

from __future__ import annotations

from i18n import Msg
from optimizers import OPTIMIZERS
from surfaces import SURFACES

from .questions import Ask
from .race import Race

SURFACE = "bowl"
#: Just below SGD's edge (so the race opens stable) and the momentum coefficient the pad starts at.
SGD_LR = 0.9
MU = 0.5
START = (-7.0, 2.0)
STEPS = 40


def edges() -> dict[str, float]:
    """λmax of the bowl and the two edges, from the surface and the optimizers' declarations."""
    lam = float(max(SURFACES[SURFACE].hessian_eigs))
    sgd, mom = OPTIMIZERS["sgd"], OPTIMIZERS["momentum"]
    return {"lam": lam, "sgd_edge": sgd.stability(sgd.resolve({}), lam).limit,
            "mom_edge": mom.stability(mom.resolve({"momentum": MU}), lam).limit, "mu": MU}


def edge_preset(preset_class):
    """The preset (built with ``lessons.presets.Preset``, passed in to avoid an import cycle)."""
    e = edges()
    race = Race(SURFACE, {"sgd": {"lr": SGD_LR}, "momentum": {"lr": SGD_LR, "momentum": MU}}, START, STEPS)
    words = (("title", Msg.of("edge_lesson.title")),
             ("watch", Msg.of("edge_lesson.watch", lam=e["lam"], sgd_edge=e["sgd_edge"], mom_edge=e["mom_edge"],
                              mu=e["mu"], lr=SGD_LR)),
             ("summary", Msg.of("edge_lesson.summary", sgd_edge=e["sgd_edge"], mom_edge=e["mom_edge"], mu=e["mu"])))
    return preset_class(
        key="edge",
        words=words,
        race=race,
        question=Ask("diverges", {"subject": "sgd"}, Msg.of("edge_lesson.try_next", sgd_edge=e["sgd_edge"])),
        live=(("sgd", ("lr",)), ("momentum", ("lr", "momentum"))),
    )


__all__ = ["edges", "edge_preset", "SGD_LR", "MU", "STEPS"]
