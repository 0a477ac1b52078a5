"""Binance spot OCO order lists for ``CcxtExecutionClient.submit_oco`` (no I/O here).

``oco_params`` builds the ``POST /api/v3/orderList/oco`` parameters (ccxt's implicit
``privatePostOrderListOco``) for a (stop, target) pair: for a SELL pair the target is the
``above`` leg (``LIMIT_MAKER``) and the stop the ``below`` leg (``STOP_LOSS`` or
``STOP_LOSS_LIMIT``); for a BUY pair the reverse. Both client ids pass through
(``aboveClientOrderId``/``belowClientOrderId``); the list's own id is derived from them.
``check_pair`` says what is wrong with a pair that cannot be one OCO list.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from tradegraph.execution.ports import OrderRequest
from tradegraph.model.enums import OrderType, Side


def _text(value: Decimal) -> str:
    return format(value.normalize(), "f")


def list_client_id(stop: OrderRequest, target: OrderRequest) -> str:
    """A deterministic ``listClientOrderId`` (36 characters at most) for the pair."""
    digest = hashlib.sha256(f"{stop.client_order_id}|{target.client_order_id}".encode())
    return "oco_" + digest.hexdigest()[:32]


def check_pair(stop: OrderRequest, target: OrderRequest) -> str:
    """Why ``stop``/``target`` cannot be one OCO list ("" when they can)."""
    if stop.order_type not in (OrderType.STOP, OrderType.STOP_LIMIT) or stop.stop_price is None:
        return f"OCO stop leg {stop.client_order_id!r} must be a STOP or STOP_LIMIT order"
    if target.order_type is not OrderType.LIMIT or target.price is None:
        return f"OCO target leg {target.client_order_id!r} must be a LIMIT order"
    if stop.instrument_id != target.instrument_id:
        return "OCO legs must trade the same instrument"
    if stop.side is not target.side or stop.quantity != target.quantity:
        return "OCO legs must have the same side and quantity"
    if stop.client_order_id == target.client_order_id:
        return "OCO legs need two different client order ids"
    return ""


def oco_params(
    stop: OrderRequest, target: OrderRequest, market: Mapping[str, Any]
) -> dict[str, str]:
    """The ``orderList/oco`` request parameters (see the module docstring)."""
    assert stop.stop_price is not None  # check_pair
    assert target.price is not None
    limit_at, stop_at = ("above", "below") if stop.side is Side.SELL else ("below", "above")
    params = {
        "symbol": str(market["id"]),
        "side": stop.side.value.upper(),
        "quantity": _text(stop.quantity),
        "listClientOrderId": list_client_id(stop, target),
        f"{limit_at}Type": "LIMIT_MAKER",
        f"{limit_at}Price": _text(target.price),
        f"{limit_at}ClientOrderId": target.client_order_id,
        f"{stop_at}StopPrice": _text(stop.stop_price),
        f"{stop_at}ClientOrderId": stop.client_order_id,
        "newOrderRespType": "FULL",
    }
    if stop.order_type is OrderType.STOP_LIMIT and stop.price is not None:
        params[f"{stop_at}Type"] = "STOP_LOSS_LIMIT"
        params[f"{stop_at}Price"] = _text(stop.price)
        params[f"{stop_at}TimeInForce"] = stop.time_in_force.value.upper()
    else:
        params[f"{stop_at}Type"] = "STOP_LOSS"
    return params


def leg_reports(raw: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The answer's ``orderReports`` by client order id."""
    reports = raw["orderReports"]
    return {str(report["clientOrderId"]): report for report in reports}


__all__ = ["check_pair", "leg_reports", "list_client_id", "oco_params"]
