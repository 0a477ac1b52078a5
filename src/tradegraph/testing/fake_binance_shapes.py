"""Binance JSON shapes of the fake's orders, trades, accounts and exchange info.

Field names, string decimals (8 places on spot, plain on futures) and conditional fields
follow Binance's REST answers, so the real ccxt client parses them as it parses Binance.
"""

from __future__ import annotations

from decimal import Decimal

from tradegraph.testing.fake_binance_matching import MatchingEngine
from tradegraph.testing.fake_binance_records import Book, MarketRules, Order, Trade


def fmt8(value: Decimal) -> str:
    return f"{value:.8f}"


def plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text if text != "-0" else "0"


def places(increment: Decimal) -> int:
    exponent = increment.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def spot_order(order: Order) -> dict[str, object]:
    req = order.request
    return {
        "symbol": req.market_id, "orderId": order.order_id,
        "orderListId": order.order_list_id,
        "clientOrderId": req.client_order_id, "price": fmt8(req.price),
        "origQty": fmt8(req.quantity), "executedQty": fmt8(order.executed),
        "cummulativeQuoteQty": fmt8(order.cum_quote), "status": order.status,
        "timeInForce": req.time_in_force, "type": req.type, "side": req.side,
        "stopPrice": fmt8(req.stop_price), "icebergQty": fmt8(Decimal(0)),
        "time": order.time_ms, "updateTime": order.update_ms,
        "isWorking": not order.is_stop or order.triggered, "workingTime": order.time_ms,
        "origQuoteOrderQty": fmt8(Decimal(0)), "selfTradePreventionMode": "EXPIRE_MAKER",
    }  # fmt: skip


def perp_order(order: Order) -> dict[str, object]:
    req = order.request
    return {
        "orderId": order.order_id, "symbol": req.market_id, "status": order.status,
        "clientOrderId": req.client_order_id, "price": plain(req.price),
        "avgPrice": plain(order.average_price), "origQty": plain(req.quantity),
        "executedQty": plain(order.executed), "cumQty": plain(order.executed),
        "cumQuote": plain(order.cum_quote), "timeInForce": req.time_in_force,
        "type": req.type, "reduceOnly": req.reduce_only, "closePosition": False,
        "side": req.side, "positionSide": "BOTH", "stopPrice": plain(req.stop_price),
        "workingType": "CONTRACT_PRICE", "priceProtect": False, "origType": req.type,
        "priceMatch": "NONE", "selfTradePreventionMode": "EXPIRE_MAKER",
        "goodTillDate": 0, "time": order.time_ms, "updateTime": order.update_ms,
    }  # fmt: skip


def spot_trade(t: Trade) -> dict[str, object]:
    return {
        "symbol": t.market_id, "id": t.trade_id, "orderId": t.order_id, "orderListId": -1,
        "price": fmt8(t.price), "qty": fmt8(t.qty), "quoteQty": fmt8(t.quote_qty),
        "commission": fmt8(t.commission), "commissionAsset": t.commission_asset,
        "time": t.time_ms, "isBuyer": t.side == "BUY", "isMaker": t.maker,
        "isBestMatch": True,
    }  # fmt: skip


def perp_trade(t: Trade) -> dict[str, object]:
    return {
        "buyer": t.side == "BUY", "commission": plain(t.commission),
        "commissionAsset": t.commission_asset, "id": t.trade_id, "maker": t.maker,
        "orderId": t.order_id, "price": plain(t.price), "qty": plain(t.qty),
        "quoteQty": plain(t.quote_qty), "realizedPnl": plain(t.realized_pnl),
        "side": t.side, "positionSide": "BOTH", "symbol": t.market_id, "time": t.time_ms,
    }  # fmt: skip


def spot_account(engine: MatchingEngine) -> object:
    now = engine.now_ms()
    fee = int(engine.spot_fee * 10_000)
    rates = fmt8(engine.spot_fee)
    return {
        "makerCommission": fee, "takerCommission": fee, "buyerCommission": 0,
        "sellerCommission": 0,
        "commissionRates": {"maker": rates, "taker": rates, "buyer": fmt8(Decimal(0)),
                            "seller": fmt8(Decimal(0))},
        "canTrade": True, "canWithdraw": True, "canDeposit": True, "brokered": False,
        "requireSelfTradePrevention": False, "preventSor": False, "updateTime": now,
        "accountType": "SPOT",
        "balances": [
            {"asset": asset, "free": fmt8(entry.free), "locked": fmt8(entry.locked)}
            for asset, entry in sorted(engine.spot_assets.items())
        ],
        "permissions": ["SPOT"], "uid": 354937868,
    }  # fmt: skip


def perp_assets(engine: MatchingEngine) -> list[dict[str, object]]:
    now = engine.now_ms()
    rows: list[dict[str, object]] = []
    for asset, wallet in sorted(engine.perp_wallet.items()):
        position_margin, orders_margin, unrealized = engine.perp_margin(asset)
        available = wallet + unrealized - position_margin - orders_margin
        rows.append({
            "asset": asset, "walletBalance": plain(wallet),
            "unrealizedProfit": plain(unrealized), "marginBalance": plain(wallet + unrealized),
            "maintMargin": plain(position_margin / 20),
            "initialMargin": plain(position_margin + orders_margin),
            "positionInitialMargin": plain(position_margin),
            "openOrderInitialMargin": plain(orders_margin),
            "crossWalletBalance": plain(wallet), "crossUnPnl": plain(unrealized),
            "availableBalance": plain(available), "maxWithdrawAmount": plain(available),
            "updateTime": now,
        })  # fmt: skip
    return rows


def perp_account(engine: MatchingEngine) -> object:
    assets = perp_assets(engine)

    def total(name: str) -> str:
        return plain(sum((Decimal(str(a[name])) for a in assets), Decimal(0)))

    return {
        "totalInitialMargin": total("initialMargin"), "totalMaintMargin": total("maintMargin"),
        "totalWalletBalance": total("walletBalance"),
        "totalUnrealizedProfit": total("unrealizedProfit"),
        "totalMarginBalance": total("marginBalance"),
        "totalPositionInitialMargin": total("positionInitialMargin"),
        "totalOpenOrderInitialMargin": total("openOrderInitialMargin"),
        "totalCrossWalletBalance": total("crossWalletBalance"),
        "totalCrossUnPnl": total("crossUnPnl"), "availableBalance": total("availableBalance"),
        "maxWithdrawAmount": total("maxWithdrawAmount"), "assets": assets,
        "positions": [
            {"symbol": row["symbol"], "positionSide": "BOTH",
             "positionAmt": row["positionAmt"], "unrealizedProfit": row["unRealizedProfit"],
             "isolatedMargin": "0", "notional": row["notional"], "isolatedWallet": "0",
             "initialMargin": row["initialMargin"], "maintMargin": row["maintMargin"],
             "updateTime": row["updateTime"]}
            for row in position_rows(engine, None)
        ],
    }  # fmt: skip


def position_rows(engine: MatchingEngine, market_id: str | None) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for (book, mid), rules in sorted(engine.markets.items()):
        if book is not Book.PERP or (market_id is not None and mid != market_id):
            continue
        position = engine.positions[mid]
        has_orders = bool(engine.open_orders(Book.PERP, mid))
        if position.amount == 0 and not has_orders:
            continue  # v3 lists only symbols with a position or open orders
        mark = engine.prices.get((book, mid), position.entry_price)
        notional = position.amount * mark
        margin = abs(notional) / engine.leverage
        rows.append({
            "symbol": mid, "positionSide": "BOTH", "positionAmt": plain(position.amount),
            "entryPrice": plain(position.entry_price),
            "breakEvenPrice": plain(position.entry_price), "markPrice": plain(mark),
            "unRealizedProfit": plain(position.amount * (mark - position.entry_price)),
            "liquidationPrice": "0", "isolatedMargin": "0", "notional": plain(notional),
            "marginAsset": rules.quote, "isolatedWallet": "0",
            "initialMargin": plain(margin), "maintMargin": plain(abs(notional) / 200),
            "positionInitialMargin": plain(margin), "openOrderInitialMargin": "0",
            "adl": 0, "bidNotional": "0", "askNotional": "0",
            "updateTime": position.update_ms,
        })  # fmt: skip
    return rows


def leverage_brackets(engine: MatchingEngine) -> object:
    return [
        {"symbol": mid, "brackets": [
            {"bracket": 1, "initialLeverage": int(engine.leverage),
             "notionalCap": 50_000_000, "notionalFloor": 0, "maintMarginRatio": 0.005,
             "cum": 0.0}]}
        for (book, mid) in sorted(engine.markets) if book is Book.PERP
    ]  # fmt: skip


def spot_filters(rules: MarketRules) -> list[dict[str, object]]:
    return [
        {"filterType": "PRICE_FILTER", "minPrice": fmt8(rules.min_price),
         "maxPrice": fmt8(rules.max_price), "tickSize": fmt8(rules.tick_size)},
        {"filterType": "LOT_SIZE", "minQty": fmt8(rules.min_qty),
         "maxQty": fmt8(rules.max_qty), "stepSize": fmt8(rules.step_size)},
        {"filterType": "NOTIONAL", "minNotional": fmt8(rules.min_notional),
         "applyMinToMarket": True, "maxNotional": "9000000.00000000",
         "applyMaxToMarket": False, "avgPriceMins": 5},
    ]  # fmt: skip


def perp_symbol(rules: MarketRules) -> dict[str, object]:
    return {
        "symbol": rules.market_id, "pair": rules.market_id, "contractType": "PERPETUAL",
        "deliveryDate": 4133404800000, "onboardDate": 1569398400000, "status": "TRADING",
        "maintMarginPercent": "2.5000", "requiredMarginPercent": "5.0000",
        "baseAsset": rules.base, "quoteAsset": rules.quote, "marginAsset": rules.quote,
        "pricePrecision": places(rules.tick_size),
        "quantityPrecision": places(rules.step_size),
        "baseAssetPrecision": 8, "quotePrecision": 8, "underlyingType": "COIN",
        "underlyingSubType": [], "settlePlan": 0, "triggerProtect": "0.0500",
        "liquidationFee": "0.012500", "marketTakeBound": "0.05", "maxMoveOrderLimit": 10000,
        "filters": [
            {"filterType": "PRICE_FILTER", "minPrice": plain(rules.min_price),
             "maxPrice": plain(rules.max_price), "tickSize": plain(rules.tick_size)},
            {"filterType": "LOT_SIZE", "minQty": plain(rules.min_qty),
             "maxQty": plain(rules.max_qty), "stepSize": plain(rules.step_size)},
            {"filterType": "MARKET_LOT_SIZE", "minQty": plain(rules.min_qty),
             "maxQty": plain(rules.max_qty), "stepSize": plain(rules.step_size)},
            {"filterType": "MAX_NUM_ORDERS", "limit": 200},
            {"filterType": "MIN_NOTIONAL", "notional": plain(rules.min_notional)},
        ],
        "orderTypes": ["LIMIT", "MARKET", "STOP", "STOP_MARKET", "TAKE_PROFIT",
                       "TAKE_PROFIT_MARKET", "TRAILING_STOP_MARKET"],
        "timeInForce": ["GTC", "IOC", "FOK", "GTX", "GTD"],
    }  # fmt: skip


def perp_exchange_info(engine: MatchingEngine) -> dict[str, object]:
    with engine.lock:
        symbols = [
            perp_symbol(rules)
            for (book, _), rules in sorted(engine.markets.items())
            if book is Book.PERP
        ]
    return {
        "timezone": "UTC", "serverTime": engine.now_ms(), "futuresType": "U_MARGINED",
        "rateLimits": [
            {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1,
             "limit": 2400},
            {"rateLimitType": "ORDERS", "interval": "MINUTE", "intervalNum": 1,
             "limit": 1200},
        ],
        "exchangeFilters": [],
        "assets": [{"asset": "USDT", "marginAvailable": True, "autoAssetExchange": "-10000"}],
        "symbols": symbols,
    }  # fmt: skip


__all__ = [
    "fmt8",
    "leverage_brackets",
    "perp_account",
    "perp_exchange_info",
    "perp_order",
    "perp_symbol",
    "perp_trade",
    "places",
    "plain",
    "position_rows",
    "spot_account",
    "spot_filters",
    "spot_order",
    "spot_trade",
]
