"""The ``RiskStateStore`` port and the guard use cases built on it.

Guard state is kept per (tenant, strategy). ``save`` must persist the new state **and**
journal every transition (kind ``GuardTransition.AUDIT_KIND``, payload
``transition.audit_payload()``) in one unit of work, so a state change is never recorded
without its audit entry or vice versa. The in-memory fake is
``tradegraph.testing.risk.InMemoryRiskStateStore``; its conformance suite is
``tradegraph.testing.risk.RiskStateStoreContract``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Protocol, runtime_checkable

from tradegraph.core.errors import NotFoundError
from tradegraph.risk.codes import ReasonCode
from tradegraph.risk.guard import DrawdownGuard, GuardState, GuardTransition, GuardUpdate


@runtime_checkable
class RiskStateStore(Protocol):
    """Where drawdown-guard state lives (a database table in production)."""

    def load(self, tenant_id: str, strategy_id: str) -> GuardState | None:
        """The saved state, or None when the strategy has never been observed."""
        ...

    def save(
        self,
        tenant_id: str,
        strategy_id: str,
        state: GuardState,
        transitions: Sequence[GuardTransition],
    ) -> None:
        """Replace the state and journal ``transitions`` atomically, in order."""
        ...

    def strategies(self, tenant_id: str) -> Sequence[str]:
        """Ids of the tenant's strategies that have a saved state, sorted."""
        ...


def guard_status(store: RiskStateStore, tenant_id: str, strategy_id: str) -> GuardState:
    """The saved state; ``NotFoundError`` when there is none."""
    state = store.load(tenant_id, strategy_id)
    if state is None:
        raise NotFoundError(
            f"No risk state for strategy {strategy_id!r} of tenant {tenant_id!r}.",
            hint="The guard state is created when the strategy's session first reports equity.",
        )
    return state


def observe_equity(
    store: RiskStateStore,
    guard: DrawdownGuard,
    tenant_id: str,
    strategy_id: str,
    *,
    equity: Decimal,
    now: datetime,
) -> GuardUpdate:
    """Load (or start), observe ``equity`` at ``now``, save with transitions; return it."""
    state = store.load(tenant_id, strategy_id)
    update = (
        GuardUpdate(guard.start(equity, now))
        if state is None
        else guard.observe(state, equity, now)
    )
    store.save(tenant_id, strategy_id, update.state, update.transitions)
    return update


def reset_guard(
    store: RiskStateStore,
    guard: DrawdownGuard,
    tenant_id: str,
    strategy_id: str,
    *,
    equity: Decimal,
    now: datetime,
    actor: str,
    note: str = "",
) -> GuardUpdate:
    """The explicit way out of SAFE_MODE (``tradegraph risk reset``)."""
    state = guard_status(store, tenant_id, strategy_id)
    update = guard.reset(state, equity, now, actor=actor, note=note)
    store.save(tenant_id, strategy_id, update.state, update.transitions)
    return update


def halt_guard(
    store: RiskStateStore,
    guard: DrawdownGuard,
    tenant_id: str,
    strategy_id: str,
    now: datetime,
    *,
    actor: str,
    note: str = "",
) -> GuardUpdate:
    """Trip SAFE_MODE by hand (a kill switch)."""
    state = guard_status(store, tenant_id, strategy_id)
    update = guard.halt(state, now, reason=ReasonCode.MANUAL_HALT, actor=actor, note=note)
    store.save(tenant_id, strategy_id, update.state, update.transitions)
    return update


__all__ = ["RiskStateStore", "guard_status", "halt_guard", "observe_equity", "reset_guard"]
