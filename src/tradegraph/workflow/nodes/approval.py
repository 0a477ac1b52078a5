"""Human approval: a person confirms each entry decision before it goes on (step mode).

In step mode (paper/live) the compiled LangGraph graph pauses at this node with an
``interrupt`` whenever the decision opens a position, and resumes with the person's
answer; a rejected entry becomes flat (exits always pass). A backtest cannot ask anyone,
so in batch mode the node applies its ``batch_policy`` to every entry: ``approve``
(pass-through, the default) or ``reject`` (drop every entry). Replaying step mode with
the same policy as the approver gives the batch decisions exactly.
"""

from __future__ import annotations

import numpy as np

from tradegraph.workflow.nodes.common import choice_param, decision_in, p_str, tail_of
from tradegraph.workflow.ports import PortType, port
from tradegraph.workflow.registry import EvalContext, Inputs, NodeType, Outputs, Params
from tradegraph.workflow.values import BoolArray, DecisionSeries

POLICIES = ("approve", "reject")


def reject_entries(decision: DecisionSeries, rejected: BoolArray) -> DecisionSeries:
    """``decision`` with the entries on ``rejected`` bars turned flat (exits kept)."""
    drop = rejected & (decision.direction != 0)
    if not drop.any():
        return decision
    reasoning = decision.reasoning.copy()
    reasoning[drop & ~decision.exit] = None
    return DecisionSeries(
        direction=np.where(drop, 0, decision.direction).astype(np.int8),
        exit=decision.exit,
        entry=np.where(drop, np.nan, decision.entry),
        stop=np.where(drop, np.nan, decision.stop),
        target=np.where(drop, np.nan, decision.target),
        confidence=np.where(drop, 0.0, decision.confidence),
        reasoning=reasoning,
    )


def _evaluate(_ctx: EvalContext, inputs: Inputs, params: Params) -> Outputs:
    decision = decision_in(inputs, "decision")
    if p_str(params, "batch_policy") == "approve":
        return {"decision": decision}
    return {"decision": reject_entries(decision, np.ones(len(decision), dtype=np.bool_))}


def approval_node() -> NodeType:
    return NodeType(
        name="human_approval",
        title="Human approval",
        category="approval",
        description="A person approves each entry in step mode; batch mode applies "
        "batch_policy (approve = pass-through, reject = no entries).",
        inputs=(port("decision", PortType.DECISION, "the proposed decision"),),
        outputs=(port("decision", PortType.DECISION, "the approved decision"),),
        params=(choice_param("batch_policy", "approve", POLICIES, "what backtests assume"),),
        evaluate=_evaluate,
        step_tail=tail_of(1),
        kind="approval",
    )


__all__ = ["POLICIES", "approval_node", "reject_entries"]
