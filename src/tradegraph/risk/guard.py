"""The drawdown guard: ACTIVE → REDUCING → HALTED (SAFE_MODE), as pure functions over values.

``DrawdownGuard.observe(state, equity, now)`` returns a ``GuardUpdate``: the next
``GuardState`` plus the ``GuardTransition`` values that happened. The caller persists the
state and journals the transitions in one unit of work (``RiskStateStore.save``).

Rules (losses are fractions of a baseline equity, compared without division):

* Daily loss = (equity at the start of the UTC day - equity) / that start; monthly alike;
  drawdown = (peak - equity) / peak. The day (month) baseline is the last equity observed
  before the day (month) changed.
* A loss at or beyond its limit (or equity <= 0) → HALTED. A loss at or beyond
  ``reduce_at`` x its limit → REDUCING. Otherwise ACTIVE. ACTIVE and REDUCING move freely
  between each other as losses change.
* HALTED is left only by ``reset`` (an explicit operator action), which re-baselines the
  peak, day and month to the current equity. ``halt`` trips SAFE_MODE manually.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar

from tradegraph.core.errors import RiskError, ValidationError
from tradegraph.model.audit import JSONValue
from tradegraph.risk.codes import ReasonCode
from tradegraph.risk.config import RiskConfig

_ZERO = Decimal(0)


class GuardMode(StrEnum):
    ACTIVE = "active"  # normal limits
    REDUCING = "reducing"  # capacity limits scaled by RiskConfig.reducing_factor
    HALTED = "halted"  # SAFE_MODE: only cancels and risk-reducing orders

    @property
    def allows_new_risk(self) -> bool:
        return self is not GuardMode.HALTED


def _loss(base: Decimal, equity: Decimal) -> Decimal:
    """Loss as a fraction of ``base`` (negative for a gain; 0 when base is not positive)."""
    return (base - equity) / base if base > 0 else _ZERO


@dataclass(frozen=True, slots=True)
class GuardState:
    """The persisted state of one strategy's guard."""

    mode: GuardMode
    since: datetime
    reason: ReasonCode | None
    peak_equity: Decimal
    day_start_equity: Decimal
    month_start_equity: Decimal
    last_equity: Decimal
    updated_at: datetime

    @property
    def daily_loss(self) -> Decimal:
        return _loss(self.day_start_equity, self.last_equity)

    @property
    def monthly_loss(self) -> Decimal:
        return _loss(self.month_start_equity, self.last_equity)

    @property
    def drawdown(self) -> Decimal:
        return _loss(self.peak_equity, self.last_equity)

    def to_dict(self) -> dict[str, str | None]:
        """JSON-ready form (Decimals as strings, times as ISO 8601 UTC)."""
        return {
            "mode": self.mode.value,
            "since": self.since.astimezone(UTC).isoformat(),
            "reason": self.reason.value if self.reason is not None else None,
            "peak_equity": str(self.peak_equity),
            "day_start_equity": str(self.day_start_equity),
            "month_start_equity": str(self.month_start_equity),
            "last_equity": str(self.last_equity),
            "updated_at": self.updated_at.astimezone(UTC).isoformat(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> GuardState:
        """Inverse of ``to_dict``; raises ``ValidationError`` naming a bad field."""

        def text(name: str) -> str:
            value = data.get(name)
            if not isinstance(value, str):
                raise ValidationError(
                    f"GuardState field {name!r} is missing or not text: {value!r}.",
                    hint="Pass the mapping produced by GuardState.to_dict().",
                )
            return value

        try:
            reason = data.get("reason")
            return cls(
                mode=GuardMode(text("mode")),
                since=datetime.fromisoformat(text("since")),
                reason=ReasonCode(str(reason)) if reason is not None else None,
                peak_equity=Decimal(text("peak_equity")),
                day_start_equity=Decimal(text("day_start_equity")),
                month_start_equity=Decimal(text("month_start_equity")),
                last_equity=Decimal(text("last_equity")),
                updated_at=datetime.fromisoformat(text("updated_at")),
            )
        except (ValueError, ArithmeticError) as exc:
            raise ValidationError(
                f"GuardState could not be read from {data!r}: {exc}.",
                hint="Pass the mapping produced by GuardState.to_dict().",
            ) from exc


@dataclass(frozen=True, slots=True)
class GuardTransition:
    """One mode change, ready to be journalled (``AUDIT_KIND`` + ``audit_payload()``)."""

    AUDIT_KIND: ClassVar[str] = "risk.guard_transition"

    from_mode: GuardMode
    to_mode: GuardMode
    reason: ReasonCode
    time: datetime
    equity: Decimal
    drawdown: Decimal
    daily_loss: Decimal
    monthly_loss: Decimal
    actor: str = "risk"
    note: str = ""

    def audit_payload(self) -> dict[str, JSONValue]:
        return {
            "from": self.from_mode.value,
            "to": self.to_mode.value,
            "reason": self.reason.value,
            "time": self.time.astimezone(UTC).isoformat(),
            "equity": str(self.equity),
            "drawdown": str(self.drawdown),
            "daily_loss": str(self.daily_loss),
            "monthly_loss": str(self.monthly_loss),
            "actor": self.actor,
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class GuardUpdate:
    """The guard's next state and the transitions that led there (possibly none)."""

    state: GuardState
    transitions: tuple[GuardTransition, ...] = ()

    @property
    def changed_mode(self) -> bool:
        return bool(self.transitions)


def _check_inputs(equity: Decimal, now: datetime) -> None:
    if not isinstance(equity, Decimal) or not equity.is_finite():
        raise ValidationError(
            f"Guard equity must be a finite Decimal, got {equity!r}.",
            hint="Convert with tradegraph.core.precision.to_decimal.",
        )
    if now.tzinfo is None:
        raise ValidationError(
            f"Guard time must be timezone-aware UTC, got {now!r}.",
            hint="Take times from a tradegraph.core.clock.Clock.",
        )


class DrawdownGuard:
    """Pure transition logic for one strategy's ``RiskConfig``."""

    __slots__ = ("_config",)

    def __init__(self, config: RiskConfig) -> None:
        self._config = config

    @property
    def config(self) -> RiskConfig:
        return self._config

    def start(self, equity: Decimal, now: datetime) -> GuardState:
        """A fresh ACTIVE state with every baseline at ``equity``."""
        _check_inputs(equity, now)
        return GuardState(
            mode=GuardMode.ACTIVE,
            since=now,
            reason=None,
            peak_equity=equity,
            day_start_equity=equity,
            month_start_equity=equity,
            last_equity=equity,
            updated_at=now,
        )

    def assess(
        self, equity: Decimal, day_start: Decimal, month_start: Decimal, peak: Decimal
    ) -> tuple[GuardMode, ReasonCode]:
        """The mode these figures call for, and the limit that decided it."""
        cfg = self._config
        if equity <= 0:
            return GuardMode.HALTED, ReasonCode.NON_POSITIVE_EQUITY
        limits = [
            (ReasonCode.DAILY_LOSS_LIMIT, day_start, cfg.daily_loss_limit),
            (ReasonCode.MONTHLY_LOSS_LIMIT, month_start, cfg.monthly_loss_limit),
        ]
        if cfg.max_drawdown is not None:
            limits.append((ReasonCode.MAX_DRAWDOWN, peak, cfg.max_drawdown))
        for reason, base, limit in limits:
            if base > 0 and base - equity >= limit * base:
                return GuardMode.HALTED, reason
        for reason, base, limit in limits:
            if base > 0 and base - equity >= cfg.reduce_at * limit * base:
                return GuardMode.REDUCING, reason
        return GuardMode.ACTIVE, ReasonCode.RECOVERED

    def observe(self, state: GuardState, equity: Decimal, now: datetime) -> GuardUpdate:
        """Roll the day/month baselines, update the peak, and change mode if needed."""
        _check_inputs(equity, now)
        if now < state.updated_at:
            raise ValidationError(
                f"Guard observation at {now.isoformat()} is earlier than the last one at "
                f"{state.updated_at.isoformat()}.",
                hint="Feed equity observations in time order from one Clock.",
            )
        previous, current = state.updated_at.astimezone(UTC), now.astimezone(UTC)
        day_start, month_start = state.day_start_equity, state.month_start_equity
        if (current.year, current.month) != (previous.year, previous.month):
            month_start = state.last_equity
        if current.date() != previous.date():
            day_start = state.last_equity
        peak = max(state.peak_equity, equity)
        updated = replace(
            state,
            peak_equity=peak,
            day_start_equity=day_start,
            month_start_equity=month_start,
            last_equity=equity,
            updated_at=now,
        )
        if state.mode is GuardMode.HALTED:
            return GuardUpdate(updated)
        target, reason = self.assess(equity, day_start, month_start, peak)
        if target is state.mode:
            return GuardUpdate(updated)
        return self._move(updated, target, reason, now)

    def halt(
        self,
        state: GuardState,
        now: datetime,
        *,
        reason: ReasonCode = ReasonCode.MANUAL_HALT,
        actor: str = "operator",
        note: str = "",
    ) -> GuardUpdate:
        """Trip SAFE_MODE by hand (a kill switch); a no-op when already HALTED."""
        _check_inputs(state.last_equity, now)
        if state.mode is GuardMode.HALTED:
            return GuardUpdate(state)
        moved = replace(state, updated_at=max(now, state.updated_at))
        return self._move(moved, GuardMode.HALTED, reason, now, actor=actor, note=note)

    def reset(
        self, state: GuardState, equity: Decimal, now: datetime, *, actor: str, note: str = ""
    ) -> GuardUpdate:
        """Leave HALTED (or REDUCING) explicitly: every baseline becomes ``equity``."""
        _check_inputs(equity, now)
        if not actor.strip():
            raise ValidationError(
                "A guard reset needs the actor who made it.",
                hint="Pass actor='cli:<user>' or the API user id.",
            )
        if equity <= 0:
            raise RiskError(
                f"Cannot reset the drawdown guard with equity {equity}.",
                hint="Fund the account (or fix the equity feed) before resetting SAFE_MODE.",
            )
        fresh = replace(
            self.start(equity, now), mode=state.mode, since=state.since, reason=state.reason
        )
        if state.mode is GuardMode.ACTIVE:
            return GuardUpdate(fresh)
        return self._move(
            fresh, GuardMode.ACTIVE, ReasonCode.MANUAL_RESET, now, actor=actor, note=note
        )

    @staticmethod
    def _move(
        state: GuardState,
        target: GuardMode,
        reason: ReasonCode,
        now: datetime,
        *,
        actor: str = "risk",
        note: str = "",
    ) -> GuardUpdate:
        transition = GuardTransition(
            from_mode=state.mode,
            to_mode=target,
            reason=reason,
            time=now,
            equity=state.last_equity,
            drawdown=state.drawdown,
            daily_loss=state.daily_loss,
            monthly_loss=state.monthly_loss,
            actor=actor,
            note=note,
        )
        moved = replace(state, mode=target, since=now, reason=reason)
        return GuardUpdate(moved, (transition,))


__all__ = ["DrawdownGuard", "GuardMode", "GuardState", "GuardTransition", "GuardUpdate"]
