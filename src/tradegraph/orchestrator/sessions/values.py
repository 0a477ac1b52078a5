"""Session value helpers: id rules, speed parsing, UTC/Decimal coercion and the JSON form
of risk overrides. Shared by ``spec`` and ``records``; pure.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, Final

from tradegraph.core.errors import ValidationError
from tradegraph.model.audit import JSONValue
from tradegraph.risk.config import RiskConfig

MAX_SESSION_ID: Final = 47
_SESSION_ID: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,46}$")
MAX_DECISION_ID: Final = 64
"""Decision ids are stored in the orders' ``decision_id`` column (64 characters): a session
id of at most 47 characters, ``:`` and a basic-format UTC time (16) always fit."""
_SPEED: Final = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*x?\s*$", re.IGNORECASE)

Params = Mapping[str, int | float | bool | str]


# --- small helpers -------------------------------------------------------------------------


def utc(value: datetime, what: str) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(
            f"{what} must be a timezone-aware datetime, got {value!r}.",
            hint="Take times from a tradegraph.core.clock.Clock (they are UTC).",
        )
    return value.astimezone(UTC)


def utc_or_none(value: datetime | None, what: str) -> datetime | None:
    return None if value is None else utc(value, what)


def iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def parse_time(value: Any) -> datetime | None:
    return None if value is None else utc(datetime.fromisoformat(str(value)), "time")


def to_dec(value: Any, what: str) -> Decimal:
    try:
        out = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError(f"{what} is not a number: {value!r}.", hint="Pass '0.001'.") from exc
    if not out.is_finite():
        raise ValidationError(f"{what} must be finite, got {value!r}.", hint="Pass a number.")
    return out


def dec_or_none(value: Any, what: str) -> Decimal | None:
    return None if value is None else to_dec(value, what)


def float_or_none(value: Any) -> float | None:
    return None if value is None else float(value)


def check_session_id(value: str) -> str:
    """Return ``value`` when it is a valid session id, else raise ``ValidationError``."""
    if not isinstance(value, str) or not _SESSION_ID.fullmatch(value):
        raise ValidationError(
            f"Invalid session id {value!r}: expected 1-47 letters, digits, '_', '.', ':' "
            "or '-', starting with a letter or digit.",
            hint="Let `paper start` pick one, or pass e.g. 'btc-1h-sma'.",
        )
    return value


def decision_id(session_id: str, bar_time: datetime) -> str:
    """The deterministic id of the decision a session makes on the bar opening at
    ``bar_time``: ``"<session_id>:<YYYYmmddTHHMMSSZ>"`` (ISO 8601 basic format, UTC;
    fractional seconds appended only when the bar time has them)."""
    at = utc(bar_time, "bar_time")
    stamp = at.strftime("%Y%m%dT%H%M%S") + (f".{at.microsecond:06d}" if at.microsecond else "")
    out = f"{check_session_id(session_id)}:{stamp}Z"
    if len(out) > MAX_DECISION_ID:
        raise ValidationError(
            f"Decision id {out!r} is longer than {MAX_DECISION_ID} characters.",
            hint="Use a shorter session id, or bar times in whole seconds.",
        )
    return out


def parse_speed(text: str | float) -> float:
    """Parse a replay speed: ``"1000x"``, ``"1000"``, ``2.5``; ``"max"`` (or 0) means as
    fast as possible (no pacing), returned as ``0.0``."""
    if isinstance(text, int | float) and not isinstance(text, bool):
        value = float(text)
    else:
        raw = str(text).strip().lower()
        if raw in ("max", "inf", "unlimited"):
            return 0.0
        match = _SPEED.fullmatch(raw)
        if match is None:
            raise ValidationError(
                f"Invalid speed {text!r}.",
                hint="Use a multiplier of real time such as '1000x', '60x' or 'max'.",
            )
        value = float(match.group(1))
    if not math.isfinite(value) or value < 0:
        raise ValidationError(
            f"Speed must be a finite multiplier >= 0, got {text!r}.",
            hint="Use e.g. '1000x' (0 or 'max' = as fast as possible).",
        )
    return value


def json_value(value: Any) -> JSONValue:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, frozenset):
        return sorted(str(v) for v in value)
    if isinstance(value, tuple):
        return [json_value(v) for v in value]
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    raise ValidationError(f"Cannot encode risk setting {value!r}.", hint="Use plain values.")


def risk_overrides(config: RiskConfig) -> dict[str, JSONValue]:
    """The fields of ``config`` that differ from ``RiskConfig()``, as JSON values that
    ``RiskConfig.from_mapping`` reads back (Decimals as strings, durations in seconds)."""
    default = RiskConfig()
    return {
        f.name: json_value(getattr(config, f.name))
        for f in fields(RiskConfig)
        if getattr(config, f.name) != getattr(default, f.name)
    }


__all__ = [
    "MAX_DECISION_ID",
    "MAX_SESSION_ID",
    "Params",
    "check_session_id",
    "dec_or_none",
    "decision_id",
    "float_or_none",
    "iso",
    "json_value",
    "parse_speed",
    "parse_time",
    "risk_overrides",
    "to_dec",
    "utc",
    "utc_or_none",
]
