"""SimulatedVenueConfig: the simulated venue's fees, slippage, participation, latency and
starting balances; typed, frozen and validated.

Money and rates are ``Decimal`` (ints and decimal strings are converted exactly; floats
are refused, since ``0.1`` is not exactly one tenth).
Percentages are fractions, as in ``BacktestConfig``: ``commission_pct=Decimal("0.001")``
is 0.1% of traded notional.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType

from tradegraph.core.errors import ValidationError
from tradegraph.core.precision import to_decimal

_ZERO = Decimal(0)
_ONE = Decimal(1)


class FillMode(StrEnum):
    """When a market order executes (the backtest's ``FillMode``, by name)."""

    NEXT_OPEN = "next_open"
    """At the open of the first bar (or the first quote) it is eligible for."""
    CLOSE = "close"
    """At once, at the close of the bar that just completed (the backtest's CLOSE mode:
    a signal computed on bar t's close trades that close). Only with zero latency, and
    only while that bar is the latest one; otherwise as NEXT_OPEN."""


def _fail(name: str, value: object, expected: str, hint: str) -> ValidationError:
    return ValidationError(
        f"SimulatedVenueConfig.{name} = {value!r} is invalid; expected {expected}.", hint=hint
    )


def _decimal(name: str, value: object) -> Decimal:
    if isinstance(value, float | bool) or not isinstance(value, Decimal | int | str):
        raise _fail(
            name, value, "a Decimal, int or decimal string", "Write Decimal('0.001'), not 0.001."
        )
    return to_decimal(value, f"SimulatedVenueConfig.{name}")


@dataclass(frozen=True, slots=True, kw_only=True)
class SimulatedVenueConfig:
    """How the simulated venue executes and charges.

    - ``commission_pct``: taker fee as a fraction of notional (market, stop, and limit
      orders marketable at the open); ``maker_commission_pct`` for limit orders filled
      at their limit inside a bar (``None``: the taker rate). ``commission_fixed`` is
      charged per fill, in the quote currency.
    - ``slippage_bps``: adverse slippage on market and stop fills, in basis points of
      the reference price; the result is rounded to the tick away from the trader.
    - ``participation``: the most of a bar's volume one order may take in that bar
      (rounded down to the lot); the rest stays working for later bars. ``1`` means no
      limit (volume is ignored).
    - ``latency``: an order only trades on bars opening (or quotes arriving) at or after
      its submit time plus this delay.
    - ``starting_balances``: currency -> amount when the venue's journal is new.
    - ``allow_short``: whether non-spot instruments (perpetuals, futures, ...) may go
      short; spot never sells more than the free base balance.
    """

    venue: str = "sim"
    fill_mode: FillMode = FillMode.NEXT_OPEN
    commission_pct: Decimal = _ZERO
    maker_commission_pct: Decimal | None = None
    commission_fixed: Decimal = _ZERO
    slippage_bps: Decimal = _ZERO
    participation: Decimal = _ONE
    latency: timedelta = timedelta(0)
    starting_balances: Mapping[str, Decimal] = field(default_factory=dict)
    allow_short: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.venue, str) or not self.venue.strip():
            raise _fail("venue", self.venue, "a non-empty name", "Use e.g. 'sim'.")
        if not isinstance(self.fill_mode, FillMode):
            raise _fail("fill_mode", self.fill_mode, "a FillMode", "Use FillMode.NEXT_OPEN.")
        rates = {
            "commission_pct": self.commission_pct,
            "maker_commission_pct": self.maker_commission_pct,
        }
        for name, raw in rates.items():
            if raw is None:
                continue
            value = _decimal(name, raw)
            if not _ZERO <= value < Decimal("0.1"):
                raise _fail(name, raw, "a fraction in [0, 0.1)", "0.1% is written '0.001'.")
            object.__setattr__(self, name, value)
        for name in ("commission_fixed", "slippage_bps"):
            value = _decimal(name, getattr(self, name))
            if value < 0:
                raise _fail(name, value, ">= 0", "Use 0 to disable it.")
            object.__setattr__(self, name, value)
        participation = _decimal("participation", self.participation)
        if not _ZERO < participation <= _ONE:
            raise _fail(
                "participation",
                participation,
                "a fraction of bar volume in (0, 1]",
                "1 disables the volume limit; 0.1 takes at most 10% of each bar's volume.",
            )
        object.__setattr__(self, "participation", participation)
        if not isinstance(self.latency, timedelta) or self.latency < timedelta(0):
            raise _fail("latency", self.latency, "a timedelta >= 0", "Use timedelta(0).")
        balances: dict[str, Decimal] = {}
        for currency, amount in sorted(self.starting_balances.items()):
            if not isinstance(currency, str) or not currency.strip():
                raise _fail(
                    "starting_balances", currency, "currency codes", "Use e.g. {'USDT': '1000'}."
                )
            value = _decimal(f"starting_balances[{currency!r}]", amount)
            if value < 0:
                raise _fail(
                    f"starting_balances[{currency!r}]", amount, ">= 0", "Balances start >= 0."
                )
            balances[currency] = value
        object.__setattr__(self, "starting_balances", MappingProxyType(balances))

    @property
    def maker_rate(self) -> Decimal:
        """The maker fee rate (the taker rate when no maker rate is set)."""
        rate = self.maker_commission_pct
        return self.commission_pct if rate is None else rate

    @property
    def slippage(self) -> Decimal:
        """Slippage as a fraction of price (bps / 10,000)."""
        return self.slippage_bps / Decimal(10_000)

    def balances(self) -> tuple[tuple[str, Decimal], ...]:
        """Starting balances as sorted (currency, amount) pairs."""
        return tuple(sorted(self.starting_balances.items()))


__all__ = ["FillMode", "SimulatedVenueConfig"]
