"""Session options (direction mode, stop policy, schedule): validated, and persisted with
the session spec's parameters."""

from __future__ import annotations

import math

import pytest

from tradegraph.backtest.config import Direction as Mode
from tradegraph.core.errors import ValidationError
from tradegraph.orchestrator.sessions.options import (
    OPTIONS_KEY,
    SessionOptions,
    parse_mode,
    split_params,
    with_options,
)
from tradegraph.risk.stops import StopPolicy, TrailingKind


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
    ],
)
def test_options_round_trip_through_the_spec_parameters(options: SessionOptions) -> None:
    params = with_options({"fast": 10, "slow": 40}, options)
    assert set(params) == {"fast", "slow", OPTIONS_KEY}
    back, rest = split_params(params)
    assert back == options
    assert rest == {"fast": 10, "slow": 40}


def test_no_options_means_the_defaults() -> None:
    options, rest = split_params({"fast": 5})
    assert options == SessionOptions()
    assert options.direction is Mode.LONG
    assert options.stop_policy is None
    assert rest == {"fast": 5}
    assert math.isinf(StopPolicy().time_stop_min_r)


def test_bad_options_are_refused_clearly() -> None:
    with pytest.raises(ValidationError, match="Cron expression"):
        SessionOptions(schedule="every hour")
    with pytest.raises(ValidationError, match="not JSON"):
        split_params({OPTIONS_KEY: "{nope"})
    with pytest.raises(ValidationError, match="Unknown session option"):
        SessionOptions.from_dict({"direction": "long", "speed": 3})
