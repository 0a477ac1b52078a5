"""Execution: order lifecycle, the ``ExecutionClient`` port, the OMS and the simulated venue.

Boundary: pure domain code over ports. ``ports.py`` defines what a venue must do
(``ExecutionClient``) and what order storage must do (``OrderStore``); the OMS in
``oms.py`` drives orders through them under the reliability rules of DESIGN.md §4:
persist first, then send; a timeout is UNKNOWN and is resolved by querying the venue;
a submit is never re-sent blindly. Concrete venues live in ``tradegraph.adapters.brokers``
(ccxt) and ``tradegraph.execution.simulated`` (paper); storage in ``tradegraph.persistence``.
Nothing here imports sqlalchemy, ccxt or does network I/O.
"""
