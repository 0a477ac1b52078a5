"""AI (layer 4): the LLM port, structured analyst verdicts, prompts, the embedded
rule-based provider and the response cache.

- ``ports``: ``LLMPort.complete(request, schema) -> schema instance`` (structured output).
- ``prompts``: the analyst prompt; its context is a JSON block inside the user message,
  so every provider (a real LLM or the rule-based one) reads the same point-in-time data.
- ``rule_based``: the deterministic default provider; works offline, needs no key.
- ``cache``: responses keyed by (node, model, prompt hash), in memory or in a JSONL file,
  so a backtest re-run makes no new calls and is exactly reproducible.

Boundary: imports ``tradegraph.core`` and pydantic only; no network here (HTTP providers
live in ``tradegraph.adapters.llm``), no settings, no clock.
"""

from tradegraph.ai.cache import (
    CachedLLM,
    FileResponseCache,
    InMemoryResponseCache,
    ResponseCache,
    cache_key,
)
from tradegraph.ai.ports import CompletionRequest, LLMPort, Message
from tradegraph.ai.prompts import (
    AnalystContext,
    AnalystLimits,
    BarSnapshot,
    analyst_request,
    extract_context,
)
from tradegraph.ai.rule_based import RULE_BASED_MODEL, RuleBasedProvider
from tradegraph.ai.verdict import AnalystRole, AnalystVerdict

__all__ = [
    "RULE_BASED_MODEL",
    "AnalystContext",
    "AnalystLimits",
    "AnalystRole",
    "AnalystVerdict",
    "BarSnapshot",
    "CachedLLM",
    "CompletionRequest",
    "FileResponseCache",
    "InMemoryResponseCache",
    "LLMPort",
    "Message",
    "ResponseCache",
    "RuleBasedProvider",
    "analyst_request",
    "cache_key",
    "extract_context",
]
