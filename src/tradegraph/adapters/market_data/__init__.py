"""Market-data adapters: implementations of ``tradegraph.data.sources.OhlcvFetcher``.

Boundary: each vendor lives in its own sub-package (``ccxt/``) and maps the vendor's
errors onto the port's contract; pagination, retries and storage are not done here.
"""
