"""Session values: validation, speed parsing, JSON round trips and state transitions."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from tradegraph.core.errors import ConfigurationError, ValidationError
from tradegraph.orchestrator.sessions.spec import (
    DecisionRecord,
    SessionSpec,
    SessionState,
    SessionStatus,
    SizingKind,
    SizingSpec,
    decision_id,
    parse_speed,
    risk_overrides,
)
from tradegraph.risk.config import RiskConfig
from tradegraph.testing.risk import T0
from tradegraph.testing.sessions import make_decision, make_session_options, make_session_spec


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1000x", 1000.0),
        ("1000", 1000.0),
        (" 2.5X ", 2.5),
        ("max", 0.0),
        (60, 60.0),
        ("1e3x", 1000.0),
    ],
)
def test_parse_speed(text: str | float, expected: float) -> None:
    assert parse_speed(text) == expected


@pytest.mark.parametrize("text", ["fast", "-3x", "x", "nanx", float("inf")])
def test_parse_speed_refuses_nonsense(text: str | float) -> None:
    with pytest.raises(ValidationError, match=r"[Ss]peed"):
        parse_speed(text)


def test_spec_round_trips_through_json() -> None:
    spec = make_session_spec(
        start=T0,
        end=T0 + timedelta(days=3),
        speed="250x",  # type: ignore[arg-type]
        options=make_session_options(),
    )
    assert spec.speed == 250.0
    text = json.dumps(spec.to_dict(), allow_nan=False)
    back = SessionSpec.from_dict(json.loads(text))
    assert back == spec
    assert back.options == make_session_options()


def test_spec_json_with_unknown_or_missing_keys_is_refused_clearly() -> None:
    data = make_session_spec().to_dict()
    with pytest.raises(
        ValidationError, match=r"Session spec 's1' has unknown key\(s\) _session\."
    ) as info:
        SessionSpec.from_dict({**data, "_session": "{}"})
    assert info.value.hint is not None
    assert "to_dict" in info.value.hint
    without = {k: v for k, v in data.items() if k not in ("options", "sizing")}
    with pytest.raises(ValidationError, match=r"missing key\(s\) options, sizing\."):
        SessionSpec.from_dict(without)
    with pytest.raises(
        ValidationError, match=r"unknown key\(s\) direction and missing key\(s\) options"
    ):
        SessionSpec.from_dict({**without, "sizing": data["sizing"], "direction": "long"})
    with pytest.raises(ValidationError, match="must be a JSON object"):
        SessionSpec.from_dict([1, 2])  # type: ignore[arg-type]


def test_spec_validates_its_fields() -> None:
    with pytest.raises(ValidationError, match="session id"):
        make_session_spec("bad id with spaces")
    with pytest.raises(ValidationError, match="before it starts"):
        make_session_spec(start=T0, end=T0 - timedelta(hours=1))
    with pytest.raises(ValidationError, match="timezone-aware"):
        make_session_spec(created_at=datetime(2024, 1, 1))
    with pytest.raises(ConfigurationError, match="unknown field"):
        make_session_spec(risk={"levrage": "2"})
    with pytest.raises(ValidationError, match="positive quantity"):
        SizingSpec(SizingKind.FIXED)


def test_risk_overrides_round_trip_a_risk_config() -> None:
    config = RiskConfig(
        leverage=Decimal(2),
        max_data_age=timedelta(minutes=30),
        restricted=frozenset({"DOGE/USDT"}),
        max_order_quantity=Decimal("1.5"),
    )
    overrides = risk_overrides(config)
    assert set(overrides) == {"leverage", "max_data_age", "restricted", "max_order_quantity"}
    spec = make_session_spec(risk=json.loads(json.dumps(overrides)))
    assert spec.risk_config() == config
    assert risk_overrides(RiskConfig()) == {}


def test_decision_round_trips_and_has_a_deterministic_id() -> None:
    bar = datetime(2024, 5, 1, 13, tzinfo=UTC)
    record = make_decision("s1", bar, order_ids=("a", "b"))
    assert record.decision_id == "s1:20240501T130000Z" == decision_id("s1", bar)
    longest = "x" * 47
    assert len(decision_id(longest, bar)) == 64
    with pytest.raises(ValidationError, match="session id"):
        decision_id("x" * 48, bar)
    assert DecisionRecord.from_dict(json.loads(json.dumps(record.to_dict()))) == record


def test_state_transitions_keep_fields_coherent() -> None:
    state = SessionState("s1", version=3)
    running = state.started("host:42:x", T0)
    assert (running.status, running.owner, running.heartbeat_at) == (
        SessionStatus.RUNNING,
        "host:42:x",
        T0,
    )
    stepped = running.stepped(T0 + timedelta(hours=1), T0 + timedelta(hours=2))
    assert stepped.cursor == T0 + timedelta(hours=1)
    assert stepped.bars_processed == 1
    assert stepped.version == 3  # only the store bumps versions
    failed = stepped.finished(SessionStatus.FAILED, T0, error="boom")
    assert (failed.status, failed.owner, failed.last_error) == (SessionStatus.FAILED, None, "boom")
    assert failed.status.can_start
    assert not SessionStatus.HALTED.can_start
    with pytest.raises(ValidationError, match="finishes"):
        stepped.finished(SessionStatus.RUNNING, T0)
