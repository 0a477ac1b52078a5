"""RiskConfig: the frozen, typed risk limits of one strategy, with sensible defaults.

Fractions are of account equity (``Decimal("0.02")`` is 2 %). Exposure is the absolute
notional of a position *plus every working order that could add to it*, valued at the last
price; ``leverage`` caps the sum of those exposures over all instruments (gross leverage),
while ``max_instrument_exposure`` and ``max_cluster_exposure`` cap concentration.

Build one in code (``RiskConfig(leverage=Decimal(2))``) or from a YAML/JSON mapping with
``RiskConfig.from_mapping``; either way an invalid value raises ``ConfigurationError``
naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from tradegraph.core.errors import ConfigurationError, ValidationError
from tradegraph.core.precision import to_decimal

HARD_MAX_LEVERAGE = Decimal(10)
"""No configuration may allow more gross leverage than this."""

_MAX_RISK_PER_TRADE = Decimal("0.1")


class SizingMethod(StrEnum):
    """How ``size_intent`` turns an intent into a quantity."""

    FIXED_FRACTIONAL = "fixed_fractional"  # risk a confidence-scaled fraction to the stop
    VOLATILITY_TARGET = "volatility_target"  # notional for a target annual volatility
    KELLY = "kelly"  # risk a capped fraction of the Kelly criterion


@dataclass(frozen=True, slots=True)
class RiskConfig:
    """Risk limits of one strategy. Every field has a conservative default."""

    # --- sizing -------------------------------------------------------------------------
    risk_per_trade_min: Decimal = Decimal("0.0025")
    """Equity fraction risked (entry to stop) at confidence 0."""
    risk_per_trade_max: Decimal = Decimal("0.02")
    """Equity fraction risked at confidence 1; also the hard per-order risk limit."""
    sizing: SizingMethod = SizingMethod.FIXED_FRACTIONAL
    atr_stop_multiple: Decimal = Decimal(2)
    """Initial stop distance in ATRs when an intent has no stop of its own."""
    volatility_target: Decimal = Decimal("0.2")
    """Annualised volatility of a position's notional under VOLATILITY_TARGET sizing."""
    kelly_scale: Decimal = Decimal("0.5")
    """Fraction of the full Kelly criterion used (0.5 is half-Kelly)."""
    kelly_cap: Decimal = Decimal("0.02")
    """Maximum equity fraction that Kelly sizing may risk on one trade."""

    # --- leverage and exposure ------------------------------------------------------------
    leverage: Decimal = Decimal(3)
    """Maximum gross exposure as a multiple of equity (hard maximum ``HARD_MAX_LEVERAGE``)."""
    max_instrument_exposure: Decimal = Decimal("0.2")
    max_cluster_exposure: Decimal = Decimal("0.2")
    correlation_threshold: float = 0.7
    """Instruments whose return correlation with the order's instrument is at least this
    (in absolute value) are in its cluster."""
    correlation_window: int = 60
    """Returns used for the rolling correlation of the correlation gate."""
    clusters: tuple[frozenset[str], ...] = ()
    """Static clusters of instrument ids (e.g. one issuer's share classes), always applied."""

    # --- trade quality --------------------------------------------------------------------
    require_stop: bool = True
    """Risk-increasing orders must carry a protective stop (``stop_loss``)."""
    require_target: bool = False
    min_reward_risk: Decimal = Decimal(1)
    """Minimum reward/risk (R) of target vs stop, when the order has both."""
    min_expected_profit: Decimal = Decimal("0.05")
    """Minimum move to the target as a fraction of the entry price (off when intraday)."""
    intraday: bool = False

    # --- loss limits and the drawdown guard -----------------------------------------------
    daily_loss_limit: Decimal = Decimal("0.08")
    """Loss since the start of the UTC day, as a fraction of that day's starting equity,
    that trips SAFE_MODE (HALTED)."""
    monthly_loss_limit: Decimal = Decimal("0.2")
    max_drawdown: Decimal | None = None
    """Optional peak-to-trough drawdown that trips SAFE_MODE."""
    reduce_at: Decimal = Decimal("0.5")
    """The guard enters REDUCING when a loss reaches this fraction of its limit."""
    reducing_factor: Decimal = Decimal("0.5")
    """While REDUCING, all capacity limits (risk per trade, exposures, leverage) are scaled
    by this factor."""

    # --- order hygiene (fat-finger protection) --------------------------------------------
    max_order_notional: Decimal | None = None
    max_order_quantity: Decimal | None = None
    price_collar: Decimal = Decimal("0.05")
    """A limit price may differ from the last price by at most this fraction."""
    max_orders: int = 20
    """Risk-increasing orders allowed per ``order_rate_window``."""
    order_rate_window: timedelta = timedelta(minutes=1)
    restricted: frozenset[str] = frozenset()
    """Instrument ids or symbols that may not be bought or sold to open or add."""
    max_data_age: timedelta = timedelta(minutes=5)
    """The last price must be at most this old, or orders that need it are denied."""
    duplicate_window: timedelta = timedelta(seconds=10)
    """Same instrument, side, type, quantity and price within this window is a duplicate."""
    allow_reduce: bool = True
    """Reduce orders that exceed a capacity limit instead of denying them."""
    min_reduced_fraction: Decimal = Decimal("0.2")
    """A reduction that would keep less than this fraction of the order denies it instead."""

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.type in ("Decimal", "Decimal | None") and value is not None:
                object.__setattr__(self, f.name, _decimal(f.name, value))
        _in_range("risk_per_trade_min", self.risk_per_trade_min, Decimal(0), _MAX_RISK_PER_TRADE)
        _in_range("risk_per_trade_max", self.risk_per_trade_max, Decimal(0), _MAX_RISK_PER_TRADE)
        if self.risk_per_trade_min > self.risk_per_trade_max:
            raise ConfigurationError(
                f"RiskConfig: risk_per_trade_min {self.risk_per_trade_min} exceeds "
                f"risk_per_trade_max {self.risk_per_trade_max}.",
                hint="The minimum (confidence 0) must not exceed the maximum (confidence 1).",
            )
        _in_range("leverage", self.leverage, Decimal(0), HARD_MAX_LEVERAGE)
        for name in ("max_instrument_exposure", "max_cluster_exposure"):
            _in_range(name, getattr(self, name), Decimal(0), HARD_MAX_LEVERAGE)
        for name in ("atr_stop_multiple", "volatility_target"):
            _in_range(name, getattr(self, name), Decimal(0), Decimal(100))
        _in_range("kelly_scale", self.kelly_scale, Decimal(0), Decimal(1))
        _in_range("kelly_cap", self.kelly_cap, Decimal(0), _MAX_RISK_PER_TRADE)
        if not 0.0 < self.correlation_threshold <= 1.0:
            raise ConfigurationError(
                f"RiskConfig: correlation_threshold must be in (0, 1], got "
                f"{self.correlation_threshold}.",
                hint="0.7 is a common choice.",
            )
        _positive_int("correlation_window", self.correlation_window, minimum=3)
        _in_range("min_reward_risk", self.min_reward_risk, Decimal(0), Decimal(100), zero=True)
        _in_range(
            "min_expected_profit", self.min_expected_profit, Decimal(0), Decimal(10), zero=True
        )
        _in_range("daily_loss_limit", self.daily_loss_limit, Decimal(0), Decimal(1))
        _in_range("monthly_loss_limit", self.monthly_loss_limit, Decimal(0), Decimal(1))
        if self.max_drawdown is not None:
            _in_range("max_drawdown", self.max_drawdown, Decimal(0), Decimal(1))
        _in_range("reduce_at", self.reduce_at, Decimal(0), Decimal(1))
        _in_range("reducing_factor", self.reducing_factor, Decimal(0), Decimal(1))
        for name in ("max_order_notional", "max_order_quantity"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise ConfigurationError(
                    f"RiskConfig: {name} must be positive, got {value}.",
                    hint=f"Leave {name}=None for no limit.",
                )
        _in_range("price_collar", self.price_collar, Decimal(0), Decimal(1))
        _positive_int("max_orders", self.max_orders, minimum=1)
        for name in ("order_rate_window", "max_data_age"):
            _positive_delta(name, getattr(self, name), zero=False)
        _positive_delta("duplicate_window", self.duplicate_window, zero=True)
        _in_range("min_reduced_fraction", self.min_reduced_fraction, Decimal(0), Decimal(1))
        object.__setattr__(self, "restricted", frozenset(self.restricted))
        object.__setattr__(self, "clusters", tuple(frozenset(c) for c in self.clusters))

    @property
    def expected_profit_floor(self) -> Decimal | None:
        """The minimum expected profit that applies (None: off, as for intraday)."""
        if self.intraday or self.min_expected_profit == 0:
            return None
        return self.min_expected_profit

    def risk_fraction(self, confidence: float) -> Decimal:
        """Equity fraction to risk at ``confidence`` in [0, 1]: linear from min to max."""
        if not 0.0 <= confidence <= 1.0:
            raise ValidationError(
                f"confidence must be in [0, 1], got {confidence}.",
                hint="Clamp the decision engine's score to [0, 1].",
            )
        span = self.risk_per_trade_max - self.risk_per_trade_min
        return self.risk_per_trade_min + span * to_decimal(confidence, "confidence")

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> RiskConfig:
        """Parse a YAML/JSON mapping (numbers may be strings; durations in seconds)."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigurationError(
                f"RiskConfig: unknown field(s) {', '.join(unknown)}.",
                hint=f"Known fields: {', '.join(sorted(known))}.",
            )
        try:
            return _ADAPTER.validate_python(dict(data))
        except PydanticValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise ConfigurationError(
                f"RiskConfig: field {where!r} is invalid: {first['msg']} "
                f"(got {first.get('input')!r}).",
                hint="Fractions are decimals such as '0.02'; durations are seconds.",
            ) from exc


def _decimal(name: str, value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int | float | str):
        raise ConfigurationError(
            f"RiskConfig: {name} must be a number, got {value!r}.",
            hint=f"Pass {name}=Decimal('...').",
        )
    try:
        return to_decimal(value, name)
    except ValidationError as exc:
        raise ConfigurationError(exc.message, hint=exc.hint) from exc


def _in_range(
    name: str, value: Decimal, low: Decimal, high: Decimal, *, zero: bool = False
) -> None:
    ok = (low <= value if zero else low < value) and value <= high
    if not ok:
        bracket = "[" if zero else "("
        raise ConfigurationError(
            f"RiskConfig: {name} must be in {bracket}{low}, {high}], got {value}.",
            hint=f"Fractions are of equity: 0.02 means 2 %. See RiskConfig.{name}.",
        )


def _positive_int(name: str, value: int, *, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigurationError(
            f"RiskConfig: {name} must be an integer >= {minimum}, got {value!r}.",
            hint=f"See RiskConfig.{name}.",
        )


def _positive_delta(name: str, value: timedelta, *, zero: bool) -> None:
    if not isinstance(value, timedelta) or value < timedelta(0) or (not zero and not value):
        raise ConfigurationError(
            f"RiskConfig: {name} must be a {'non-negative' if zero else 'positive'} "
            f"duration, got {value!r}.",
            hint="Pass a timedelta (or seconds in a mapping).",
        )


_ADAPTER: TypeAdapter[RiskConfig] = TypeAdapter(RiskConfig)

__all__ = ["HARD_MAX_LEVERAGE", "RiskConfig", "SizingMethod"]
