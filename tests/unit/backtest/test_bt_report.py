"""HTML reports: self-contained, with the trades and stats; downsampling of long series."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tradegraph.backtest import (
    BacktestConfig,
    BacktestResult,
    Intents,
    MarketData,
    Sizing,
    run_backtest,
)
from tradegraph.backtest.optimize import OptimizeSettings, optimize
from tradegraph.backtest.report import (
    ReportContext,
    backtest_report,
    format_stat,
    optimization_report,
    stat_rows,
    walkforward_report,
    write_html,
)
from tradegraph.backtest.report.downsample import Buckets, candles
from tradegraph.backtest.space import ParameterSpace
from tradegraph.backtest.strategies import get_strategy
from tradegraph.backtest.walkforward import WalkForwardConfig, walk_forward
from tradegraph.core.errors import ValidationError
from tradegraph.data import synthetic_ohlcv

EXTERNAL = re.compile(r"<(script|link|img|iframe)\b[^>]*\b(src|href)\s*=", re.IGNORECASE)


def _assert_self_contained(html: str) -> None:
    assert html.startswith("<!DOCTYPE html>")
    assert EXTERNAL.search(html) is None  # no external scripts, styles or images at all
    assert "plotly.js v" in html  # the library is embedded inline
    assert "Plotly.newPlot" in html
    assert "cdn.plot.ly/plotly" not in html


def _hand_result() -> tuple[MarketData, BacktestResult]:
    # 8 bars; long at bar 1's close signal -> filled at bar 2's open 102, exit signal at
    # bar 4 -> filled at bar 5's open 110; 10 units each (FIXED sizing)
    opens = [100, 101, 102, 105, 108, 110, 109, 107]
    closes = [101, 102, 104, 107, 109, 109, 108, 106]
    highs = [max(o, c) + 1 for o, c in zip(opens, closes, strict=True)]
    lows = [min(o, c) - 1 for o, c in zip(opens, closes, strict=True)]
    index = pd.date_range("2024-01-01", periods=8, freq="D").as_unit("ns").asi8
    market = MarketData.from_arrays(opens, highs, lows, closes, index_ns=index, symbols=["ABC"])
    entry = np.zeros(8, dtype=bool)
    leave = np.zeros(8, dtype=bool)
    entry[1] = True
    leave[4] = True
    config = BacktestConfig(sizing=Sizing.FIXED, size=10, cash=10_000)
    return market, run_backtest(market, Intents(entry_long=entry, exit=leave), config)


def test_backtest_report_has_trades_stats_and_no_external_urls(tmp_path: Path) -> None:
    _, result = _hand_result()
    context = ReportContext("Test <b>report</b>", (("Data", "hand-made"),))
    html = backtest_report(result, context, overlays={"mid": np.full(8, 104.0)})
    _assert_self_contained(html)
    assert "Test &lt;b&gt;report&lt;/b&gt;" in html  # escaped
    # the one trade, by hand: buy 10 @ 102 on 2024-01-03, sell @ 110 on 2024-01-06
    assert 'id="trades"' in html
    assert "2024-01-03 00:00" in html and "2024-01-06 00:00" in html
    assert "102.0000" in html or ">102<" in html
    assert ">80<" in html  # P&L = 10 * (110 - 102)
    assert "7.84%" in html  # return 110/102 - 1
    # the stats: final equity 10,080 (0.8% return), one winning trade
    assert "Final equity" in html and "10,080.00" in html
    assert "0.80%" in html
    assert "Win rate" in html and "100.00%" in html
    assert '"name":"mid"' in html  # the overlay line is drawn
    assert "Long series" not in html  # 8 bars: nothing downsampled
    path = write_html(tmp_path / "sub" / "report.html", html)
    assert path.read_text(encoding="utf-8") == html


def test_stat_rows_format_independently() -> None:
    rows = dict(stat_rows({"return_pct": 12.3456, "sharpe": float("nan"), "trades": 1234}))
    assert rows == {"Return": "12.35%", "Sharpe ratio": "-", "Trades (closed)": "1,234"}
    assert format_stat("ratio", float("inf")) == "∞"
    assert format_stat("secs", 0.0123) == "12.3 ms"


def test_buckets_aggregate_ohlc_by_hand() -> None:
    o = np.array([1.0, 2, 3, 4, 5, 6, 7])
    h = np.array([5.0, 9, 4, 6, 8, 7, 9])
    lo = np.array([0.5, 1, 2, 3, 1, 5, 6])
    c = np.array([2.0, 3, 3.5, 5, 6, 6.5, 8])
    x = pd.RangeIndex(7)
    got = candles(x, o, h, lo, c, max_candles=3)
    assert got.buckets.factor == 3
    assert list(got.x) == [0, 3, 6]
    assert list(got.open) == [1, 4, 7]
    assert list(got.high) == [9, 8, 9]
    assert list(got.low) == [0.5, 1, 6]
    assert list(got.close) == [3.5, 6.5, 8]
    b = Buckets.of(7, 3)
    assert list(b.ends) == [2, 5, 6]
    assert list(b.max([0.1, 0.3, 0.2, 0.0, 0.5, 0.4, 0.2])) == [0.3, 0.5, 0.2]
    assert Buckets.of(5_000, 5_000).factor == 1


def test_long_series_are_downsampled_and_say_so() -> None:
    frame = synthetic_ohlcv("1m", 12_000, seed=4)
    market = MarketData.from_frame(frame, symbol="SYN")
    intents = get_strategy("sma_cross")(market, {"fast": 10, "slow": 40}, None)
    result = run_backtest(market, intents, BacktestConfig())
    html = backtest_report(result, ReportContext("long"), max_candles=5_000)
    _assert_self_contained(html)
    assert "4,000 candles of 3 bars each (12,000 bars" in html
    n = result.stats.trades.trades
    assert n > 50
    rows = re.search(r'<table id="trades">.*?</table>', html, re.S)
    assert rows is not None
    assert rows.group(0).count("<tr>") == len(result.trades) + 1  # header + every trade


def test_trade_table_is_capped_with_a_note() -> None:
    frame = synthetic_ohlcv("1m", 3_000, seed=4)
    market = MarketData.from_frame(frame, symbol="SYN")
    intents = get_strategy("sma_cross")(market, {"fast": 2, "slow": 5}, None)
    result = run_backtest(market, intents, BacktestConfig())
    total = len(result.trades)
    html = backtest_report(result, ReportContext("capped"), max_trades=20)
    assert f"{total:,} trades: the table and the chart show the last 20." in html
    rows = re.search(r'<table id="trades">.*?</table>', html, re.S)
    assert rows is not None and rows.group(0).count("<tr>") == 21


def test_optimization_and_walkforward_reports() -> None:
    market = MarketData.from_frame(synthetic_ohlcv("1h", 2_000, seed=2), symbol="SYN")
    space = ParameterSpace.parse(["fast=5:15:5", "slow=20:40:10"], ["fast < slow"])
    found = optimize(market, get_strategy("sma_cross"), space, BacktestConfig())
    html = optimization_report(found, ReportContext("opt"), top=5)
    _assert_self_contained(html)
    assert '"type":"heatmap"' in html
    ranking = re.search(r'<table id="ranking">.*?</table>', html, re.S)
    assert ranking is not None and ranking.group(0).count("<tr>") == 6
    best = found.best_params
    assert f"fast={best['fast']}, slow={best['slow']}" in html

    wf = walk_forward(
        market,
        get_strategy("sma_cross"),
        space,
        BacktestConfig(),
        WalkForwardConfig(train=800, test=400),
        settings=OptimizeSettings(workers=1),
    )
    html = walkforward_report(wf, ReportContext("wf"))
    _assert_self_contained(html)
    windows = re.search(r'<table id="windows">.*?</table>', html, re.S)
    assert windows is not None and windows.group(0).count("<tr>") == len(wf.windows) + 1
    assert "Out-of-sample equity" in html
    for w in wf.windows:
        assert f"{w.final_equity:,.4f}" in html


def test_write_html_reports_unwritable_paths(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ValidationError, match="Cannot write the report"):
        write_html(blocker / "report.html", "<html></html>")
