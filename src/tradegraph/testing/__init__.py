"""The shipped test kit: fakes for ports and venues, builders, conformance suites.

Boundary: used by tradegraph's own tests and by users testing their extensions. It may
import any tradegraph package, but no production code imports it. Fakes talk only to
127.0.0.1.
"""

from tradegraph.testing.fake_exchange import (
    FakeBinance,
    FakeExchangeServer,
    FakeRequest,
    FakeResponse,
    Fault,
    FaultKind,
)

__all__ = [
    "FakeBinance",
    "FakeExchangeServer",
    "FakeRequest",
    "FakeResponse",
    "Fault",
    "FaultKind",
]
