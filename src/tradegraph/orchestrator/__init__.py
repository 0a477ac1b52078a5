"""Orchestrator (layer L5, beside ``services``): long-running trading processes.

Boundary: paper and live **sessions** (a strategy driven bar by bar on a feed through
workflow → risk → OMS → venue → portfolio), and later the signal inbox, experiments and
policies. It composes the lower layers (workflow, backtest, execution, risk, portfolio,
data, model, core) through their ports; it never imports persistence, adapters, the CLI
or bootstrap: concrete stores and venues are passed in by the composition root.
"""
