"""AppTest for the lesson pages: each runs clean, and its main control changes what it shows."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

PAGES = Path(__file__).resolve().parents[1] / "pages"
TIMEOUT = 120


def _app(name: str, **query: str) -> AppTest:
    at = AppTest.from_file(str(PAGES / f"{name}.py"), default_timeout=TIMEOUT)
    for k, v in query.items():
        at.query_params[k] = v
    return at.run()


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


@pytest.mark.parametrize("name", ["ewma", "schedules", "minibatch", "sweep"])
def test_page_runs_and_opens_with_a_lesson(name):
    at = _app(name)
    _ok(at)
    text = " ".join(m.value for m in at.markdown)
    assert "Try:" in text and "Notice:" in text  # every lesson says what to try and what to notice


def test_ewma_beta_changes_the_window_and_the_start():
    at = _app("ewma")
    before = _metrics(at)
    assert before["Effective window 1/(1−β)"] == "50 steps"
    at.slider(key="ewma_beta").set_value(0.9).run()
    _ok(at)
    after = _metrics(at)
    assert after["Effective window 1/(1−β)"] == "10 steps"
    assert after["Day 1 average, no correction"] != before["Day 1 average, no correction"]
    assert after["Day 1 average, corrected"] == after["Day 1 data θ₁"]  # correction: v̂₁ = θ₁
    # Streamlit's own binding writes the address bar (the browser test checks the URL itself).
    assert at.slider(key="ewma_beta").proto.query_param_key == "ewma_beta"


@pytest.mark.parametrize("names", [("ewma_beta", "ewma_series", "ewma_seed"), ("beta", "series", "seed")])
def test_ewma_bad_url_values_fall_back_with_a_notice(names):
    """Streamlit drops a bound value it cannot use; the page says so (old names too)."""
    beta, series, seed = names
    at = _app("ewma", **{beta: "7", series: "nope", seed: "x"})
    _ok(at)
    notice = " ".join(i.value for i in at.info)
    assert f"{beta}=7" in notice and f"{series}=nope" in notice and f"{seed}=x" in notice
    assert at.slider(key="ewma_beta").value == pytest.approx(0.999)  # clamped, not dropped
    assert at.selectbox(key="ewma_series").value == "temperature" and at.number_input(key="ewma_seed").value == 0


@pytest.mark.parametrize("query", [dict(ewma_beta="0.9", ewma_series="gradient", ewma_seed="3"),
                                   dict(beta="0.9", series="gradient", seed="3")])
def test_ewma_link_keys_and_the_old_names_open_the_same_page(query):
    at = _app("ewma", **query)
    _ok(at)
    assert not at.info
    assert (at.slider(key="ewma_beta").value, at.selectbox(key="ewma_series").value,
            at.number_input(key="ewma_seed").value) == (pytest.approx(0.9), "gradient", 3)
    assert not {"beta", "series", "seed"} & set(at.query_params)  # an old name leaves the address bar


def test_ewma_url_sets_beta():
    at = _app("ewma", beta="0.5")
    _ok(at)
    assert _metrics(at)["Effective window 1/(1−β)"] == "2 steps"


def test_schedules_choice_changes_the_run():
    at = _app("schedules", steps="200")
    _ok(at)
    before = _metrics(at)["Final rate"], _metrics(at)["Noise ball, with the schedule"]
    at.selectbox(key="sched_name").set_value("step").run()
    _ok(at)
    after = _metrics(at)["Final rate"], _metrics(at)["Noise ball, with the schedule"]
    assert after != before
    at.selectbox(key="sched_name").set_value("warmup").run()
    _ok(at)
    lr = at.select_slider(key="sched_lr_sgd").value
    assert float(_metrics(at)["Final rate"]) == pytest.approx(lr, rel=1e-3)  # warm-up ends at factor 1


@pytest.mark.parametrize("sched", ["constant_is_hidden", "exponential", "inverse_time", "warmup_cosine",
                                   "sqrt_decay", "milestones"])
def test_schedules_every_schedule_from_the_url(sched):
    at = _app("schedules", schedule=sched, steps="100")
    _ok(at)
    if sched == "milestones":  # default milestones 100, 200, 300 are past a 100-update run: no drop
        assert float(_metrics(at)["Final rate"]) == pytest.approx(at.select_slider(key="sched_lr_sgd").value, rel=1e-3)
    if sched == "constant_is_hidden":
        assert any("schedule=" in i.value for i in at.info)


def test_minibatch_batch_size_changes_steps_and_table():
    at = _app("minibatch", epochs="5")
    _ok(at)
    assert _total_steps(at) == [5, 40, 320]
    at.slider(key="mb_batch").set_value(32).run()
    _ok(at)
    assert _total_steps(at) == [5, 10, 320]
    table = at.table[0].value
    assert [int(v) for v in table["sample-gradients per step"]] == [64, 32, 1]
    assert [int(v) for v in table["steps per epoch"]] == [1, 2, 64]


def _total_steps(at: AppTest) -> list[int]:
    return [int(v) for v in at.table[0].value["total steps"]]


@pytest.mark.parametrize("opt", ["momentum", "adam", "rmsprop"])
def test_minibatch_any_optimizer(opt):
    at = _app("minibatch", opt=opt, epochs="3", n="32", batch="4")
    _ok(at)
    assert _total_steps(at) == [3, 24, 96]


def _map(at: AppTest) -> dict:
    """What the map page shows: grid size and diverged runs (caption), the selected run (subheader)."""
    import re

    caption = next(c.value for c in at.caption if " runs diverged" in c.value)
    n = int(re.search(r"(\d+) × \1 = ", caption).group(1))
    diverged = int(re.search(r"([\d,]+) runs diverged", caption).group(1).replace(",", ""))
    run = next(h.value for h in at.subheader if h.value.startswith("The run at"))
    return dict(n=n, diverged=diverged, run=run)


def test_sweep_optimizer_and_axes_change_the_map():
    at = _app("sweep", n="50", steps="250")
    _ok(at)
    s = _map(at)
    assert (at.selectbox(key="sw_opt").value, at.selectbox(key="sw_x_momentum").value,
            at.selectbox(key="sw_y_momentum").value, s["n"]) == ("momentum", "lr", "momentum", 50)
    assert s["diverged"] > 0  # Rosenbrock with lr up to 10: the wall is there
    at.selectbox(key="sw_opt").set_value("adam").run()
    _ok(at)
    s2 = _map(at)
    assert at.selectbox(key="sw_y_adam").value == "beta2" and "beta2 = " in s2["run"]
    assert s2["run"] != s["run"]  # a new map starts from its own best cell
    at.selectbox(key="sw_y_adam").set_value("beta1").run()
    _ok(at)
    assert "beta1 = " in _map(at)["run"]


def test_sweep_opens_with_the_edge_mid_map():
    """The default map spans a decade either side of momentum's stability limit on Rosenbrock:
    its caption says how many runs diverged, and that share is neither most nor few of them."""
    import re

    at = _app("sweep", n="40")
    _ok(at)
    assert at.select_slider(key="sw_range_momentum_lr").value == (0.0002, 0.05)
    caption = " ".join(c.value for c in at.caption)
    share = int(re.search(r"runs diverged \((\d+)%\)", caption).group(1))
    assert 25 <= share <= 75, caption


def test_sweep_selected_cell_from_url_and_metric():
    at = _app("sweep", n="20", steps="250", sel_x="0.001", sel_y="0.9", metric="steps")
    _ok(at)
    sub = [h.value for h in at.subheader]
    assert any("lr = 0.00113" in h or "lr = 0.001" in h for h in sub), sub
    assert "steps to tolerance" in _metrics(at)


def test_sweep_large_grid_runs_in_chunks():
    at = _app("sweep", n="150", steps="100", surface="bowl", opt="sgd")
    _ok(at)
    assert _map(at)["n"] == 150


def test_sweep_custom_formula_and_a_bad_one():
    at = _app("sweep", surface="custom", formula="x^2 + 3*y^2", n="20", steps="100")
    _ok(at)
    assert not at.error
    assert at.session_state["sw_formula"] == "x^2 + 3*y^2"
    assert at.query_params["formula"] in ("x^2 + 3*y^2", ["x^2 + 3*y^2"])  # the shared key, written back
    legacy = _app("sweep", surface="custom", f="x**2 + 3*y**2", n="20", steps="100")  # links from before
    _ok(legacy)
    assert legacy.session_state["sw_formula"] == "x**2 + 3*y**2"
    assert "f" not in legacy.query_params
    bad = _app("sweep", surface="custom", formula="__import__('os')", n="20", steps="100")
    _ok(bad)
    assert any("formula=" in i.value for i in bad.info)  # a notice, not a traceback
    from lessons.race import DEFAULT_FORMULA

    assert bad.session_state["sw_formula"] == DEFAULT_FORMULA


def test_sweep_typed_bad_formula_keeps_the_previous_map():
    at = _app("sweep", surface="custom", formula="x^2 + 3*y^2", n="20", steps="100")
    before = _map(at)
    at.text_input(key="sw_formula").set_value("x^2 + ").run()
    _ok(at)
    assert at.error  # inline, under the box
    assert _map(at) == before  # the map of the last formula that worked
    assert at.query_params["formula"] in ("x^2 + 3*y^2", ["x^2 + 3*y^2"])


# ------------------------------------------------------------------ link values never become markup

#: A crafted link value: closes a code span, then a clickable link, a remote image, raw HTML and
#: a bare URL (GitHub-flavoured markdown autolinks those).
CRAFTED = "`[click](https://e.vl)![i](//e.vl/i)`"
#: Keys per page whose bad value is quoted back in a notice: bound widgets' keys and old names.
CRAFTED_KEYS = {"ewma": ("ewma_series", "ewma_beta", "series"), "schedules": ("sched_name", "sched_noise", "schedule"),
                "minibatch": ("mb_opt", "mb_n", "opt"), "sweep": ("sw_opt", "sw_n", "opt"),
                "challenges": ("challenge",)}


def _live_markup(text: str) -> list[str]:
    """What of ``text`` would still render as markup once backslash-escaped characters are dropped."""
    import re

    plain = re.sub(r"\\.", "", text)
    return [t for t in ("](", "![", "<img", "://", "www.", ":red[", "$x", "`") if t in plain.lower()]


@pytest.mark.parametrize("name,key", [(n, k) for n, keys in CRAFTED_KEYS.items() for k in keys])
def test_a_crafted_link_value_renders_as_plain_text(name, key):
    small = {"sw_n": "20", "sw_steps": "100"} if name == "sweep" else {}
    at = _app(name, **{**small, key: CRAFTED})
    _ok(at)
    shown = [e.value for kind in ("info", "warning", "error", "caption", "markdown") for e in getattr(at, kind)]
    notices = [t for t in shown if "click" in t]
    assert notices, "the bad value is reported"
    for text in notices:
        assert not _live_markup(text), text


#: Every bound key of each page (the ones a link can carry), with a small map so the sweep stays fast.
BOUND = {
    "ewma": ["ewma_beta", "ewma_series", "ewma_seed"],
    "schedules": ["sched_name", "sched_cosine_min_ratio", "sched_surface", "sched_opt", "sched_lr_sgd", "sched_noise",
                  "sched_steps"],
    "minibatch": ["mb_n", "mb_batch", "mb_opt", "mb_lr_sgd", "mb_epochs", "mb_seed"],
    "sweep": ["sw_surface", "sw_opt", "sw_x_momentum", "sw_y_momentum", "sw_metric", "sw_tol", "sw_range_momentum_lr"],
}


@pytest.mark.parametrize("bad", ["nan", "-1e308", CRAFTED, "0.5"])
@pytest.mark.parametrize("name", list(BOUND))
def test_every_bound_key_survives_a_bad_value(name, bad):
    """Each bound widget's key with a bad (or merely odd) value: a notice or a clamp, never a traceback,
    and the value never shows as markup."""
    small = {"sw_n": "20", "sw_steps": "100"} if name == "sweep" else {}
    at = _app(name, **small, **{k: bad for k in BOUND[name]})
    _ok(at)
    for text in (i.value for i in at.info):
        assert not _live_markup(text), text
    if bad != "0.5":
        assert at.info, "a bad value is reported"


def test_minibatch_schedule_per_update_or_per_epoch():
    """The course counts decay in epochs: stepping per epoch changes the mini-batch and SGD runs
    (⌈N/B⌉ updates per epoch) but not full-batch GD (one update per epoch)."""
    at = _app("minibatch", epochs="4", mb_sched="step", mb_sched_step_step_size="2", mb_sched_by="update")
    _ok(at)
    per_update = [float(v) for v in at.table[0].value["final f − f*"]]
    at.radio(key="mb_sched_by").set_value("epoch").run()
    _ok(at)
    per_epoch = [float(v) for v in at.table[0].value["final f − f*"]]
    assert per_epoch[0] == per_update[0] and per_epoch[1] != per_update[1] and per_epoch[2] != per_update[2]
    linked = _app("minibatch", epochs="4", mb_sched="step", mb_sched_step_step_size="2", mb_sched_by="epoch")
    _ok(linked)  # the choice travels in the link
    assert [float(v) for v in linked.table[0].value["final f − f*"]] == per_epoch
