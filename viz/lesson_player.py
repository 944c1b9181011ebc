"""Feeding lesson runs to the shared browser player (viz.player).

The player colours runs by optimizer key and advances all panels one *step* per frame. The
mini-batch lesson needs two things it does not do on its own:

* runs of the same optimizer with different batch sizes, each in its own colour
  (`recolor_payload`);
* panels synchronised by *work done* rather than by step: after k sample-gradients, full-batch
  GD has made k/N steps while SGD has made k. Playing them in step-lockstep would hide the
  lesson ("small batches take many cheap steps"), so `work_synced` resamples each path onto a
  common clock of sample-gradients.
"""

from __future__ import annotations

import hashlib
import json
from typing import Mapping

import numpy as np

Array = np.ndarray


def work_synced(path: Array, loss: Array, batch: int, n_samples: int, epochs: int, frames: int | None = None
                ) -> tuple[Array, Array, Array]:
    """Resample a run onto a clock of sample-gradients: returns ``(clock, path_f, loss_f)``.

    Frame k shows the run after ``clock[k]`` sample-gradients, i.e. after every mini-batch that
    was complete by then (each epoch is ⌈N/B⌉ batches of B, the last one smaller). ``frames``
    caps the number of frames (default: one per sample-gradient, at most 4,000) so a long
    run stays a small payload.
    """
    path = np.asarray(path, dtype=float)
    loss = np.asarray(loss, dtype=float)
    total = int(epochs) * int(n_samples)
    n_frames = min(total, 4000) if frames is None else int(frames)
    clock = np.unique(np.linspace(0, total, n_frames + 1).round().astype(np.int64))
    per_epoch = -(-int(n_samples) // int(batch))
    epoch, within = np.divmod(clock, int(n_samples))
    steps = epoch * per_epoch + within // int(batch)
    steps = np.minimum(steps, len(path) - 1)
    return clock, path[steps], loss[steps]


def recolor_payload(payload: Mapping[str, str], colors: Mapping[str, str]) -> dict[str, str]:
    """A player payload with run colours replaced (by run key), its data id recomputed."""
    data = json.loads(payload["data"])
    for run in data.get("runs", []):
        if run.get("key") in colors:
            run["color"] = colors[run["key"]]
    body = json.dumps(data, separators=(",", ":"), allow_nan=False)
    return {"data": body, "data_id": hashlib.sha1(body.encode()).hexdigest()[:20]}
