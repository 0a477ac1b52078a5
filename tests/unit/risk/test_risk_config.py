"""RiskConfig defaults (as the issue specifies them) and validation."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from tradegraph.core.errors import ConfigurationError, ValidationError
from tradegraph.risk import HARD_MAX_LEVERAGE, RiskConfig

D = Decimal


def test_defaults_match_the_specification() -> None:
    c = RiskConfig()
    assert (c.risk_per_trade_min, c.risk_per_trade_max) == (D("0.0025"), D("0.02"))
    assert (c.leverage, HARD_MAX_LEVERAGE) == (D(3), D(10))
    assert c.max_instrument_exposure == c.max_cluster_exposure == D("0.2")
    assert c.min_reward_risk == D(1)
    assert c.expected_profit_floor == D("0.05")
    assert RiskConfig(intraday=True).expected_profit_floor is None
    assert (c.daily_loss_limit, c.monthly_loss_limit) == (D("0.08"), D("0.2"))


def test_leverage_above_the_hard_maximum_is_refused() -> None:
    assert RiskConfig(leverage=D(10)).leverage == D(10)
    with pytest.raises(ConfigurationError, match="leverage"):
        RiskConfig(leverage=D(11))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("risk_per_trade_max", D("0.5")),
        ("risk_per_trade_min", D("0.03")),  # above the max
        ("daily_loss_limit", D(0)),
        ("price_collar", D(-1)),
        ("correlation_threshold", 1.5),
        ("max_orders", 0),
        ("order_rate_window", timedelta(0)),
        ("max_order_notional", D(0)),
        ("reducing_factor", D("1.5")),
    ],
)
def test_invalid_values_name_the_field(field: str, value: object) -> None:
    with pytest.raises(ConfigurationError) as info:
        RiskConfig(**{field: value})  # type: ignore[arg-type]
    assert field in str(info.value)
    assert info.value.hint


def test_from_mapping_parses_strings_and_seconds() -> None:
    c = RiskConfig.from_mapping(
        {
            "leverage": "2",
            "order_rate_window": 30,
            "restricted": ["BTC/USDT"],
            "clusters": [["A", "B"]],
            "sizing": "kelly",
        }
    )
    assert c.leverage == D(2)
    assert c.order_rate_window == timedelta(seconds=30)
    assert c.restricted == frozenset({"BTC/USDT"})
    assert c.clusters == (frozenset({"A", "B"}),)
    with pytest.raises(ConfigurationError, match="levrage"):
        RiskConfig.from_mapping({"levrage": "2"})
    with pytest.raises(ConfigurationError, match="leverage"):
        RiskConfig.from_mapping({"leverage": "lots"})
    with pytest.raises(ConfigurationError, match="leverage"):
        RiskConfig.from_mapping({"leverage": "20"})


def test_numbers_are_coerced_to_decimal() -> None:
    c = RiskConfig(leverage=2, price_collar=0.1)  # type: ignore[arg-type]
    assert c.leverage == D(2)
    assert c.price_collar == D("0.1")
    with pytest.raises(ValidationError):
        c.risk_fraction(1.5)
