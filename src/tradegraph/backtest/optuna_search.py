"""Optuna TPE search (optional extra ``optuna``). Import this module only when the user
chose ``SearchMethod.OPTUNA`` (``optimize.make_searcher`` does): importing it without
optuna installed raises ConfigurationError with the install command.

Trials are asked in batches of ``settings.workers`` (evaluated in parallel, told in ask
order, so a seed gives the same trials). A proposal that breaks a constraint is told as
pruned (TPE then ranks it below every completed trial) and does not use up the budget;
a trial whose objective is undefined (NaN, e.g. no trades) is pruned too.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Final, Literal

from tradegraph.backtest.optimize import OptimizeSettings, maximises
from tradegraph.backtest.space import ChoiceParam, FloatParam, IntParam, ParameterSpace, Params
from tradegraph.core.errors import ConfigurationError

try:
    import optuna
except ModuleNotFoundError as exc:  # pragma: no cover - exercised by a test that hides optuna
    raise ConfigurationError(
        "Optuna search was chosen but the optuna package is not installed.",
        hint="Install the extra: pip install 'tradegraph[optuna]' (or pip install optuna), "
        "or use --method grid / --method random.",
    ) from exc

#: consecutive infeasible proposals after which the search gives up on finding more
_MAX_REJECTED: Final = 1_000


class OptunaSearcher:
    """TPE over the space (multivariate, seeded); see the module docstring."""

    def __init__(self, space: ParameterSpace, settings: OptimizeSettings) -> None:
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            sampler = optuna.samplers.TPESampler(
                seed=settings.seed,
                multivariate=True,
                constant_liar=settings.workers > 1,
                n_startup_trials=min(10, max(1, settings.budget // 4)),
            )
        direction: Literal["maximize", "minimize"] = (
            "maximize" if maximises(settings.metric) else "minimize"
        )
        self._study = optuna.create_study(direction=direction, sampler=sampler)
        self._space = space
        self._budget = settings.budget
        self._asked = 0
        self._pending: list[optuna.trial.Trial] = []

    @property
    def total(self) -> int:
        return self._budget

    @property
    def study(self) -> optuna.study.Study:
        return self._study

    def _suggest(self, trial: optuna.trial.Trial) -> Params:
        point: Params = {}
        for param in self._space.params:
            if isinstance(param, IntParam):
                point[param.name] = trial.suggest_int(
                    param.name, param.low, param.high, step=param.step
                )
            elif isinstance(param, FloatParam):
                point[param.name] = trial.suggest_float(
                    param.name, param.low, param.high, step=param.step, log=param.log
                )
            elif isinstance(param, ChoiceParam):
                point[param.name] = trial.suggest_categorical(param.name, param.choices)
        return point

    def ask(self, n: int) -> list[Params]:
        wanted = min(n, self._budget - self._asked)
        points: list[Params] = []
        rejected = 0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            while len(points) < wanted and rejected < _MAX_REJECTED:
                trial = self._study.ask()
                point = self._suggest(trial)
                if self._space.feasible(point):
                    self._pending.append(trial)
                    points.append(point)
                else:
                    rejected += 1
                    self._study.tell(trial, state=optuna.trial.TrialState.PRUNED)
        self._asked += len(points)
        if not points:
            self._budget = self._asked  # nothing feasible left to find: the search ends
        return points

    def tell(self, points: Sequence[Params], scores: Sequence[float]) -> None:
        trials, self._pending = self._pending[: len(points)], self._pending[len(points) :]
        for trial, score in zip(trials, scores, strict=True):
            if math.isnan(score):
                self._study.tell(trial, state=optuna.trial.TrialState.PRUNED)
            else:
                self._study.tell(trial, score)


__all__ = ["OptunaSearcher"]
