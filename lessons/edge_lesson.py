"""The lesson "find the edge of stability": the preset that arms the player's live slider.

Its numbers are computed, never typed: λmax is the bowl's largest Hessian eigenvalue
(``Surface.hessian_eigs``), and each edge is the optimizer's own declared stability limit
(``Optimizer.stability``: 2/λmax for gradient descent, 2(1 + μ)/λmax for heavy-ball momentum).
tests/test_live_slider_lesson.py recomputes every claim of the text with the engine.
"""

from __future__ import annotations

from typing import Any

import i18n
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


class Text(str):
    """A lesson sentence: its English text is the string (what ``len``, ``in`` and regexes see, as
    for every other preset), while ``str()`` and f-strings write it in the visitor's language.

    Presets are built once per process and shared by every session, so the sentence keeps its
    key and values (`i18n.Msg`) and is written at display time."""

    msg: Msg

    def __new__(cls, key: str, **values: Any) -> "Text":
        obj = super().__new__(cls, i18n.t(key, lang="en", **values))
        obj.msg = Msg.of(key, **values)
        return obj

    def __str__(self) -> str:
        return self.msg.render()

    def __format__(self, spec: str) -> str:
        return format(self.msg.render(), spec)


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
    return preset_class(
        key="edge",
        title=Text("edge_lesson.title"),
        watch=Text("edge_lesson.watch", lam=e["lam"], sgd_edge=e["sgd_edge"], mom_edge=e["mom_edge"], mu=e["mu"],
                   lr=SGD_LR),
        summary=Text("edge_lesson.summary", sgd_edge=e["sgd_edge"], mom_edge=e["mom_edge"], mu=e["mu"]),
        race=race,
        question=Ask("diverges", {"subject": "sgd"}, Text("edge_lesson.try_next", sgd_edge=e["sgd_edge"])),
        live=(("sgd", ("lr",)), ("momentum", ("lr", "momentum"))),
    )


__all__ = ["Text", "edges", "edge_preset", "SGD_LR", "MU", "STEPS"]
