"""``OrderStoreContract``: the behaviour every ``OrderStore`` must have.

A plain class of ``test_*`` methods: subclass it as ``TestMyStore`` and implement
``make_store`` (a store of the given tenant; stores made in one test share one backend,
so tenant isolation can be checked) and ``journal`` (the ``order.*`` audit entries of a
store's tenant, oldest first). Run against ``InMemoryOrderStore`` and ``SqlOrderStore``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from tradegraph.core.errors import IntegrityError, NotFoundError, StaleStateError, ValidationError
from tradegraph.execution.store import OrderRecord, OrderStore, OrderUpdate
from tradegraph.model.audit import JSONValue
from tradegraph.model.enums import Liquidity, OrderType, Side, TimeInForce
from tradegraph.model.fill import Fill
from tradegraph.model.order import (
    Accepted,
    Canceled,
    Expired,
    MarkedUnknown,
    OrderStatus,
    Rejected,
    Submitted,
)
from tradegraph.testing.orders import (
    event_update,
    fill_update,
    make_fill,
    make_order,
    make_record,
)
from tradegraph.testing.risk import T0

OTHER_TENANT = "acme"
"""The second tenant the isolation test uses; SQL fixtures must create it."""

Journal = list[tuple[str, Mapping[str, JSONValue]]]


def _minutes(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


@contextmanager
def _raises(error: type[Exception], match: str = "") -> Iterator[None]:
    """Like ``pytest.raises`` (the test kit does not depend on pytest)."""
    caught: Exception | None = None
    try:
        yield
    except error as exc:
        caught = exc
    if caught is None:
        raise AssertionError(f"{error.__name__} was not raised")
    if not re.search(match, str(caught)):
        raise AssertionError(f"{caught!r} does not match {match!r}")


def _is_utc(value: datetime | None) -> bool:
    return value is not None and value.utcoffset() == timedelta(0)


class OrderStoreContract:
    """Behaviour every ``OrderStore`` must have. Subclass as ``Test...``."""

    def make_store(self, tenant_id: str = "default") -> OrderStore:  # pragma: no cover
        raise NotImplementedError

    def journal(self, store: OrderStore) -> Journal:  # pragma: no cover - overridden
        """(kind, payload) of the ``order.*`` journal entries of the store's tenant."""
        raise NotImplementedError

    # -- helpers ------------------------------------------------------------------------------

    def _added(self, store: OrderStore, *records: OrderRecord) -> list[OrderRecord]:
        return store.add(records)

    def _accepted(self, store: OrderStore, record: OrderRecord, at: float = 1) -> OrderRecord:
        [stored] = store.update(
            [
                event_update(
                    record,
                    Submitted(_minutes(at)),
                    Accepted(_minutes(at), "v-" + record.client_order_id),
                )
            ]
        )
        return stored

    # -- add ----------------------------------------------------------------------------------

    def test_get_of_unknown_order_is_none(self) -> None:
        assert self.make_store().get("nothing") is None

    def test_add_stores_new_records_at_version_zero(self) -> None:
        store = self.make_store()
        record = make_record(make_order("o-1"))
        [stored] = store.add([record])
        assert stored == record
        assert stored.version == 0
        assert store.get("o-1") == record

    def test_add_is_idempotent_on_the_client_order_id(self) -> None:
        store = self.make_store()
        first = make_record(make_order("o-1"), strategy_id="s1")
        store.add([first])
        other = make_record(make_order("o-1", quantity="9"), strategy_id="s2")
        again = store.add([other, make_record(make_order("o-2")), other])
        assert again[0] == first
        assert again[2] == first
        assert again[1].client_order_id == "o-2"
        assert store.get("o-1") == first
        kinds = [(kind, p["client_order_id"]) for kind, p in self.journal(store)]
        assert kinds == [("order.created", "o-1"), ("order.created", "o-2")]

    def test_add_refuses_a_record_of_another_tenant(self) -> None:
        store = self.make_store()
        with _raises(ValidationError, match="tenant"):
            store.add([make_record(tenant_id=OTHER_TENANT)])
        assert store.get("o-1") is None
        assert self.journal(store) == []

    def test_every_field_round_trips_exactly(self) -> None:
        store = self.make_store()
        order = make_order(
            "o-full",
            instrument_id="ETH/USDT:USDT",
            side=Side.SELL,
            order_type=OrderType.STOP_LIMIT,
            quantity="1.50000000",
            price="2500.12345678",
            stop_price="2499.5",
            time_in_force=TimeInForce.IOC,
            reduce_only=True,
            created_at=datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC),
        )
        record = make_record(
            order,
            strategy_id="strat-9",
            decision_id="dec-9",
            leg="stop.r1",
            venue="binance",
            group_id="g-1",
            oco_group="oco-1",
            parent_id="o-parent",
            replaces="o-old",
            send_attempts=2,
        )
        [added] = store.add([record])
        loaded = store.get("o-full")
        assert loaded == record == added
        assert loaded is not None
        assert str(loaded.order.quantity) == "1.50000000"
        assert str(loaded.order.price) == "2500.12345678"
        assert str(loaded.order.stop_price) == "2499.5"
        assert _is_utc(loaded.order.created_at)
        assert loaded.order.updated_at is None
        assert loaded.order.average_fill_price is None

        t1 = datetime(2024, 5, 6, 7, 8, 10, 654321, tzinfo=UTC)
        fills = [
            make_fill(
                "t-1",
                order,
                quantity="0.3",
                price="2500.1",
                time=t1,
                fee="0.00075",
                fee_currency="USDT",
                liquidity=Liquidity.MAKER,
            ),
            make_fill("t-2", order, quantity="0.2", price="2500.25", time=t1, fee="-0.01"),
        ]
        submitted = event_update(loaded, Submitted(t1), Accepted(t1, "venue-77"))
        [after_accept] = store.update([submitted])
        filled = fill_update(after_accept, fills)
        unknown = filled.record.order.apply(MarkedUnknown(t1, "timeout: read timed out"))
        update = OrderUpdate(
            replace(filled.record, order=unknown, send_attempts=3),
            (*filled.events, MarkedUnknown(t1, "timeout: read timed out")),
            filled.fills,
        )
        [written] = store.update([update])
        expected = replace(update.record, version=2)
        assert written == expected
        got = store.get("o-full")
        assert got == expected
        assert got is not None
        assert got.order.status is OrderStatus.UNKNOWN
        assert got.order.filled_quantity == Decimal("0.5")
        assert got.order.average_fill_price == expected.order.average_fill_price
        assert str(got.order.average_fill_price) == str(expected.order.average_fill_price)
        assert got.order.venue_order_id == "venue-77"
        assert got.order.last_reason == "timeout: read timed out"
        assert got.order.updated_at == t1
        assert _is_utc(got.order.updated_at)
        assert got.send_attempts == 3
        stored_fills = store.fills(client_order_id="o-full")
        assert stored_fills == fills
        assert [str(f.fee) for f in stored_fills] == ["0.00075", "-0.01"]
        assert all(_is_utc(f.time) for f in stored_fills)

    def test_market_order_without_prices_round_trips(self) -> None:
        store = self.make_store()
        record = make_record(make_order("o-m", order_type=OrderType.MARKET, price=None))
        store.add([record])
        assert store.get("o-m") == record

    # -- update -------------------------------------------------------------------------------

    def test_update_bumps_the_version(self) -> None:
        store = self.make_store()
        [record] = store.add([make_record(make_order("o-1"))])
        [v1] = store.update([event_update(record, Submitted(_minutes(1)))])
        assert v1.version == 1
        [v2] = store.update([event_update(v1, Accepted(_minutes(2), "x-1"))])
        assert v2.version == 2
        assert store.get("o-1") == v2
        assert v2.order.status is OrderStatus.ACCEPTED

    def test_successive_updates_of_one_order_in_one_call(self) -> None:
        store = self.make_store()
        [record] = store.add([make_record(make_order("o-1"))])
        first = event_update(record, Submitted(_minutes(1)))
        second = event_update(replace(first.record, version=1), Accepted(_minutes(2), "x"))
        results = store.update([first, second])
        assert [r.version for r in results] == [1, 2]
        assert store.get("o-1") == results[1]

    def test_a_stale_version_is_rejected_and_nothing_is_written(self) -> None:
        store = self.make_store()
        a, b = store.add([make_record(make_order("o-a")), make_record(make_order("o-b"))])
        [b1] = store.update([event_update(b, Submitted(_minutes(1)))])
        journal_before = self.journal(store)
        good = event_update(a, Submitted(_minutes(2)))
        stale = event_update(b, Submitted(_minutes(2)))  # based on version 0; stored is 1
        with _raises(StaleStateError, match="o-b"):
            store.update([good, stale])
        assert store.get("o-a") == a
        assert store.get("o-b") == b1
        assert self.journal(store) == journal_before

    def test_a_duplicate_trade_id_is_rejected_and_nothing_is_written(self) -> None:
        store = self.make_store()
        a, b, c = store.add([make_record(make_order(f"o-{n}")) for n in "abc"])
        a1 = self._accepted(store, a)
        b1 = self._accepted(store, b)
        c1 = self._accepted(store, c)
        [a2] = store.update([fill_update(a1, [make_fill("t-1", a1.order, quantity="0.5")])])
        journal_before = self.journal(store)
        fills_before = store.fills()
        clean = fill_update(b1, [make_fill("t-2", b1.order)])
        clash = fill_update(c1, [make_fill("t-1", c1.order)])
        with _raises(IntegrityError, match="t-1"):
            store.update([clean, clash])
        assert store.get("o-a") == a2
        assert store.get("o-b") == b1
        assert store.get("o-c") == c1
        assert store.fills() == fills_before
        assert store.known_trade_ids("test", ["t-2"]) == set()
        assert self.journal(store) == journal_before

    def test_a_trade_id_twice_in_one_call_is_rejected(self) -> None:
        store = self.make_store()
        a, b = (
            self._accepted(store, r)
            for r in store.add([make_record(make_order("o-a")), make_record(make_order("o-b"))])
        )
        with _raises(IntegrityError, match="t-9"):
            store.update(
                [
                    fill_update(a, [make_fill("t-9", a.order)]),
                    fill_update(b, [make_fill("t-9", b.order)]),
                ]
            )
        assert store.fills() == []
        assert store.get("o-a") == a

    def test_the_same_trade_id_on_another_venue_is_a_different_fill(self) -> None:
        store = self.make_store()
        a, b = store.add(
            [
                make_record(make_order("o-a"), venue="v1"),
                make_record(make_order("o-b"), venue="v2"),
            ]
        )
        a1, b1 = self._accepted(store, a), self._accepted(store, b)
        store.update(
            [
                fill_update(a1, [make_fill("t-1", a1.order)]),
                fill_update(b1, [make_fill("t-1", b1.order)]),
            ]
        )
        assert len(store.fills()) == 2
        assert store.known_trade_ids("v1", ["t-1", "t-2"]) == {"t-1"}
        assert store.known_trade_ids("v2", ["t-1"]) == {"t-1"}

    def test_update_of_an_unknown_order_is_not_found(self) -> None:
        store = self.make_store()
        record = make_record(make_order("ghost"))
        with _raises(NotFoundError, match="ghost"):
            store.update([event_update(record, Submitted(T0))])
        assert store.get("ghost") is None

    def test_update_refuses_a_record_of_another_tenant(self) -> None:
        store = self.make_store()
        other = self.make_store(OTHER_TENANT)
        [record] = other.add([make_record(tenant_id=OTHER_TENANT)])
        with _raises(ValidationError, match="tenant"):
            store.update([event_update(record, Submitted(T0))])
        assert other.get(record.client_order_id) == record

    # -- reading ------------------------------------------------------------------------------

    def test_find_filters_and_orders_oldest_first(self) -> None:
        store = self.make_store()
        specs = [  # (id, created minute, strategy, instrument)
            ("o-3", 3, "s1", "BTC/USDT"),
            ("o-1", 1, "s1", "ETH/USDT"),
            ("o-2", 2, "s2", "BTC/USDT"),
            ("o-4", 4, "s2", "ETH/USDT"),
            ("o-0", 0, "s1", "BTC/USDT"),
        ]
        stored = store.add(
            [
                make_record(
                    make_order(coid, instrument_id=iid, created_at=_minutes(m)),
                    strategy_id=strategy,
                )
                for coid, m, strategy, iid in specs
            ]
        )
        by_id = {r.client_order_id: r for r in stored}
        self._accepted(store, by_id["o-1"])
        [o2] = store.update([event_update(by_id["o-2"], Canceled(_minutes(5), "user"))])

        def ids(records: list[OrderRecord]) -> list[str]:
            return [r.client_order_id for r in records]

        assert ids(store.find()) == ["o-0", "o-1", "o-2", "o-3", "o-4"]
        assert ids(store.find(statuses=[OrderStatus.NEW])) == ["o-0", "o-3", "o-4"]
        assert ids(store.find(statuses={OrderStatus.ACCEPTED, OrderStatus.CANCELED})) == [
            "o-1",
            "o-2",
        ]
        assert store.find(statuses=[OrderStatus.CANCELED]) == [o2]
        assert store.find(statuses=[]) == []
        assert ids(store.find(strategy_id="s2")) == ["o-2", "o-4"]
        assert ids(store.find(instrument_id="BTC/USDT")) == ["o-0", "o-2", "o-3"]
        assert ids(
            store.find(strategy_id="s1", instrument_id="BTC/USDT", statuses=[OrderStatus.NEW])
        ) == ["o-0", "o-3"]
        assert ids(store.find(limit=2)) == ["o-0", "o-1"]
        assert store.find(strategy_id="nobody") == []

    def test_find_by_oco_group(self) -> None:
        store = self.make_store()
        groups = {"o-a": "g1", "o-b": "g2", "o-c": "g1", "o-d": None}
        store.add(
            [
                make_record(make_order(coid, created_at=_minutes(i)), oco_group=group)
                for i, (coid, group) in enumerate(groups.items())
            ]
        )
        assert [r.client_order_id for r in store.find(oco_groups={"g1"})] == ["o-a", "o-c"]
        assert [r.client_order_id for r in store.find(oco_groups=["g2", "g1"])] == [
            "o-a",
            "o-b",
            "o-c",
        ]
        assert store.find(oco_groups=[]) == []
        assert store.find(oco_groups={"g1"}, statuses=[OrderStatus.CANCELED]) == []

    def test_orders_created_at_the_same_time_keep_insertion_order(self) -> None:
        store = self.make_store()
        names = ["o-c", "o-a", "o-b"]
        store.add([make_record(make_order(n)) for n in names])
        assert [r.client_order_id for r in store.find()] == names

    def test_fills_are_oldest_first_and_filtered(self) -> None:
        store = self.make_store()
        a, b = (
            self._accepted(store, r)
            for r in store.add(
                [
                    make_record(make_order("o-a", quantity="3")),
                    make_record(make_order("o-b", instrument_id="ETH/USDT", side=Side.SELL)),
                ]
            )
        )
        fa3 = make_fill("t-a3", a.order, quantity="1", time=_minutes(30))
        fa1 = make_fill("t-a1", a.order, quantity="1", time=_minutes(10))
        fb = make_fill("t-b", b.order, time=_minutes(20))
        store.update([fill_update(a, [fa3, fa1])])
        store.update([fill_update(b, [fb])])
        assert store.fills() == [fa1, fb, fa3]
        assert store.fills(client_order_id="o-a") == [fa1, fa3]
        assert store.fills(instrument_id="ETH/USDT") == [fb]
        assert store.fills(client_order_id="o-a", instrument_id="ETH/USDT") == []

    def test_known_trade_ids_is_the_stored_subset(self) -> None:
        store = self.make_store()
        [a] = store.add([make_record(make_order("o-a", quantity="2"))])
        a = self._accepted(store, a)
        store.update(
            [
                fill_update(
                    a,
                    [
                        make_fill("t-1", a.order, quantity="1"),
                        make_fill("t-2", a.order, quantity="1"),
                    ],
                )
            ]
        )
        assert store.known_trade_ids("test", ["t-0", "t-1", "t-2", "t-3"]) == {"t-1", "t-2"}
        assert store.known_trade_ids("test", []) == set()
        assert store.known_trade_ids("elsewhere", ["t-1"]) == set()

    def test_last_fill_time_per_venue_and_instrument(self) -> None:
        store = self.make_store()
        assert store.last_fill_time("test", "BTC/USDT") is None
        a, b = (
            self._accepted(store, r)
            for r in store.add(
                [
                    make_record(make_order("o-a", quantity="2")),
                    make_record(make_order("o-b", instrument_id="ETH/USDT")),
                ]
            )
        )
        store.update(
            [
                fill_update(
                    a,
                    [
                        make_fill("t-1", a.order, quantity="1", time=_minutes(9)),
                        make_fill("t-2", a.order, quantity="1", time=_minutes(4)),
                    ],
                )
            ]
        )
        store.update([fill_update(b, [make_fill("t-3", b.order, time=_minutes(20))])])
        last = store.last_fill_time("test", "BTC/USDT")
        assert last == _minutes(9)
        assert _is_utc(last)
        assert store.last_fill_time("test", "ETH/USDT") == _minutes(20)
        assert store.last_fill_time("other", "BTC/USDT") is None

    def test_net_positions_are_signed_by_side(self) -> None:
        store = self.make_store()
        records = store.add(
            [
                make_record(make_order("buy-btc", quantity="1.5")),
                make_record(make_order("sell-btc", side=Side.SELL, quantity="0.25")),
                make_record(
                    make_order("sell-eth", instrument_id="ETH/USDT", side=Side.SELL, quantity="2")
                ),
                make_record(make_order("buy-sol", instrument_id="SOL/USDT", quantity="3")),
                make_record(
                    make_order("sell-sol", instrument_id="SOL/USDT", side=Side.SELL, quantity="3")
                ),
                make_record(make_order("other-venue", quantity="7"), venue="v2"),
            ]
        )
        accepted = [self._accepted(store, r) for r in records]
        store.update(
            [fill_update(r, [make_fill("t-" + r.client_order_id, r.order)]) for r in accepted]
        )
        assert store.net_positions("test") == {
            "BTC/USDT": Decimal("1.25"),
            "ETH/USDT": Decimal("-2"),
        }
        assert store.net_positions("v2") == {"BTC/USDT": Decimal("7")}
        assert store.net_positions("nowhere") == {}

    # -- tenants ------------------------------------------------------------------------------

    def test_tenants_are_isolated(self) -> None:
        mine = self.make_store()
        theirs = self.make_store(OTHER_TENANT)
        assert mine.tenant_id == "default"
        assert theirs.tenant_id == OTHER_TENANT
        [m] = mine.add([make_record(make_order("o-1"), strategy_id="mine")])
        [t] = theirs.add(
            [make_record(make_order("o-1"), tenant_id=OTHER_TENANT, strategy_id="theirs")]
        )
        assert t.strategy_id == "theirs"  # the same client id is a different order
        m, t = self._accepted(mine, m), self._accepted(theirs, t)
        mine.update([fill_update(m, [make_fill("t-1", m.order)])])
        theirs.update([fill_update(t, [make_fill("t-1", t.order, quantity="0.5")])])
        got_mine, got_theirs = mine.get("o-1"), theirs.get("o-1")
        assert got_mine is not None
        assert got_theirs is not None
        assert got_mine.strategy_id == "mine"
        assert got_theirs.tenant_id == OTHER_TENANT
        assert got_theirs.order.status is OrderStatus.PARTIALLY_FILLED
        assert [r.strategy_id for r in mine.find()] == ["mine"]
        assert theirs.find(strategy_id="mine") == []
        assert [f.quantity for f in mine.fills()] == [Decimal(1)]
        assert [f.quantity for f in theirs.fills()] == [Decimal("0.5")]
        assert mine.net_positions("test") == {"BTC/USDT": Decimal(1)}
        assert theirs.net_positions("test") == {"BTC/USDT": Decimal("0.5")}
        mine_journal = self.journal(mine)
        assert all(p["strategy_id"] == "mine" for _, p in mine_journal)
        assert [k for k, _ in mine_journal] == [k for k, _ in self.journal(theirs)]
        # a stale write in one tenant says nothing about the other
        with _raises(StaleStateError):
            theirs.update([event_update(replace(t, version=0), Canceled(T0))])

    # -- journal ------------------------------------------------------------------------------

    def test_every_change_is_journalled_in_order(self) -> None:
        store = self.make_store()
        [a, b, c, d, e] = store.add(
            [make_record(make_order(f"o-{n}", quantity="2")) for n in "abcde"]
        )
        a1 = self._accepted(store, a, at=1)
        fills = [
            make_fill("t-1", a1.order, quantity="0.5", price="101", time=_minutes(2)),
            make_fill("t-2", a1.order, quantity="1.5", price="102", time=_minutes(3)),
        ]
        store.update([fill_update(a1, fills)])
        store.update([event_update(b, Rejected(_minutes(4), "insufficient funds"))])
        [c1] = store.update([event_update(c, Submitted(_minutes(5)))])
        [c2] = store.update([event_update(c1, MarkedUnknown(_minutes(6), "read timeout"))])
        store.update(
            [
                OrderUpdate(
                    replace(c2, send_attempts=2), note="re-sent after the venue confirmed absence"
                )
            ]
        )
        d1 = self._accepted(store, d, at=7)
        store.update([event_update(d1, Expired(_minutes(8)))])
        store.update([event_update(e, Canceled(_minutes(9), "kill switch"))])
        entries = self.journal(store)
        summary = [(kind, p["client_order_id"], p["status"]) for kind, p in entries]
        assert summary == [
            ("order.created", "o-a", "new"),
            ("order.created", "o-b", "new"),
            ("order.created", "o-c", "new"),
            ("order.created", "o-d", "new"),
            ("order.created", "o-e", "new"),
            ("order.submitted", "o-a", "submitted"),
            ("order.accepted", "o-a", "accepted"),
            ("order.filled", "o-a", "partially_filled"),
            ("order.filled", "o-a", "filled"),
            ("order.rejected", "o-b", "rejected"),
            ("order.submitted", "o-c", "submitted"),
            ("order.unknown", "o-c", "unknown"),
            ("order.updated", "o-c", "unknown"),
            ("order.submitted", "o-d", "submitted"),
            ("order.accepted", "o-d", "accepted"),
            ("order.expired", "o-d", "expired"),
            ("order.canceled", "o-e", "canceled"),
        ]
        payloads = [p for _, p in entries]
        assert payloads[0]["quantity"] == "2"
        assert payloads[0]["price"] == "100"
        assert payloads[6]["venue_order_id"] == "v-o-a"
        first_fill, second_fill = payloads[7], payloads[8]
        assert (first_fill["trade_id"], first_fill["fill_quantity"], first_fill["fill_price"]) == (
            "t-1",
            "0.5",
            "101",
        )
        assert first_fill["filled_quantity"] == "0.5"
        assert second_fill["filled_quantity"] == "2.0"
        assert payloads[9]["reason"] == "insufficient funds"
        assert payloads[11]["reason"] == "read timeout"
        assert payloads[12]["note"] == "re-sent after the venue confirmed absence"
        assert payloads[12]["send_attempts"] == 2
        assert payloads[16]["reason"] == "kill switch"

    def test_fills_are_stored_with_every_field(self) -> None:
        store = self.make_store()
        [a] = store.add([make_record(make_order("o-a", side=Side.SELL))])
        a = self._accepted(store, a)
        fill = Fill(
            trade_id="T-123456789",
            client_order_id="o-a",
            instrument_id="BTC/USDT",
            side=Side.SELL,
            quantity=Decimal("1"),
            price=Decimal("65000.00000001"),
            time=datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
            fee=Decimal("1.2E-7"),
            fee_currency="BNB",
            liquidity=Liquidity.MAKER,
        )
        store.update([fill_update(a, [fill])])
        [got] = store.fills()
        assert got == fill
        assert str(got.price) == "65000.00000001"
        assert got.fee == Decimal("1.2E-7")


__all__ = ["OTHER_TENANT", "OrderStoreContract"]
