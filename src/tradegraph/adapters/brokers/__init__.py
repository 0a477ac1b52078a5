"""Broker adapters: concrete ``ExecutionClient`` implementations and their storage.

One sub-package per venue family (``ccxt/`` for crypto exchanges, later ``ibkr/``), plus
``simulated_journal`` (the file-backed journal of the simulated venue, which itself
lives in ``tradegraph.execution.simulated``). Venue client libraries are imported only
here; nothing below layer 6 imports this package.
"""
