"""torch fidelity, fast: replay recorded torch.optim trajectories with the engine.

``tests/golden/torch_paths.json`` holds trajectories recorded from torch 2.13 (float64, CPU) by
``tests/golden/record_torch.py``: every optimizer × several surfaces × weight decay, every
schedule, clipping, noise, extreme β. Each case is replayed with ``optimizers.run_batch`` using
the engine's own noise, schedule and clipping, and must agree to 1e-12 relative (to the size of
the path, so coordinates that pass through 0 do not demand more than the last bit).

A registry optimizer without recorded cases fails ``test_every_optimizer_is_recorded``: a new
optimizer is not done until it has been recorded against torch. The replay needs no torch; the
recording itself is checked against live torch here (torch 2.13.0 is a test requirement), as
are the update rules in ``tests/test_optimizers.py`` and the schedulers in
``tests/test_schedules.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from optimizers import OPTIMIZERS, SCHEDULES, make_schedule, run_batch
from surfaces import SURFACES
from tests.golden.record_torch import run_torch

FIXTURE = Path(__file__).parent / "golden" / "torch_paths.json"
DATA = json.loads(FIXTURE.read_text())
CASES = DATA["cases"]
RTOL = 1e-12
#: "tight" cases (1,000 steps): ‖engine − torch‖ ≤ TIGHT × the path's scale at every step, the
#: measure of tests/golden/measure_drift.py. In torch's order of operations the engine stays
#: within a few 1e-16 on them; numpy's own order (lerp as (g − m)(1 − β₁) + m, v β + g²(1 − β),
#: (g/√v)·η) drifts past 1e-15 well before step 1,000.
TIGHT = 1e-15
#: recorded cases the engine reproduces bit for bit: torch's order with no fused multiply-add
#: rounding in play (tests/golden/measure_drift.py). A change of operation order breaks them in
#: the first few steps.
BIT_EXACT = (
    "adam/rosenbrock/base",
    "adam/beale/base",
    "adam/rosenbrock/schedule_warmup_cosine",
    "adamw/rosenbrock/beta_high",
    "adamw/rosenbrock/clip",
    "nadam/rosenbrock/base",
    "nadam/saddle/base",
    "nadam/rosenbrock/beta_high",
    "rmsprop/saddle/base",
    "adagrad/saddle/base",
)


def replay(case: dict) -> np.ndarray:
    """The engine's path for a recorded case, (steps + 1, 2)."""
    sched = case["schedule"]
    schedule = make_schedule(sched["key"], **sched["params"]) if sched else None
    result = run_batch(
        SURFACES[case["surface"]],
        OPTIMIZERS[case["optimizer"]],
        case["hyper"],
        np.array(case["start"], dtype=float),
        case["steps"],
        noise=case["noise"],
        seed=case["seed"],
        schedule=schedule,
        clip_norm=case["clip_norm"],
        record="path",
    )
    assert result.diverged_at[0] == -1, f"the engine diverged at update {result.diverged_at[0]}"
    return result.path[:, 0, :]


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_engine_matches_recorded_torch(case):
    expected = np.array(case["path"])
    got = replay(case)
    assert got.shape == expected.shape
    scale = np.max(np.abs(expected))
    err = np.abs(got - expected)
    bad = err > RTOL * np.maximum(np.abs(expected), scale)
    if bad.any():
        first = int(np.argmax(bad.any(axis=1)))
        pytest.fail(
            f"{case['id']}: differs from torch {DATA['torch']} "
            f"from step {first} on: engine {got[first].tolist()} vs torch {expected[first].tolist()}"
        )


@pytest.mark.parametrize("case", [c for c in CASES if c.get("tight")], ids=lambda c: c["id"])
def test_long_runs_stay_within_a_few_ulps_of_torch(case):
    expected = np.array(case["path"])
    got = replay(case)
    rel = np.linalg.norm(got - expected, axis=1) / np.max(np.linalg.norm(expected, axis=1))
    assert case["steps"] >= 1000
    assert rel.max() <= TIGHT, f"{case['id']}: {rel.max():.1e} of the path's scale at step {int(rel.argmax())}"


@pytest.mark.parametrize("case_id", BIT_EXACT)
def test_torch_order_of_operations_is_kept_bit_for_bit(case_id):
    case = next(c for c in CASES if c["id"] == case_id)
    expected = np.array(case["path"])
    got = replay(case)
    differ = np.flatnonzero((got != expected).any(axis=1))
    assert differ.size == 0, f"{case_id}: first differs from torch at step {differ[0]}"


def test_every_optimizer_is_recorded():
    recorded = {c["optimizer"] for c in CASES}
    # a teaching variant has no torch call to record (tests/test_optimizers.py checks it
    # against torch's arithmetic written out)
    missing = [key for key, opt in OPTIMIZERS.items() if key not in recorded and not opt.teaching_variant_of]
    assert not missing, f"record {missing} with tests/golden/record_torch.py (torch 2.13)"
    stale = sorted(recorded - set(OPTIMIZERS))
    assert not stale, f"{stale} recorded but not registered: record again with tests/golden/record_torch.py"


def test_every_schedule_and_setting_is_recorded_for_every_optimizer():
    """Each recorded optimizer is covered by weight decay, every schedule, clipping and noise."""
    by_opt: dict[str, set[str]] = {}
    for c in CASES:
        kinds = by_opt.setdefault(c["optimizer"], set())
        if c["schedule"]:
            kinds.add("schedule:" + c["schedule"]["key"])
        if c["clip_norm"] is not None:
            kinds.add("clip")
        if c["noise"]:
            kinds.add("noise")
        if c["hyper"].get("weight_decay"):
            kinds.add("weight_decay")
        kinds.add("surface:" + c["surface"])
    wanted = {"schedule:" + k for k in SCHEDULES if k != "constant"} | {"clip", "noise", "weight_decay"}
    for key in (k for k, opt in OPTIMIZERS.items() if not opt.teaching_variant_of):
        kinds = by_opt.get(key, set())
        assert wanted <= kinds, f"{key}: no recorded case for {sorted(wanted - kinds)}"
        assert len({k for k in kinds if k.startswith("surface:")}) >= 4, key


def test_fixture_stays_small():
    assert FIXTURE.stat().st_size < 600_000
    assert all(60 <= c["steps"] <= 150 for c in CASES if not c.get("tight"))
    assert sum(c["steps"] for c in CASES if c.get("tight")) <= 3000


def _one_case_per_optimizer() -> list[dict]:
    seen: dict[str, dict] = {}
    for c in CASES:
        if c["schedule"] and c["clip_norm"] is None:
            seen.setdefault(c["optimizer"], c)
    return list(seen.values())


@pytest.fixture
def float64_torch():
    """torch with float64 as its default dtype, as the recorder runs it (NAdam keeps its
    μ product in the default dtype); the previous default is restored afterwards."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        yield torch
    finally:
        torch.set_default_dtype(previous)


@pytest.mark.parametrize("case", _one_case_per_optimizer(), ids=lambda c: c["id"])
def test_fixture_matches_live_torch(case, float64_torch):
    """The recording is what torch does today, bit for bit, on one case per optimizer (cases
    whose square roots MKL rounds alike on the CPUs measured: see tests/golden/record_torch.py)."""
    assert run_torch(float64_torch, case) == case["path"]


def test_every_recorded_case_is_live_torch(float64_torch):
    """Every recorded case run again in live torch (with the recorder's check of torch's
    scheduler learning rates against ``Schedule.factor``) takes the recorded path within RTOL.
    Not bit for bit: torch's CPU sqrt goes through MKL, whose last bit depends on the CPU (a
    handful of cases move by ~1e-17 of their scale)."""
    bad = []
    for case in CASES:
        expected = np.array(case["path"])
        live = np.array(run_torch(float64_torch, case))
        scale = np.max(np.abs(expected))
        if not (np.abs(live - expected) <= RTOL * np.maximum(np.abs(expected), scale)).all():
            bad.append(case["id"])
    assert not bad, f"torch {torch.__version__} no longer takes the recorded paths: {bad}"
