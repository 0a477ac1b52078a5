"""tradegraph: AI-assisted algorithmic trading platform.

Strategies are typed node graphs (data -> indicators/patterns -> LLM analysts -> decision ->
risk -> execution) that run the same way in backtest, paper and live mode.

Layering (see docs/architecture.md): core (L0) < model (L1) < data/indicators/patterns/
portfolio (L2) < risk/execution (L3) < workflow/backtest/ai (L4) < services/orchestrator (L5)
< persistence/adapters (L6) < api/cli/bootstrap/settings (L7).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("tradegraph")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
