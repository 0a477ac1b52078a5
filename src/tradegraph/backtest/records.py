"""Column layouts of the kernel's record buffers (trades, fills, orders) and their codes.

The kernel writes plain float64 rows (numba-friendly, one allocation per buffer); the
result object turns them into typed DataFrames using these names.
"""

from __future__ import annotations

from enum import IntEnum


class ExitReason(IntEnum):
    """Why a trade ended."""

    SIGNAL = 0
    STOP_LOSS = 1
    TAKE_PROFIT = 2
    TRAILING_STOP = 3  # a trailing stop, or a stop-policy stop moved since entry
    REVERSE = 4
    LIQUIDATION = 5
    END_OF_DATA = 6
    OPEN = 7  # still open at the end (marked to the last close, no exit fee)
    TIME_STOP = 8  # the stop policy's time stop (filled like an exit signal)


class OrderKind(IntEnum):
    """Order type."""

    MARKET = 0
    LIMIT = 1
    STOP = 2
    STOP_LIMIT = 3


class OrderStatus(IntEnum):
    """Final state of an entry order."""

    PENDING = 0
    FILLED = 1
    CANCELLED = 2  # replaced by a newer signal, or cancelled by an exit signal
    EXPIRED = 3  # not filled within ``order_ttl`` bars
    REJECTED = 4  # not affordable, zero size, or RISK sizing without a stop


# Trade rows.
T_INSTRUMENT = 0
T_DIRECTION = 1
T_ENTRY_BAR = 2
T_EXIT_BAR = 3
T_ENTRY_PRICE = 4
T_EXIT_PRICE = 5
T_QTY = 6
T_ENTRY_FEE = 7
T_EXIT_FEE = 8
T_PNL = 9
T_RETURN = 10
T_R_MULTIPLE = 11
T_EXIT_REASON = 12
T_INITIAL_STOP = 13
T_COLS = 14
TRADE_COLUMNS = (
    "instrument",
    "direction",
    "entry_bar",
    "exit_bar",
    "entry_price",
    "exit_price",
    "quantity",
    "entry_fee",
    "exit_fee",
    "pnl",
    "return_pct",
    "r_multiple",
    "exit_reason",
    "initial_stop",
)

# Fill rows (every execution, entries and exits).
F_BAR = 0
F_INSTRUMENT = 1
F_SIDE = 2
F_QTY = 3
F_PRICE = 4
F_FEE = 5
F_ORDER = 6
F_REASON = 7  # -1 for entries, else an ExitReason
F_COLS = 8
FILL_COLUMNS = ("bar", "instrument", "side", "quantity", "price", "fee", "order_id", "reason")

# Order rows (entry orders; exits are market/stop/limit fills recorded in fills).
O_ID = 0
O_INSTRUMENT = 1
O_CREATED_BAR = 2
O_SIDE = 3
O_KIND = 4
O_LIMIT = 5
O_STOP = 6
O_STATUS = 7
O_DONE_BAR = 8
O_FILL_PRICE = 9
O_QTY = 10
O_COLS = 11
ORDER_COLUMNS = (
    "order_id",
    "instrument",
    "created_bar",
    "side",
    "kind",
    "limit_price",
    "stop_price",
    "status",
    "done_bar",
    "fill_price",
    "quantity",
)

__all__ = [
    "FILL_COLUMNS",
    "ORDER_COLUMNS",
    "TRADE_COLUMNS",
    "ExitReason",
    "OrderKind",
    "OrderStatus",
]
