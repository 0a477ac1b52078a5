"""Adapters (layer 6): concrete I/O behind the ports of the lower layers.

Layout: ``brokers/<venue>/``, ``market_data/<vendor>/``, ``llm/<provider>/``. This is the
only package that imports venue client libraries (ccxt, ib_async, httpx clients). Nothing
below layer 6 imports an adapter; ``bootstrap`` (or a CLI command) picks one for a port.
"""
