"""Risk engine benchmark: pre-trade check latency per order (budget: <= 20 us), plus
sizing, stop updates, the drawdown guard and snapshot construction.

Run: ``.venv/bin/python -m benchmarks.bench_risk``. No peer library has a pre-trade risk
engine (backtesting.py, vectorbt and backtrader size orders but do not veto them), so the
table shows the budget instead of a peer ratio. Each figure is the best of 15 batches
(the machine is shared; the minimum is the least disturbed measurement).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from rich.console import Console
from rich.table import Table

from tradegraph.model import Direction, Instrument, Order, OrderType, Position, Side
from tradegraph.risk import (
    AccountSnapshot,
    CorrelationMatrix,
    DrawdownGuard,
    GuardMode,
    PreTradeChecker,
    PriceMark,
    ProposedOrder,
    RecentOrder,
    RiskConfig,
    StopPolicy,
    StopState,
    TrailingKind,
    fixed_fractional,
    kernels,
    on_bar,
)
from tradegraph.testing.risk import T0, make_instrument

BUDGET_US = 20.0
D = Decimal
NOW = T0 + timedelta(seconds=1)


def per_call_us(fn: Callable[[], object], *, batch: int = 1_000, repeats: int = 15) -> float:
    """Best (least disturbed) of ``repeats`` batches: mean time per call, in microseconds."""
    fn()  # warm up (and compile kernels)
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(batch):
            fn()
        samples.append((time.perf_counter() - start) / batch * 1e6)
    return min(samples)


@dataclass(frozen=True)
class Book:
    """A realistic account: 10 held instruments, 6 working orders, 12 recent orders."""

    btc: Instrument
    held: Instrument
    held_quantity: Decimal
    prices: dict[str, Decimal]
    positions: tuple[Position, ...]
    working: tuple[Order, ...]
    recent: tuple[RecentOrder, ...]
    instruments: dict[str, Instrument]
    correlations: CorrelationMatrix

    def snapshot(self) -> AccountSnapshot:
        return AccountSnapshot(
            equity=D(1_000_000),
            positions=self.positions,
            open_orders=self.working,
            last_prices={iid: PriceMark(p, T0) for iid, p in self.prices.items()},
            recent_orders=self.recent,
            instruments=self.instruments,
            correlations=self.correlations,
        )


def make_book() -> Book:
    rng = random.Random(7)
    coins = [
        make_instrument(f"C{i}/USDT", tick_size="0.01", lot_size="0.001", min_notional="10")
        for i in range(12)
    ]
    btc = make_instrument("BTC/USDT", tick_size="0.01", lot_size="0.0001", min_notional="10")
    prices = {i.id: D(rng.randint(10, 1000)) for i in coins}
    prices[btc.id] = D(50000)
    quantities = [D(rng.choice([-1, 1]) * rng.randint(1, 50)) for _ in range(10)]
    positions = tuple(
        Position(i.id, q, prices[i.id]) for i, q in zip(coins, quantities, strict=False)
    )
    working = tuple(
        Order(f"w{n}", coins[n].id, Side.BUY, OrderType.LIMIT, D(5), T0, price=prices[coins[n].id])
        for n in range(6)
    )
    recent = tuple(
        RecentOrder(
            T0 - timedelta(seconds=3 * n), coins[n].id, Side.SELL, D(n + 1), client_order_id=f"r{n}"
        )
        for n in range(12)
    )
    ids = [i.id for i in coins] + [btc.id]
    pairs = {(a, b): rng.uniform(-0.5, 0.5) for x, a in enumerate(ids) for b in ids[x + 1 :]}
    return Book(
        btc=btc,
        held=coins[8],  # no working orders on it
        held_quantity=quantities[8],
        prices=prices,
        positions=positions,
        working=working,
        recent=recent,
        instruments={i.id: i for i in [*coins, btc]},
        correlations=CorrelationMatrix(pairs),
    )


def bind(
    checker: PreTradeChecker, order: ProposedOrder, account: AccountSnapshot, mode: GuardMode
) -> Callable[[], object]:
    return lambda: checker.check(order, account, NOW, mode)


def main() -> None:
    book = make_book()
    account = book.snapshot()
    checker = PreTradeChecker(RiskConfig())
    btc = book.btc
    exit_side = Side.SELL if book.held_quantity > 0 else Side.BUY
    cases: list[tuple[str, ProposedOrder, GuardMode, str]] = [
        (
            "approved",
            ProposedOrder(
                btc,
                Side.BUY,
                D("0.5"),
                OrderType.LIMIT,
                price=D("49990"),
                stop_loss=D("49000"),
                take_profit=D("53000"),
            ),
            GuardMode.ACTIVE,
            "approved",
        ),
        (
            "reduced",
            ProposedOrder(btc, Side.BUY, D("5"), stop_loss=D("49000"), take_profit=D("53000")),
            GuardMode.ACTIVE,
            "reduced",
        ),
        (
            "denied: fat finger",
            ProposedOrder(btc, Side.BUY, D("5000"), stop_loss=D("49000"), take_profit=D("53000")),
            GuardMode.ACTIVE,
            "denied",
        ),
        (
            "denied: price collar",
            ProposedOrder(
                btc,
                Side.BUY,
                D("0.5"),
                OrderType.LIMIT,
                price=D("60000"),
                stop_loss=D("49000"),
                take_profit=D("70000"),
            ),
            GuardMode.ACTIVE,
            "denied",
        ),
        (
            "risk-reducing exit",
            ProposedOrder(book.held, exit_side, abs(book.held_quantity)),
            GuardMode.ACTIVE,
            "approved",
        ),
        (
            "HALTED: new risk",
            ProposedOrder(btc, Side.BUY, D("0.5"), stop_loss=D("49000"), take_profit=D("53000")),
            GuardMode.HALTED,
            "denied",
        ),
    ]
    rows: list[tuple[str, float, bool]] = []
    for name, order, mode, outcome in cases:
        decision = checker.check(order, account, NOW, mode)
        assert decision.outcome.value == outcome, (name, decision)
        figure = per_call_us(bind(checker, order, account, mode))
        rows.append((f"pre-trade check, {name}", figure, True))

    equity, fraction, entry, stop = D(1_000_000), D("0.01"), D(50000), D(49000)
    rows.append(
        (
            "fixed-fractional sizing (Decimal)",
            per_call_us(lambda: fixed_fractional(equity, fraction, entry, stop, btc)),
            False,
        )
    )
    rows.append(
        (
            "risk_quantity kernel, called from Python",
            per_call_us(lambda: kernels.risk_quantity(1e6, 0.01, 50000.0, 49000.0, 1.0, 0.0001)),
            False,
        )
    )
    policy = StopPolicy(trailing=TrailingKind.ATR)
    stop_state = StopState.open(Direction.LONG, 100.0, 95.0)
    rows.append(
        (
            "stop update per bar (on_bar)",
            per_call_us(lambda: on_bar(policy, stop_state, high=103.0, low=99.0, atr=1.5)),
            False,
        )
    )
    guard = DrawdownGuard(RiskConfig())
    guard_state = guard.start(D(1_000_000), T0)
    rows.append(
        (
            "drawdown guard observe",
            per_call_us(lambda: guard.observe(guard_state, D(990_000), NOW)),
            False,
        )
    )
    rows.append(
        (
            "AccountSnapshot build (10 positions, 6 working)",
            per_call_us(book.snapshot, batch=200),
            False,
        )
    )

    table = Table(title="tradegraph risk engine — no peer library, so the budget is shown")
    for column, justify in (
        ("path", "left"),
        ("us/call", "right"),
        ("budget us", "right"),
        ("within", "center"),
    ):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for name, value, budgeted in rows:
        verdict = ("yes" if value <= BUDGET_US else "NO") if budgeted else ""
        table.add_row(name, f"{value:.2f}", f"{BUDGET_US:.0f}" if budgeted else "-", verdict)
    Console().print(table)
    worst = max(value for _, value, budgeted in rows if budgeted)
    print(f"pre-trade check: worst case {worst:.2f} us per order (budget {BUDGET_US:.0f} us)")


if __name__ == "__main__":
    main()
