"""The node library: registry coverage and node semantics against independent references."""

from __future__ import annotations

import types

import numpy as np
import pandas as pd
import pytest

from tradegraph.backtest.signals import crosses as backtest_crosses
from tradegraph.core.errors import ValidationError
from tradegraph.data.align import align_to
from tradegraph.data.resample import resample_ohlcv
from tradegraph.indicators import REGISTRY, atr, ema, rsi
from tradegraph.model.timeframe import Timeframe
from tradegraph.patterns import PATTERNS
from tradegraph.workflow.batch import compile_batch
from tradegraph.workflow.nodes import build_registry, default_registry
from tradegraph.workflow.nodes.logic import crosses
from tradegraph.workflow.ports import PortType, port
from tradegraph.workflow.registry import NodeParam, NodeRegistry, NodeType
from tradegraph.workflow.spec import WorkflowSpec


def test_registry_covers_the_analysis_layer() -> None:
    registry = default_registry()
    for name in REGISTRY:
        assert name in registry
    for name in PATTERNS:
        assert name in registry
    for name in ("feed", "resample", "align", "align_signal", "confluence", "compare",
                 "cross_over", "cross_under", "and", "or", "not", "threshold", "rolling",
                 "math", "scale", "shift", "decision", "llm_analyst", "human_approval"):  # fmt: skip
        assert name in registry
    sma = registry.get("sma")
    assert [p.name for p in sma.params] == ["period"]
    assert sma.param("period") is not None and sma.param("period").required  # type: ignore[union-attr]
    assert sma.warmup({"period": 20}) == 19
    macd = registry.get("macd")
    assert [p.name for p in macd.outputs] == ["line", "signal", "hist"]
    assert macd.check({"fast": 26, "slow": 12, "signal": 9}) is not None
    described = registry.get("decision").describe()
    assert described["name"] == "decision"
    assert {p["name"] for p in described["inputs"]} >= {"bars", "long", "short"}  # type: ignore[union-attr]


def test_factories_register_and_duplicates_fail() -> None:
    def _noop(_ctx: object, _inputs: object, _params: object) -> dict:  # type: ignore[type-arg]
        return {}

    def factory() -> NodeType:
        return NodeType(
            name="custom", title="Custom", category="math", description="test",
            inputs=(port("series", PortType.SERIES),), outputs=(port("series", PortType.SERIES),),
            params=(NodeParam("k", "int", 1, minimum=0.0),), evaluate=_noop,
        )  # fmt: skip

    registry = NodeRegistry()
    registry.register(factory)
    assert registry.names() == ("custom",)
    with pytest.raises(ValidationError, match="registered twice"):
        registry.register(factory)
    extended = build_registry()
    extended.register(factory)
    assert "custom" in extended
    assert "custom" not in default_registry()
    with pytest.raises(Exception, match="Did you mean"):
        registry.get("custon")


def test_crosses_match_the_backtest_definition() -> None:
    rng = np.random.default_rng(3)
    a = np.round(rng.normal(size=300), 1)
    b = np.round(rng.normal(size=300), 1)
    a[[5, 77]] = np.nan
    up, down = crosses(a, b)
    ref_up, ref_down = backtest_crosses(a, b)
    np.testing.assert_array_equal(up, ref_up)
    np.testing.assert_array_equal(down, ref_down)


def _run(wf: types.SimpleNamespace, nodes: list, edges: list, frame: pd.DataFrame):  # type: ignore[no-untyped-def, type-arg]
    spec = wf.spec(
        [
            wf.node("price", "feed"),
            *nodes,
            wf.node("decide", "decision"),
            wf.node("never", "compare", op=">", value=1e18),
        ],
        [
            *edges,
            wf.edge("price.bars", "decide.bars"),
            wf.edge("price.close", "never.a"),
            wf.edge("never.signal", "decide.long"),
        ],
    )
    return compile_batch(spec).run(frame)


def test_logic_and_math_nodes(wf: types.SimpleNamespace) -> None:
    frame = wf.frame(200)
    close = frame["close"].to_numpy()
    volume = frame["volume"].to_numpy()
    result = _run(
        wf,
        [
            wf.node("ma", "rolling", op="mean", window=5),
            wf.node("hi", "rolling", op="max", window=3),
            wf.node("sd", "rolling", op="std", window=4),
            wf.node("chg", "rolling", op="change", window=2),
            wf.node("above", "compare", op=">"),
            wf.node("vol_up", "compare", op=">=", value=float(np.median(volume))),
            wf.node("both", "and"),
            wf.node("either", "or"),
            wf.node("neither", "not"),
            wf.node("lag", "shift", bars=2),
            wf.node("ratio", "math", op="div"),
            wf.node("s", "scale", mode="linear", center=100.0, scale=5.0),
            wf.node("band", "threshold", lower=95.0, upper=105.0),
        ],
        [
            wf.edge("price.close", "ma.series"),
            wf.edge("price.close", "hi.series"),
            wf.edge("price.close", "sd.series"),
            wf.edge("price.close", "chg.series"),
            wf.edge("price.close", "above.a"),
            wf.edge("ma.series", "above.b"),
            wf.edge("price.volume", "vol_up.a"),
            wf.edge("above.signal", "both.inputs"),
            wf.edge("vol_up.signal", "both.inputs"),
            wf.edge("above.signal", "either.inputs"),
            wf.edge("vol_up.signal", "either.inputs"),
            wf.edge("either.signal", "neither.signal"),
            wf.edge("price.close", "lag.series"),
            wf.edge("price.close", "ratio.a"),
            wf.edge("lag.series", "ratio.b"),
            wf.edge("price.close", "s.series"),
            wf.edge("price.close", "band.series"),
        ],
        frame,
    )
    v = result.values
    series = pd.Series(close)
    np.testing.assert_allclose(v["ma"]["series"], series.rolling(5).mean(), rtol=1e-12)
    np.testing.assert_array_equal(v["hi"]["series"], series.rolling(3).max())
    np.testing.assert_allclose(v["sd"]["series"], series.rolling(4).std(ddof=0), rtol=1e-9)
    np.testing.assert_allclose(v["chg"]["series"], series.diff(2), rtol=1e-12)
    ma = series.rolling(5).mean().to_numpy()
    np.testing.assert_array_equal(v["above"]["signal"], close > np.nan_to_num(ma, nan=np.inf))
    vol_up = volume >= np.median(volume)
    np.testing.assert_array_equal(v["both"]["signal"], v["above"]["signal"] & vol_up)
    np.testing.assert_array_equal(v["neither"]["signal"], ~(v["above"]["signal"] | vol_up))
    np.testing.assert_allclose(v["ratio"]["series"][2:], close[2:] / close[:-2], rtol=1e-15)
    assert np.isnan(v["ratio"]["series"][:2]).all()
    np.testing.assert_allclose(v["s"]["series"], np.clip((close - 100) / 5, -1, 1))
    np.testing.assert_array_equal(v["band"]["between"], (close >= 95) & (close <= 105))
    np.testing.assert_array_equal(v["band"]["above"], close > 105)


def test_multi_timeframe_matches_the_data_layer(wf: types.SimpleNamespace) -> None:
    frame = wf.frame(400)
    result = _run(
        wf,
        [
            wf.node("h4", "resample", timeframe="4h"),
            wf.node("e", "ema", period=5),
            wf.node("al", "align"),
        ],
        [
            wf.edge("price.bars", "h4.bars"),
            wf.edge("h4.close", "e.series"),
            wf.edge("e.value", "al.series"),
        ],
        frame,
    )
    h4 = resample_ohlcv(frame, Timeframe.parse("1h"), Timeframe.parse("4h")).complete_bars()
    expected_ema = ema(h4["close"].to_numpy(), 5)
    np.testing.assert_array_equal(result.values["e"]["value"], expected_ema)
    expected = align_to(
        pd.DatetimeIndex(frame.index),
        pd.Series(expected_ema, index=h4.index, name="e"),
        Timeframe.parse("4h"),
    )
    np.testing.assert_array_equal(result.values["al"]["series"], expected["e"].to_numpy())


def test_decision_prices_by_hand(wf: types.SimpleNamespace) -> None:
    frame = wf.frame(300)
    close = frame["close"].to_numpy()
    spec = wf.spec(
        [
            wf.node("price", "feed"),
            wf.node("r", "rsi", period=14),
            wf.node("lo", "compare", op="<", value=45.0),
            wf.node("hi", "compare", op=">", value=55.0),
            wf.node(
                "decide",
                "decision",
                stop="atr",
                target="rr",
                stop_atr=1.5,
                reward_risk=2.0,
                atr_period=10,
            ),
        ],
        [
            wf.edge("price.close", "r.series"),
            wf.edge("r.value", "lo.a"),
            wf.edge("r.value", "hi.a"),
            wf.edge("price.bars", "decide.bars"),
            wf.edge("lo.signal", "decide.long"),
            wf.edge("hi.signal", "decide.short"),
        ],
    )
    d = compile_batch(spec).run(frame).decisions
    r = rsi(close, 14)
    a = atr(frame["high"].to_numpy(), frame["low"].to_numpy(), close, 10)
    long = r < 45
    short = r > 55
    np.testing.assert_array_equal(d.direction, long.astype(int) - short.astype(int))
    for t in np.flatnonzero(long & np.isfinite(a))[:20]:
        assert d.stop[t] == pytest.approx(close[t] - 1.5 * a[t], rel=1e-12)
        assert d.target[t] == pytest.approx(close[t] + 2.0 * 1.5 * a[t], rel=1e-12)
        assert d.entry[t] == close[t]
    for t in np.flatnonzero(short & np.isfinite(a))[:20]:
        assert d.stop[t] == pytest.approx(close[t] + 1.5 * a[t], rel=1e-12)
        assert d.target[t] == pytest.approx(close[t] - 3.0 * a[t], rel=1e-12)
    flat = d.direction == 0
    assert np.isnan(d.stop[flat]).all()
    assert (d.confidence[~flat] == 1.0).all()


def test_decision_conflict_and_min_confidence(wf: types.SimpleNamespace) -> None:
    frame = wf.frame(120)
    spec = wf.spec(
        [
            wf.node("price", "feed"),
            wf.node("yes", "compare", op=">", value=0.0),
            wf.node("conf", "scale", center=0.0, scale=200.0),
            wf.node("decide", "decision", min_confidence=0.5),
            wf.node("pick", "compare", op=">", value=100.0),
        ],
        [
            wf.edge("price.close", "yes.a"),
            wf.edge("price.close", "conf.series"),
            wf.edge("price.close", "pick.a"),
            wf.edge("price.bars", "decide.bars"),
            wf.edge("yes.signal", "decide.long"),
            wf.edge("pick.signal", "decide.short"),
            wf.edge("conf.series", "decide.confidence"),
        ],
    )
    d = compile_batch(spec).run(frame).decisions
    close = frame["close"].to_numpy()
    conf = np.clip(close / 200.0, -1, 1)
    expected = np.where(close > 100.0, 0, 1) * (conf >= 0.5)
    np.testing.assert_array_equal(d.direction, expected)


def test_human_approval_batch_policy(wf: types.SimpleNamespace) -> None:
    base = wf.sma_cross().model_dump(mode="json")
    base["nodes"].append(
        {"id": "ok", "type": "human_approval", "params": {"batch_policy": "reject"}}
    )
    base["edges"].append({"source": "decide.decision", "target": "ok.decision"})
    base["outputs"] = [{"name": "decision", "source": "ok.decision"}]
    frame = wf.frame(300)
    rejected = compile_batch(WorkflowSpec.model_validate(base)).run(frame).decisions
    assert (rejected.direction == 0).all()
    base["nodes"][-1]["params"]["batch_policy"] = "approve"
    approved = compile_batch(WorkflowSpec.model_validate(base)).run(frame).decisions
    direct = compile_batch(wf.sma_cross()).run(frame).decisions
    np.testing.assert_array_equal(approved.direction, direct.direction)
    assert (direct.direction != 0).sum() > 5
