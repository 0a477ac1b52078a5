"""Session options (direction mode, stop policy, schedule): validated, and persisted as a
typed field of the session spec."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from tradegraph.backtest.config import Direction as Mode
from tradegraph.core.errors import ValidationError
from tradegraph.orchestrator.sessions.options import SessionOptions, parse_mode
from tradegraph.orchestrator.sessions.spec import SessionSpec
from tradegraph.risk.stops import StopPolicy, TrailingKind
from tradegraph.testing.sessions import make_session_options, make_session_spec


def test_modes_parse_like_the_backtest_option() -> None:
    assert [parse_mode(t) for t in ("long", "SHORT", " both ", "reverse")] == list(Mode)
    with pytest.raises(ValidationError, match="Unknown direction 'sideways'") as info:
        parse_mode("sideways")
    assert info.value.hint is not None
    assert "long, short, both, reverse" in info.value.hint


@pytest.mark.parametrize(
    "options",
    [
        SessionOptions(),
        SessionOptions(direction=Mode.BOTH, schedule="0 */4 * * *"),
        SessionOptions(
            direction=Mode.SHORT,
            stop_policy=StopPolicy(
                atr_multiple=2.5,
                breakeven_r=None,
                trailing=TrailingKind.CHANDELIER,
                chandelier_period=10,
                max_bars=12,
            ),
        ),
        SessionOptions(stop_policy=StopPolicy(max_bars=5, time_stop_min_r=0.5)),
        make_session_options(),
    ],
)
def test_options_round_trip_through_the_spec_json(options: SessionOptions) -> None:
    spec = make_session_spec(params={"fast": 10, "slow": 40}, options=options)
    data = json.loads(json.dumps(spec.to_dict(), allow_nan=False))
    assert data["options"] == options.to_dict()
    assert data["params"] == {"fast": 10, "slow": 40}  # the workflow's overrides only
    back = SessionSpec.from_dict(data)
    assert back.options == options
    assert back == spec


def test_options_are_a_nested_typed_object() -> None:
    data = make_session_options().to_dict()
    assert data["direction"] == "both"
    assert data["schedule"] == "0 */4 * * *"
    policy = data["stop_policy"]
    assert isinstance(policy, dict)
    assert policy["trailing"] == "chandelier"
    assert policy["time_stop_min_r"] == 0.5
    # ±inf is not JSON: it is written as text and read back with its sign
    for bound in (math.inf, -math.inf):
        policy_ = StopPolicy(max_bars=3, time_stop_min_r=bound)
        written = SessionOptions(stop_policy=policy_).to_dict()["stop_policy"]
        assert isinstance(written, dict)
        assert written["time_stop_min_r"] == str(bound)
        text = json.loads(json.dumps({"stop_policy": written}, allow_nan=False))
        assert SessionOptions.from_dict(text).stop_policy == policy_


def test_no_options_means_the_defaults() -> None:
    spec = make_session_spec()
    options = spec.options
    assert options == SessionOptions() == SessionOptions.from_dict({})
    assert options.direction is Mode.LONG
    assert options.stop_policy is None
    assert options.cron is None
    assert math.isinf(StopPolicy().time_stop_min_r)


def test_bad_options_are_refused_clearly() -> None:
    with pytest.raises(ValidationError, match="Cron expression"):
        SessionOptions(schedule="every hour")
    with pytest.raises(ValidationError, match=r"Unknown session option\(s\): speed") as info:
        SessionOptions.from_dict({"direction": "long", "speed": 3})
    assert info.value.hint == "Known: direction, stop_policy, schedule."
    with pytest.raises(ValidationError, match="must be a JSON object"):
        SessionOptions.from_dict("long")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="stop_policy must be a JSON object"):
        SessionOptions.from_dict({"stop_policy": 2.0})
    with pytest.raises(
        ValidationError, match=r"Unknown stop_policy field\(s\) in the session options: atr_mult\."
    ):
        SessionOptions.from_dict({"stop_policy": {"atr_mult": 2.0}})
    with pytest.raises(ValidationError, match="Unknown stop_policy trailing 'sideways'"):
        SessionOptions.from_dict({"stop_policy": {"trailing": "sideways"}})
    with pytest.raises(ValidationError, match="Unknown direction 'up'"):
        SessionOptions.from_dict({"direction": "up"})


def test_a_spec_with_bad_options_is_refused_clearly() -> None:
    data: dict[str, Any] = make_session_spec().to_dict()
    data["options"] = {**make_session_options().to_dict(), "stops": "atr"}
    with pytest.raises(ValidationError, match=r"Unknown session option\(s\): stops"):
        SessionSpec.from_dict(data)
