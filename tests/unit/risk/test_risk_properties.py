"""Property tests: whatever the account, config and order, an accepted order breaks no
configured limit, HALTED never accepts new risk, and reductions are as large as the
limits allow. The oracle below restates each limit from the documented rules, computing
exposures from the raw positions and working orders (not from the snapshot's derived
figures)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradegraph.model import Order, OrderType, Position, Side
from tradegraph.risk import (
    AccountSnapshot,
    CorrelationMatrix,
    GuardMode,
    Outcome,
    PreTradeChecker,
    PriceMark,
    ProposedOrder,
    RiskConfig,
    RiskDecision,
)
from tradegraph.testing.risk import T0, make_instrument

D = Decimal

BTC = make_instrument("BTC/USDT", tick_size="0.01", lot_size="0.001", min_notional="10")
ETH = make_instrument("ETH/USDT", tick_size="0.01", lot_size="0.01", min_notional="5")
ES = make_instrument("ES", tick_size="0.25", lot_size="1", multiplier="50")
UNIVERSE = {i.id: i for i in (BTC, ETH, ES)}
PRICE_STEPS = {BTC.id: (2_000_000, 8_000_000), ETH.id: (100_000, 500_000), ES.id: (16_000, 24_000)}
MAX_LOTS = {BTC.id: 3000, ETH.id: 60, ES.id: 6}
NOW = T0 + timedelta(minutes=1)

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def price_of(iid: str, steps: int) -> Decimal:
    return steps * UNIVERSE[iid].tick_size


configs = st.builds(
    RiskConfig,
    risk_per_trade_min=st.just(D("0.001")),
    risk_per_trade_max=st.sampled_from([D("0.005"), D("0.01"), D("0.02")]),
    leverage=st.sampled_from([D(1), D(2), D(3), D(10)]),
    max_instrument_exposure=st.sampled_from([D("0.1"), D("0.2"), D("0.5"), D(1)]),
    max_cluster_exposure=st.sampled_from([D("0.15"), D("0.2"), D("0.5"), D(2)]),
    correlation_threshold=st.sampled_from([0.5, 0.7]),
    clusters=st.sampled_from([(), (frozenset({BTC.id, ETH.id}),)]),
    require_stop=st.booleans(),
    min_reward_risk=st.sampled_from([D(0), D(1), D(2)]),
    min_expected_profit=st.sampled_from([D(0), D("0.01"), D("0.05")]),
    intraday=st.booleans(),
    reducing_factor=st.sampled_from([D("0.25"), D("0.5"), D(1)]),
    max_order_notional=st.sampled_from([None, D(5000), D(200000)]),
    max_order_quantity=st.sampled_from([None, D(1), D(40)]),
    allow_reduce=st.booleans(),
    min_reduced_fraction=st.sampled_from([D("0.001"), D("0.2"), D(1)]),
    restricted=st.sampled_from([frozenset(), frozenset({ES.id})]),
)


@dataclass(frozen=True)
class Scenario:
    config: RiskConfig
    account: AccountSnapshot
    order: ProposedOrder
    mode: GuardMode


@st.composite
def working_orders(draw: st.DrawFn) -> Order:
    iid = draw(st.sampled_from(sorted(UNIVERSE)))
    inst = UNIVERSE[iid]
    lo, hi = PRICE_STEPS[iid]
    return Order(
        client_order_id=f"w{draw(st.integers(0, 10**9))}",
        instrument_id=iid,
        side=draw(st.sampled_from(Side)),
        order_type=OrderType.LIMIT,
        quantity=draw(st.integers(1, MAX_LOTS[iid])) * inst.lot_size,
        created_at=T0 - timedelta(minutes=draw(st.integers(1, 600))),
        price=price_of(iid, draw(st.integers(lo, hi))),
        reduce_only=draw(st.booleans()),
    )


@st.composite
def scenarios(draw: st.DrawFn, mode: GuardMode | None = None, *, clean: bool = False) -> Scenario:
    """Random scenarios; ``clean`` ones have fresh prices, no losses, no restrictions and
    well-formed stops and targets, so that capacity decides."""
    config = draw(configs)
    if clean:
        config = replace(
            config,
            restricted=frozenset(),
            max_order_notional=None,
            max_order_quantity=None,
            allow_reduce=True,
            min_reduced_fraction=D("0.001"),
        )
        mode = mode or draw(st.sampled_from([GuardMode.ACTIVE, GuardMode.REDUCING]))
    equity = D(draw(st.integers(1_000, 3_000_000)))
    marks = {}
    for iid, (lo, hi) in PRICE_STEPS.items():
        age = 0 if clean else draw(st.sampled_from([0, 0, 0, 60, 3600]))
        marks[iid] = PriceMark(
            price_of(iid, draw(st.integers(lo, hi))), NOW - timedelta(seconds=age)
        )
    positions = []
    for iid in draw(st.lists(st.sampled_from(sorted(UNIVERSE)), unique=True, max_size=3)):
        lots = draw(st.integers(-MAX_LOTS[iid], MAX_LOTS[iid]))
        if clean:  # a position of at most ~30 % of equity
            cap = int(
                equity
                * D("0.3")
                / (marks[iid].price * UNIVERSE[iid].multiplier * UNIVERSE[iid].lot_size)
            )
            lots = max(-cap, min(cap, lots))
        positions.append(Position(iid, lots * UNIVERSE[iid].lot_size, marks[iid].price))
    correlations = CorrelationMatrix(
        {
            (BTC.id, ETH.id): draw(st.floats(-1, 1)),
            (BTC.id, ES.id): draw(st.floats(-1, 1)),
            (ETH.id, ES.id): draw(st.floats(-1, 1)),
        }
    )
    losses = [D(0), D("0.05")] if clean else [D(0), D("-0.02"), D("-0.09"), D("-0.25"), D("0.05")]
    pnl_fraction = draw(st.sampled_from(losses))
    account = AccountSnapshot(
        equity=equity,
        positions=tuple(positions),
        open_orders=tuple(draw(st.lists(working_orders(), max_size=3))),
        last_prices=marks,
        daily_pnl=(equity * pnl_fraction / 4).quantize(D(1)),
        monthly_pnl=(equity * pnl_fraction).quantize(D(1)),
        instruments=UNIVERSE,
        correlations=correlations,
    )
    iid = draw(st.sampled_from(sorted(UNIVERSE)))
    inst = UNIVERSE[iid]
    side = draw(st.sampled_from(Side))
    last = marks[iid].price
    order_type = draw(st.sampled_from([OrderType.MARKET, OrderType.LIMIT]))
    price = None
    if order_type is OrderType.LIMIT:
        spread = 45 if clean else 80
        price = inst.round_price(last * (1 + D(draw(st.integers(-spread, spread))) / 1000))
    entry = price if price is not None else last
    sign = 1 if side is Side.BUY else -1
    stop = target = None
    if clean:
        move = D(draw(st.integers(5, 100))) / 1000
        stop = inst.round_price(entry * (1 - sign * move))
        target = inst.round_price(entry * (1 + sign * max(3 * move, D("0.06"))))
    else:
        if draw(st.booleans()):
            move = D(draw(st.integers(-20, 200))) / 1000  # negative: wrong side
            stop = inst.round_price(entry * (1 - sign * move))
        if draw(st.booleans()):
            move = D(draw(st.integers(-20, 300))) / 1000
            target = inst.round_price(entry * (1 + sign * move))
    if clean:  # 0.1 % to 150 % of equity
        fraction = D(draw(st.integers(1, 1500))) / 1000
        lots = int(fraction * equity / (entry * inst.multiplier * inst.lot_size)) + 1
    else:
        lots = draw(st.integers(1, MAX_LOTS[iid])) * draw(st.sampled_from([1, 1, 10, 1000]))
    order = ProposedOrder(
        instrument=inst,
        side=side,
        quantity=lots * inst.lot_size,
        order_type=order_type,
        price=price,
        reduce_only=not clean and draw(st.booleans()),
        stop_loss=stop if stop is not None and stop > 0 else None,
        take_profit=target if target is not None and target > 0 else None,
    )
    return Scenario(config, account, order, mode or draw(st.sampled_from(GuardMode)))


# --- the oracle ------------------------------------------------------------------------


def _working(account: AccountSnapshot) -> list[Order]:
    return [o for o in account.open_orders if not o.status.is_terminal and not o.reduce_only]


def reduces_risk(s: Scenario, qty: Decimal) -> bool:
    iid = s.order.instrument.id
    pos = sum((p.quantity for p in s.account.positions if p.instrument_id == iid), D(0))
    same_side = sum(
        (
            o.remaining_quantity
            for o in _working(s.account)
            if o.instrument_id == iid and o.side is s.order.side
        ),
        D(0),
    )
    opposite = pos < 0 if s.order.side is Side.BUY else pos > 0
    return opposite and qty + same_side <= abs(pos)


ZERO = Decimal(0)


def exposure(
    s: Scenario, iid: str, extra_buy: Decimal = ZERO, extra_sell: Decimal = ZERO
) -> Decimal:
    pos = sum((p.quantity for p in s.account.positions if p.instrument_id == iid), D(0))
    buys = extra_buy + sum(
        (
            o.remaining_quantity
            for o in _working(s.account)
            if o.instrument_id == iid and o.side is Side.BUY
        ),
        D(0),
    )
    sells = extra_sell + sum(
        (
            o.remaining_quantity
            for o in _working(s.account)
            if o.instrument_id == iid and o.side is Side.SELL
        ),
        D(0),
    )
    worst = max(abs(pos + buys), abs(pos - sells))
    return worst * s.account.last_prices[iid].price * UNIVERSE[iid].multiplier


def capacity_violations(s: Scenario, qty: Decimal) -> set[str]:
    """Which capacity limits (instrument, cluster, leverage, risk) ``qty`` would break."""
    cfg, acct, order = s.config, s.account, s.order
    iid = order.instrument.id
    f = D(1) if s.mode is GuardMode.ACTIVE else cfg.reducing_factor
    equity = acct.equity
    extra = (qty, D(0)) if order.side is Side.BUY else (D(0), qty)
    after = {i: exposure(s, i, *(extra if i == iid else (D(0), D(0)))) for i in UNIVERSE}
    out = set()
    if after[iid] > f * cfg.max_instrument_exposure * equity:
        out.add("instrument")
    if sum(after.values()) > f * cfg.leverage * equity:
        out.add("leverage")
    held = {p.instrument_id for p in acct.positions} | {o.instrument_id for o in _working(acct)}
    cluster = {iid}
    for other in held:
        corr = acct.correlations.get(iid, other)
        in_static = any(iid in c and other in c for c in cfg.clusters)
        if in_static or (corr is not None and abs(corr) >= cfg.correlation_threshold):
            cluster.add(other)
    if sum(after[i] for i in cluster) > f * cfg.max_cluster_exposure * equity:
        out.add("cluster")
    entry = order.price if order.price is not None else acct.last_prices[iid].price
    if order.stop_loss is not None:
        loss = qty * abs(entry - order.stop_loss) * order.instrument.multiplier
        if loss > f * cfg.risk_per_trade_max * equity:
            out.add("risk")
    return out


def violations(s: Scenario, qty: Decimal) -> list[str]:
    """Every configured limit that sending ``qty`` of the order would break."""
    cfg, acct, order = s.config, s.account, s.order
    inst = order.instrument
    iid = inst.id
    out = []
    if qty <= 0 or qty % inst.lot_size != 0:
        out.append("lot grid")
    if order.price is not None and order.price % inst.tick_size != 0:
        out.append("tick grid")
    reduces = reduces_risk(s, qty)
    if order.reduce_only and not reduces:
        out.append("reduce only")
    mark = acct.last_prices.get(iid)
    fresh = mark is not None and NOW - mark.time <= cfg.max_data_age
    if not fresh and not (reduces and order.order_type is OrderType.MARKET):
        out.append("stale data")
    if (
        order.price is not None
        and mark is not None
        and abs(order.price - mark.price) > cfg.price_collar * mark.price
    ):
        out.append("price collar")
    entry = order.price if order.price is not None else mark.price if mark is not None else None
    if entry is not None:
        notional = qty * entry * inst.multiplier
        if notional < inst.min_notional:
            out.append("min notional")
        if cfg.max_order_notional is not None and notional > cfg.max_order_notional:
            out.append("max order notional")
    if cfg.max_order_quantity is not None and qty > cfg.max_order_quantity:
        out.append("max order quantity")
    if reduces:
        return out
    if s.mode is GuardMode.HALTED:
        out.append("halted")
    equity = acct.equity
    if equity <= 0:
        out.append("equity")
    for pnl, limit, name in (
        (acct.daily_pnl, cfg.daily_loss_limit, "daily"),
        (acct.monthly_pnl, cfg.monthly_loss_limit, "monthly"),
    ):
        start = equity - pnl
        if pnl < 0 and -pnl >= limit * start:
            out.append(f"{name} loss")
    if iid in cfg.restricted or inst.symbol in cfg.restricted:
        out.append("restricted")
    assert entry is not None or out
    if entry is None:
        return out
    sign = 1 if order.side is Side.BUY else -1
    if order.stop_loss is None:
        if cfg.require_stop:
            out.append("no stop")
    elif sign * (entry - order.stop_loss) <= 0:
        out.append("stop side")
    if order.take_profit is not None:
        reward = sign * (order.take_profit - entry)
        if reward <= 0:
            out.append("target side")
        else:
            if order.stop_loss is not None and reward < cfg.min_reward_risk * abs(
                entry - order.stop_loss
            ):
                out.append("reward/risk")
            if not cfg.intraday and reward < cfg.min_expected_profit * entry:
                out.append("expected profit")
    if qty * entry * inst.multiplier > cfg.leverage * equity:
        out.append("fat finger")
    out.extend(sorted(capacity_violations(s, qty)))
    return out


def decide(s: Scenario) -> RiskDecision:
    return PreTradeChecker(s.config).check(s.order, s.account, NOW, s.mode)


# --- properties -------------------------------------------------------------------------


@SETTINGS
@given(scenarios())
def test_accepted_orders_break_no_limit(s: Scenario) -> None:
    decision = decide(s)
    if decision.accepted:
        assert violations(s, decision.quantity) == [], (violations(s, decision.quantity), decision)
        assert decision.quantity <= s.order.quantity
        if decision.outcome is Outcome.APPROVED:
            assert decision.quantity == s.order.quantity
    else:
        assert decision.quantity == 0
        assert decision.reasons


@SETTINGS
@given(scenarios(clean=True))
def test_capacity_decisions_are_exact(s: Scenario) -> None:
    """No false denials: an order that breaks nothing is approved as is. And a reduction
    is to the largest lot multiple that fits: one more lot would break a capacity limit."""
    decision = decide(s)
    if violations(s, s.order.quantity) == []:
        assert decision.outcome is Outcome.APPROVED, decision
    if decision.outcome is Outcome.REDUCED:
        assert decision.risk_increasing
        assert capacity_violations(s, s.order.quantity)  # it did need reducing
        assert not capacity_violations(s, decision.quantity)
        one_more = decision.quantity + s.order.instrument.lot_size
        assert capacity_violations(s, one_more), decision


@SETTINGS
@given(scenarios(mode=GuardMode.HALTED))
def test_halted_never_accepts_a_risk_increasing_order(s: Scenario) -> None:
    decision = decide(s)
    if decision.accepted:
        assert not decision.risk_increasing
        assert reduces_risk(s, decision.quantity)
        assert not s.order.reduce_only or decision.quantity <= s.order.quantity
