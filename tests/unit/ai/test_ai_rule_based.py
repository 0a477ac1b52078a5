"""The AI port's embedded pieces: prompts, the rule-based provider, the response cache."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from pydantic import BaseModel

from tradegraph.ai import (
    AnalystContext,
    AnalystLimits,
    AnalystRole,
    AnalystVerdict,
    BarSnapshot,
    CachedLLM,
    CompletionRequest,
    FileResponseCache,
    InMemoryResponseCache,
    LLMPort,
    Message,
    RuleBasedProvider,
    analyst_request,
    cache_key,
    extract_context,
)
from tradegraph.core.errors import DataFormatError, ValidationError


def _bars(closes: list[float]) -> tuple[BarSnapshot, ...]:
    return tuple(
        BarSnapshot(
            time=f"2024-01-01T{i:02d}:00:00Z",
            open=c,
            high=c * 1.01,
            low=c * 0.99,
            close=c,
            volume=1.0,
        )
        for i, c in enumerate(closes)
    )


def _context(
    role: AnalystRole, closes: list[float], features: dict[str, float | None], **limits: float
) -> AnalystContext:
    return AnalystContext(
        role=role,
        symbol="BTC",
        time="2024-01-01T09:00:00Z",
        bars=_bars(closes),
        features=features,
        limits=AnalystLimits(**limits),
    )


def test_provider_satisfies_the_port_and_context_round_trips() -> None:
    provider = RuleBasedProvider()
    assert isinstance(provider, LLMPort)
    ctx = _context(AnalystRole.TECHNICAL_ANALYST, [100, 101, 102], {"trend": 0.5, "gap": None})
    request = analyst_request(ctx, "rule-based")
    assert extract_context(request) == ctx
    assert request.messages[0].role == "system"
    assert "```json" in request.messages[1].content


def test_technical_analyst_by_hand() -> None:
    closes = [100.0, 101.0, 103.0]
    ctx = _context(
        AnalystRole.TECHNICAL_ANALYST, closes, {"a": 0.8, "b": 0.2, "c": None}, min_confidence=0.3
    )
    verdict = RuleBasedProvider().complete(analyst_request(ctx, "rule-based"), AnalystVerdict)
    rets = [101 / 100 - 1, 103 / 101 - 1]
    mean = sum(rets) / 2
    vol = math.sqrt(sum((r - mean) ** 2 for r in rets) / 2)
    momentum = math.tanh((103 / 100 - 1) / (vol * math.sqrt(2)))
    votes = [0.8, 0.2, momentum]
    score = sum(votes) / 3
    assert verdict.direction == "long"
    assert verdict.confidence == pytest.approx(abs(score) * 1.0, rel=1e-12)
    assert verdict.approve
    assert "Technical view long" in verdict.reasoning


def test_technical_analyst_flat_and_short() -> None:
    flat = _context(AnalystRole.TECHNICAL_ANALYST, [100.0, 100.0], {"a": 0.02})
    v = RuleBasedProvider().complete(analyst_request(flat, "m"), AnalystVerdict)
    assert (v.direction, v.approve) == ("flat", False)
    short = _context(
        AnalystRole.TECHNICAL_ANALYST, [100.0, 95.0, 90.0], {"a": -0.9}, min_confidence=0.99
    )
    v = RuleBasedProvider().complete(analyst_request(short, "m"), AnalystVerdict)
    assert v.direction == "short"
    assert not v.approve  # below the (high) minimum confidence
    assert "hold" in v.reasoning


def test_risk_reviewer_vetoes_volatility_and_weak_proposals() -> None:
    calm = [100.0, 100.1, 100.2, 100.1]
    wild = [100.0, 110.0, 95.0, 112.0]
    ok = _context(
        AnalystRole.RISK_REVIEWER, calm, {"proposal": 0.6}, min_confidence=0.3, max_volatility=0.01
    )
    v = RuleBasedProvider().complete(analyst_request(ok, "m"), AnalystVerdict)
    assert (v.direction, v.approve) == ("long", True)
    risky = _context(
        AnalystRole.RISK_REVIEWER, wild, {"proposal": 0.6}, min_confidence=0.3, max_volatility=0.01
    )
    v = RuleBasedProvider().complete(analyst_request(risky, "m"), AnalystVerdict)
    assert not v.approve
    assert "volatility" in v.reasoning
    weak = _context(
        AnalystRole.RISK_REVIEWER, calm, {"proposal": -0.1}, min_confidence=0.3, max_volatility=0.01
    )
    v = RuleBasedProvider().complete(analyst_request(weak, "m"), AnalystVerdict)
    assert (v.direction, v.approve) == ("short", False)
    none = _context(AnalystRole.RISK_REVIEWER, calm, {})
    assert not RuleBasedProvider().complete(analyst_request(none, "m"), AnalystVerdict).approve


def test_same_prompt_same_answer() -> None:
    ctx = _context(AnalystRole.TECHNICAL_ANALYST, [100.0, 99.0, 101.0, 102.5], {"x": 0.3})
    request = analyst_request(ctx, "rule-based")
    answers = {
        RuleBasedProvider().complete(request, AnalystVerdict).model_dump_json() for _ in range(5)
    }
    assert len(answers) == 1


def test_provider_refuses_other_schemas_and_bare_prompts() -> None:
    class Other(BaseModel):
        x: int

    ctx = _context(AnalystRole.TECHNICAL_ANALYST, [1.0, 2.0], {})
    with pytest.raises(ValidationError, match="only AnalystVerdict"):
        RuleBasedProvider().complete(analyst_request(ctx, "m"), Other)
    bare = CompletionRequest(model="m", messages=(Message("user", "hello"),))
    with pytest.raises(ValidationError, match="no analyst context"):
        RuleBasedProvider().complete(bare, AnalystVerdict)
    with pytest.raises(ValidationError):
        CompletionRequest(model="", messages=(Message("user", "x"),))


def test_cache_keys_depend_on_node_model_and_prompt() -> None:
    a = analyst_request(_context(AnalystRole.TECHNICAL_ANALYST, [1.0, 2.0], {"x": 0.1}), "m1")
    b = analyst_request(_context(AnalystRole.TECHNICAL_ANALYST, [1.0, 2.0], {"x": 0.2}), "m1")
    keys = {
        cache_key("n1", "m1", a),
        cache_key("n2", "m1", a),
        cache_key("n1", "m2", a),
        cache_key("n1", "m1", b),
    }
    assert len(keys) == 4
    assert cache_key("n1", "m1", a) == cache_key("n1", "m1", a)


class _Counting:
    def __init__(self) -> None:
        self.calls = 0
        self.inner = RuleBasedProvider()

    @property
    def name(self) -> str:
        return "counting"

    def complete(self, request, schema):  # type: ignore[no-untyped-def]
        self.calls += 1
        return self.inner.complete(request, schema)


def test_cached_llm_hits_and_file_persistence(tmp_path: Path) -> None:
    path = tmp_path / "cache.jsonl"
    request = analyst_request(_context(AnalystRole.TECHNICAL_ANALYST, [1.0, 1.1], {"x": 0.4}), "m")
    provider = _Counting()
    llm = CachedLLM(provider, FileResponseCache(path))
    first = llm.complete(request, AnalystVerdict, node="a")
    second = llm.complete(request, AnalystVerdict, node="a")
    assert first == second
    assert (provider.calls, llm.calls, llm.hits) == (1, 1, 1)
    llm.complete(request, AnalystVerdict, node="b")
    assert provider.calls == 2
    reloaded = CachedLLM(_Counting(), FileResponseCache(path))
    assert reloaded.complete(request, AnalystVerdict, node="a") == first
    assert reloaded.calls == 0
    assert len(path.read_text().splitlines()) == 2


def test_file_cache_tolerates_a_torn_last_line_only(tmp_path: Path) -> None:
    path = tmp_path / "cache.jsonl"
    good = json.dumps({"key": "k", "value": "v"})
    path.write_text(good + "\n" + '{"key": "k2", "val')
    cache = FileResponseCache(path)
    assert cache.get("k") == "v"
    assert cache.get("k2") is None
    path.write_text("garbage\n" + good + "\n")
    with pytest.raises(DataFormatError, match="line 1"):
        FileResponseCache(path)


def test_in_memory_cache() -> None:
    cache = InMemoryResponseCache()
    assert cache.get("x") is None
    cache.put("x", "1")
    assert (cache.get("x"), len(cache)) == ("1", 1)
