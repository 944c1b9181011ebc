"""What the lesson pages open with: their optimizer and starting learning rates (plain data).

Why here and not in the pages: which optimizer a lesson starts from, and which rate makes it
visible on that lesson's surface, is lesson content like the presets; the pages themselves stay
generic (they never name an optimizer). An optimizer missing from a table gets the page's
``*_OTHER`` value.
"""

from __future__ import annotations

#: The hyperparameter map opens on momentum (its μ axis is the map's first lesson).
SWEEP_OPTIMIZER = "momentum"

#: The schedules page: plain SGD first; momentum needs a smaller base rate on the noisy bowl.
SCHEDULES_OPTIMIZER = "sgd"
SCHEDULES_LR = {"sgd": 0.3, "momentum": 0.05, "nesterov": 0.05}
SCHEDULES_LR_OTHER = 0.3

#: The mini-batch page: the SGD family at 0.1, adaptive methods (steps of about η) at 0.05.
MINIBATCH_OPTIMIZER = "sgd"
MINIBATCH_LR = {"sgd": 0.1, "momentum": 0.1, "nesterov": 0.1}
MINIBATCH_LR_OTHER = 0.05
