"""Reason codes and outcomes: the vocabulary of risk decisions and guard transitions.

Codes are stable strings (they are stored in the audit journal and returned by the API),
so values are never renamed; new codes are only ever added.
"""

from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    """What a pre-trade check decided about an order."""

    APPROVED = "approved"  # send as proposed
    REDUCED = "reduced"  # send with the smaller quantity in the decision
    DENIED = "denied"  # do not send


class ReasonCode(StrEnum):
    """Why an order was reduced or denied, or why the drawdown guard changed mode."""

    # guard state and loss limits
    SAFE_MODE = "safe_mode"
    GUARD_REDUCING = "guard_reducing"
    DAILY_LOSS_LIMIT = "daily_loss_limit"
    MONTHLY_LOSS_LIMIT = "monthly_loss_limit"
    MAX_DRAWDOWN = "max_drawdown"
    NON_POSITIVE_EQUITY = "non_positive_equity"
    # order hygiene (fat-finger protection)
    RESTRICTED_INSTRUMENT = "restricted_instrument"
    NO_MARKET_PRICE = "no_market_price"
    STALE_DATA = "stale_data"
    INVALID_QUANTITY = "invalid_quantity"
    INVALID_PRICE = "invalid_price"
    PRICE_COLLAR = "price_collar"
    BELOW_MIN_NOTIONAL = "below_min_notional"
    MAX_ORDER_QUANTITY = "max_order_quantity"
    MAX_ORDER_NOTIONAL = "max_order_notional"
    FAT_FINGER = "fat_finger"
    ORDER_RATE = "order_rate"
    DUPLICATE_ORDER = "duplicate_order"
    REDUCE_ONLY = "reduce_only"
    # trade quality
    MISSING_STOP = "missing_stop"
    INVALID_STOP = "invalid_stop"
    MISSING_TARGET = "missing_target"
    INVALID_TARGET = "invalid_target"
    REWARD_RISK = "reward_risk"
    EXPECTED_PROFIT = "expected_profit"
    # capacity (these reduce an order when it can be reduced)
    RISK_PER_TRADE = "risk_per_trade"
    INSTRUMENT_EXPOSURE = "instrument_exposure"
    CLUSTER_EXPOSURE = "cluster_exposure"
    LEVERAGE = "leverage"
    VOLATILITY_TARGET = "volatility_target"
    # guard transitions that are not limit breaches
    RECOVERED = "recovered"
    MANUAL_HALT = "manual_halt"
    MANUAL_RESET = "manual_reset"


__all__ = ["Outcome", "ReasonCode"]
