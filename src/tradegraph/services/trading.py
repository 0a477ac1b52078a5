"""The durable kill switch: halting trading so that every process sees it.

An ``OrderManager``'s ``KillSwitch`` lives in one process's memory. The switch that
survives processes is the drawdown guard's HALTED state (SAFE_MODE), kept per
(tenant, strategy) by the ``RiskStateStore`` (a database row; every transition is in the
audit journal). ``tradegraph halt`` writes it; whoever sees it trips its own in-memory
switch:

- a running session calls ``enforce_halt`` once per bar, *before* trading the bar: when
  its strategy is HALTED it trips its OMS's kill switch (no new risk, outbox orders are
  dropped, never sent) and cancels the strategy's open orders. Orders resting at the
  simulated venue can only fill when the session feeds it the next bar, so the check
  before each bar stops them in time;
- one-shot commands (``tradegraph reconcile``, ``orders cancel``) trip the kill switch of
  the OMS they build when a strategy with orders on that venue is HALTED.

``halt_strategy`` is ``risk.store.halt_guard`` that also works for a strategy that has
never reported equity (its guard state starts at equity 0, HALTED; ``tradegraph risk
reset --equity ...`` re-arms it). Leaving HALTED is always the explicit ``risk reset``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from tradegraph.execution.oms import OrderManager
from tradegraph.execution.reports import CancelReport
from tradegraph.risk.codes import ReasonCode
from tradegraph.risk.guard import DrawdownGuard, GuardMode, GuardState, GuardUpdate
from tradegraph.risk.store import RiskStateStore

_NO_EQUITY = Decimal(0)


def halted_state(store: RiskStateStore, tenant_id: str, strategy_id: str) -> GuardState | None:
    """The strategy's guard state when it is HALTED, else None."""
    state = store.load(tenant_id, strategy_id)
    return state if state is not None and state.mode is GuardMode.HALTED else None


def is_halted(store: RiskStateStore, tenant_id: str, strategy_id: str) -> bool:
    """Whether ``strategy_id`` of ``tenant_id`` is HALTED (one read of the risk store)."""
    return halted_state(store, tenant_id, strategy_id) is not None


def halt_reason(state: GuardState) -> str:
    """The kill-switch reason for a HALTED guard state."""
    why = state.reason.value if state.reason is not None else "halted"
    return f"risk guard HALTED ({why}) since {state.since.isoformat()}"


def enforce_halt(
    store: RiskStateStore, oms: OrderManager, tenant_id: str, strategy_id: str
) -> CancelReport | None:
    """The per-bar check of a running session: None while the strategy may trade; once it
    is HALTED, trip ``oms``'s kill switch and cancel the strategy's open orders (every
    call, so orders that a race let through are canceled at the next bar)."""
    state = halted_state(store, tenant_id, strategy_id)
    if state is None:
        return None
    if not oms.kill_switch.tripped:
        oms.kill_switch.trip(halt_reason(state), state.since)
    return oms.cancel_all(strategy_id)


def trip_if_halted(
    store: RiskStateStore, oms: OrderManager, tenant_id: str, strategy_ids: Iterable[str]
) -> str | None:
    """Trip ``oms``'s kill switch when any of ``strategy_ids`` is HALTED; the reason, or
    None when none is. For one-shot commands about to reconcile or cancel on a venue."""
    for strategy_id in sorted(set(strategy_ids)):
        state = halted_state(store, tenant_id, strategy_id)
        if state is not None:
            reason = f"strategy {strategy_id!r}: {halt_reason(state)}"
            oms.kill_switch.trip(reason, state.since)
            return reason
    return None


def halt_strategy(
    store: RiskStateStore,
    guard: DrawdownGuard,
    tenant_id: str,
    strategy_id: str,
    now: datetime,
    *,
    actor: str,
    note: str = "",
) -> GuardUpdate:
    """Trip SAFE_MODE by hand (see the module docstring); a no-op when already HALTED."""
    state = store.load(tenant_id, strategy_id)
    if state is None:
        state = guard.start(_NO_EQUITY, now)
    update = guard.halt(state, now, reason=ReasonCode.MANUAL_HALT, actor=actor, note=note)
    if update.transitions:  # a fresh state always moves to HALTED
        store.save(tenant_id, strategy_id, update.state, update.transitions)
    return update


__all__ = [
    "enforce_halt",
    "halt_reason",
    "halt_strategy",
    "halted_state",
    "is_halted",
    "trip_if_halted",
]
