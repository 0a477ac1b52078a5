"""The real ccxt binance client against a local fake Binance: pages, faults, resume."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from tradegraph.adapters.market_data.ccxt import CcxtFetcherConfig, CcxtOhlcvFetcher
from tradegraph.core.errors import ConfigurationError, DataNotFoundError, VenueUnavailableError
from tradegraph.data.catalog import Catalog
from tradegraph.data.keys import SeriesKey
from tradegraph.data.sources.download import RetryPolicy
from tradegraph.data.sources.ports import OhlcvFetcher, RateLimitedError
from tradegraph.model.timeframe import Timeframe
from tradegraph.services.market_data import download
from tradegraph.testing import FakeBinance, Fault

START = datetime(2024, 1, 1, tzinfo=UTC)
M1 = Timeframe.parse("1m")
KLINES = "/api/v3/klines"
KEY = SeriesKey.of("binance", "BTC/USDT", "1m")
FAST = RetryPolicy(max_attempts=4, initial_delay=0.01, multiplier=2.0, max_delay=0.05)


def _fetcher(
    server: FakeBinance, *, rate_limit_ms: int = 1, enable_rate_limit: bool = True
) -> CcxtOhlcvFetcher:
    return CcxtOhlcvFetcher(
        CcxtFetcherConfig(
            api_base_url=server.base_url,
            timeout_ms=3000,
            rate_limit_ms=rate_limit_ms,
            enable_rate_limit=enable_rate_limit,
        )
    )


def _start_times(server: FakeBinance) -> list[int]:
    return [int(r.query["startTime"]) for r in server.requests_to(KLINES) if r.status == 200]


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def test_fetcher_satisfies_the_port_and_loads_the_market(fake_binance: FakeBinance) -> None:
    fetcher = _fetcher(fake_binance)
    assert isinstance(fetcher, OhlcvFetcher)
    rows = fetcher.fetch_ohlcv("BTC/USDT", M1, _ms(START), 3)
    assert len(rows) == 3
    market = fetcher.exchange.market("BTC/USDT")
    assert market["id"] == "BTCUSDT"
    assert market["spot"]
    paths = [r.path for r in fake_binance.requests]
    assert paths == ["/api/v3/exchangeInfo", KLINES]  # nothing else is called


def test_download_pages_through_history(tmp_path: Path, fake_binance, history) -> None:
    catalog = Catalog(tmp_path)
    result = download(
        _fetcher(fake_binance), catalog=catalog, symbol="BTC/USDT", timeframe=M1, since=START,
        clock=fake_binance.clock, retry=FAST,
    )  # fmt: skip
    stored = catalog.load(KEY)
    pd.testing.assert_frame_equal(stored, history.iloc[:3400], check_freq=False)
    assert result.added == 3400
    assert result.requests_pages == 4
    assert _start_times(fake_binance) == [
        _ms(START + timedelta(minutes=m)) for m in (0, 1000, 2000, 3000)
    ]
    limits = {r.query["limit"] for r in fake_binance.requests_to(KLINES)}
    assert limits == {"1000"}


def test_survives_429_5xx_and_cut_connections(tmp_path: Path, fake_binance, history) -> None:
    fake_binance.inject(
        KLINES,
        Fault.rate_limited(retry_after=0.2),
        None,
        Fault.server_error(503),
        Fault.cut(),
        None,
        Fault.server_error(502),
    )
    sleeps: list[float] = []
    catalog = Catalog(tmp_path)
    result = download(
        _fetcher(fake_binance), catalog=catalog, symbol="BTC/USDT", timeframe=M1, since=START,
        clock=fake_binance.clock, retry=FAST, sleep=sleeps.append,
    )  # fmt: skip
    pd.testing.assert_frame_equal(catalog.load(KEY), history.iloc[:3400], check_freq=False)
    assert result.retries == 4
    # The 429's Retry-After (0.2 s) beats the 0.01 s backoff; later retries back off.
    assert sleeps == [0.2, 0.01, 0.02, 0.01]
    statuses = [r.status for r in fake_binance.requests_to(KLINES)]
    assert statuses == [429, 200, 503, 200, 200, 502, 200, 200]  # the cut one sent 200 headers
    faults = [r.fault for r in fake_binance.requests_to(KLINES)]
    assert "cut" in faults


def test_cut_off_mid_download_keeps_pages_and_resume_continues(
    tmp_path: Path, fake_binance, history
) -> None:
    fake_binance.inject(KLINES, None, None)  # two pages arrive ...
    fake_binance.break_path(KLINES, Fault.cut())  # ... then every response is cut
    catalog = Catalog(tmp_path)
    with pytest.raises(VenueUnavailableError, match="after 4 attempts") as info:
        download(
            _fetcher(fake_binance), catalog=catalog, symbol="BTC/USDT", timeframe=M1,
            since=START, clock=fake_binance.clock, retry=FAST, sleep=lambda _s: None,
        )  # fmt: skip
    assert "2024-01-02T09:20:00+00:00" in str(info.value)  # bar 2000 is where to resume
    pd.testing.assert_frame_equal(catalog.load(KEY), history.iloc[:2000], check_freq=False)

    fake_binance.heal()
    before = len(fake_binance.requests_to(KLINES))
    result = download(
        _fetcher(fake_binance), catalog=catalog, symbol="BTC/USDT", timeframe=M1, since=START,
        clock=fake_binance.clock, retry=FAST,
    )  # fmt: skip
    resumed = [int(r.query["startTime"]) for r in fake_binance.requests_to(KLINES)[before:]]
    assert resumed == [_ms(START + timedelta(minutes=2000)), _ms(START + timedelta(minutes=3000))]
    assert result.resumed_from == START + timedelta(minutes=2000)
    assert result.added == 1400
    pd.testing.assert_frame_equal(catalog.load(KEY), history.iloc[:3400], check_freq=False)


def test_incremental_append_fetches_only_new_bars(tmp_path: Path, fake_binance, history) -> None:
    catalog = Catalog(tmp_path)
    fetcher = _fetcher(fake_binance)
    download(fetcher, catalog=catalog, symbol="BTC/USDT", timeframe=M1, since=START,
             clock=fake_binance.clock)  # fmt: skip
    fake_binance.clock.advance(timedelta(minutes=50))  # type: ignore[attr-defined]
    before = len(fake_binance.requests_to(KLINES))
    result = download(fetcher, catalog=catalog, symbol="BTC/USDT", timeframe=M1, since=START,
                      clock=fake_binance.clock)  # fmt: skip
    assert result.added == 50
    assert len(fake_binance.requests_to(KLINES)) - before == 1
    pd.testing.assert_frame_equal(catalog.load(KEY), history.iloc[:3450], check_freq=False)


def test_client_side_rate_limit_avoids_429s(tmp_path: Path, fake_binance) -> None:
    fake_binance.min_interval = 0.03  # the venue answers 429 to anything faster
    fake_binance.rate_limit_retry_after = 0.05
    # ccxt spaces requests by rateLimit x endpoint cost (klines 0.4): 100 ms -> 40 ms apart.
    download(
        _fetcher(fake_binance, rate_limit_ms=100), catalog=Catalog(tmp_path / "a"),
        symbol="BTC/USDT", timeframe=M1, since=START, clock=fake_binance.clock, retry=FAST,
    )  # fmt: skip
    assert [r.status for r in fake_binance.requests] == [200] * 5

    # Control: a request that is too fast gets the venue's 429, mapped with its Retry-After.
    fake_binance.min_interval = 10.0  # every request after the first is "too fast"
    fetcher = _fetcher(fake_binance, enable_rate_limit=False)
    with pytest.raises(RateLimitedError) as info:
        fetcher.fetch_ohlcv("BTC/USDT", M1, _ms(START), 10)
    assert info.value.retry_after == 0.05


def test_unknown_symbol_is_permanent(tmp_path: Path, fake_binance) -> None:
    sleeps: list[float] = []
    with pytest.raises(DataNotFoundError, match="ETH/USDT"):
        download(
            _fetcher(fake_binance), catalog=Catalog(tmp_path), symbol="ETH/USDT", timeframe=M1,
            since=START, clock=fake_binance.clock, sleep=sleeps.append,
        )  # fmt: skip
    assert sleeps == []


def test_unknown_exchange_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="Unknown exchange 'nope'"):
        CcxtOhlcvFetcher(CcxtFetcherConfig(exchange_id="nope"))
