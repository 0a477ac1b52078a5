"""Risk engine (layer 3): sizing, pre-trade checks, the drawdown guard, stop management
and the correlation gate. Every expected outcome is a value (``RiskDecision``,
``SizingResult``, ``GuardUpdate``), never an exception.

Boundary: imports ``core``, ``model``, numpy and numba only; pure functions over frozen
values, time passed in by the caller (from a ``Clock``). Guard state is persisted through
the ``RiskStateStore`` port (implemented in ``persistence``; in-memory fake in
``tradegraph.testing.risk``). The per-order path (``PreTradeChecker.check``) is plain
Python + ``Decimal``; the stop/sizing/guard kernels in ``kernels`` are numba-compiled so
the backtest kernel can call them.
"""

from tradegraph.risk.account import AccountSnapshot, InstrumentExposure, PriceMark, RecentOrder
from tradegraph.risk.checks import PreTradeChecker, floor_to_lot
from tradegraph.risk.codes import Outcome, ReasonCode
from tradegraph.risk.config import HARD_MAX_LEVERAGE, RiskConfig, SizingMethod
from tradegraph.risk.correlation import (
    EMPTY_CORRELATIONS,
    CorrelationMatrix,
    correlated_cluster,
    correlation_matrix,
    log_returns,
    rolling_correlation,
)
from tradegraph.risk.decision import RiskDecision
from tradegraph.risk.guard import (
    DrawdownGuard,
    GuardMode,
    GuardState,
    GuardTransition,
    GuardUpdate,
)
from tradegraph.risk.request import ProposedOrder
from tradegraph.risk.sizing import (
    SizingResult,
    fixed_fractional,
    kelly_fraction,
    kelly_risk_fraction,
    propose_order,
    size_intent,
    volatility_target_quantity,
)
from tradegraph.risk.stops import (
    StopPolicy,
    StopState,
    TrailingKind,
    atr_stop,
    atr_trailing_stop,
    breakeven_stop,
    chandelier_stop,
    on_bar,
    percent_stop,
    percent_trailing_stop,
    round_stop,
    stop_triggered,
    time_stop,
)
from tradegraph.risk.store import (
    RiskStateStore,
    guard_status,
    halt_guard,
    observe_equity,
    reset_guard,
)

__all__ = [
    "EMPTY_CORRELATIONS",
    "HARD_MAX_LEVERAGE",
    "AccountSnapshot",
    "CorrelationMatrix",
    "DrawdownGuard",
    "GuardMode",
    "GuardState",
    "GuardTransition",
    "GuardUpdate",
    "InstrumentExposure",
    "Outcome",
    "PreTradeChecker",
    "PriceMark",
    "ProposedOrder",
    "ReasonCode",
    "RecentOrder",
    "RiskConfig",
    "RiskDecision",
    "RiskStateStore",
    "SizingMethod",
    "SizingResult",
    "StopPolicy",
    "StopState",
    "TrailingKind",
    "atr_stop",
    "atr_trailing_stop",
    "breakeven_stop",
    "chandelier_stop",
    "correlated_cluster",
    "correlation_matrix",
    "fixed_fractional",
    "floor_to_lot",
    "guard_status",
    "halt_guard",
    "kelly_fraction",
    "kelly_risk_fraction",
    "log_returns",
    "observe_equity",
    "on_bar",
    "percent_stop",
    "percent_trailing_stop",
    "propose_order",
    "reset_guard",
    "rolling_correlation",
    "round_stop",
    "size_intent",
    "stop_triggered",
    "time_stop",
    "volatility_target_quantity",
]
