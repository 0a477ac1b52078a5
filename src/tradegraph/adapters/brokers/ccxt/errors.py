"""What a ccxt exception says about whether an order request took effect.

The ``ExecutionClient`` contract needs one answer per failure: did the request certainly
not execute (safe to retry), may it have executed (resolve by querying), or did the venue
answer definitively (a rejection, an unknown order)? ``classify`` gives it:

==========================================  ===============  ==================================
ccxt exception (Binance code)               ``Outcome``      why
==========================================  ===============  ==================================
DDoSProtection, RateLimitExceeded (429,     RATE_LIMITED     Binance refuses over-limit requests
418, -1003, -1015)                                           before the matching engine
InvalidNonce (-1021), AuthenticationError,  NOT_EXECUTED     refused at the gateway (clock skew,
PermissionDenied, AccountSuspended,                          key, permissions), or the TCP
NetworkError before a connection existed                     connection was never made
any other NetworkError: RequestTimeout      UNKNOWN          the request may have reached the
(-1007), ExchangeNotAvailable (5xx), cut                     matching engine
connection; OperationFailed (-1000, -1001,
-1006, BadResponse); a bare ExchangeError
that carries no venue error code
OrderNotFound (-2011, -2013)                NOT_FOUND        definitive
"Duplicate order sent." (-2010), -4116      DUPLICATE        the client id is already open
other ExchangeError (InsufficientFunds,     REJECTED         the venue answered with an error
InvalidOrder, BadRequest, -2019, -4164...)                   code: nothing was executed
==========================================  ===============  ==================================

A rate-limited *submit* at Binance was not executed (the weight/order-count limiter
answers before the order reaches the matching engine), so it is RATE_LIMITED, not
UNKNOWN: the OMS backs off and re-sends with the same client id. Codes are read from the
message too because ccxt only maps Binance's futures codes when the URL host is
``fapi.binance.com``; against another host they arrive as a bare ``ExchangeError``.
"""

from __future__ import annotations

import json
import re
from enum import StrEnum

import ccxt
from urllib3.exceptions import ConnectTimeoutError

_CODE = re.compile(r'"code"\s*:\s*(-?\d+)')
_MSG = re.compile(r'"msg"\s*:\s*"((?:[^"\\]|\\.)*)"')
_AMBIGUOUS_CODES = frozenset({-1000, -1001, -1006, -1007})
_RATE_CODES = frozenset({-1003, -1015})
_DUPLICATE_CODES = frozenset({-4116})
_DUPLICATE_MESSAGES = ("Duplicate order sent.", "ClientOrderId is duplicated.")


class Outcome(StrEnum):
    RATE_LIMITED = "rate_limited"
    NOT_EXECUTED = "not_executed"
    UNKNOWN = "unknown"
    NOT_FOUND = "not_found"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"


def venue_code(exc: BaseException) -> int | None:
    """The venue's numeric error code carried in a ccxt message (Binance JSON bodies)."""
    match = _CODE.search(str(exc))
    return int(match.group(1)) if match else None


def venue_message(exc: BaseException) -> str:
    """The venue's own error text when the message carries a JSON body, else the message."""
    text = str(exc)
    match = _MSG.search(text)
    if match is None:
        return text
    try:
        return str(json.loads(f'"{match.group(1)}"'))
    except ValueError:
        return match.group(1)


def _never_connected(exc: BaseException) -> bool:
    """True when the TCP connection was never established (nothing was sent)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ConnectTimeoutError):  # also NewConnectionError (refused)
            return True
        current = current.__cause__ or current.__context__
    return False


def classify(exc: BaseException) -> Outcome:
    """See the module docstring."""
    code = venue_code(exc)
    if code in _AMBIGUOUS_CODES:
        return Outcome.UNKNOWN
    if isinstance(exc, ccxt.DDoSProtection | ccxt.RateLimitExceeded) or code in _RATE_CODES:
        return Outcome.RATE_LIMITED
    if isinstance(exc, ccxt.InvalidNonce | ccxt.AuthenticationError | ccxt.AccountSuspended):
        return Outcome.NOT_EXECUTED
    if isinstance(exc, ccxt.NetworkError):
        return Outcome.NOT_EXECUTED if _never_connected(exc) else Outcome.UNKNOWN
    if isinstance(exc, ccxt.OperationFailed):
        return Outcome.UNKNOWN
    if isinstance(exc, ccxt.OrderNotFound):
        return Outcome.NOT_FOUND
    if code in _DUPLICATE_CODES or any(m in str(exc) for m in _DUPLICATE_MESSAGES):
        return Outcome.DUPLICATE
    if isinstance(exc, ccxt.ExchangeError):
        if type(exc) is ccxt.ExchangeError and code is None:
            return Outcome.UNKNOWN  # a transport oddity ccxt could not attribute
        return Outcome.REJECTED
    return Outcome.UNKNOWN


__all__ = ["Outcome", "classify", "venue_code", "venue_message"]
