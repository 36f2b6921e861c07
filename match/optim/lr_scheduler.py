"""Learning-rate schedulers (torch.optim.lr_scheduler): each `step()` sets every parameter
group's 'lr', with torch's recursive formulas, so that the sequence of learning rates is
torch's bit for bit.

>>> scheduler = match.optim.lr_scheduler.StepLR(optimizer, step_size=10, gamma=0.5)
>>> for epoch in range(epochs): train(...); scheduler.step()

The schedulers are re-exported by `match.optim` (`match.optim.StepLR` works too).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from ..checks import check_int, check_positive_int
from .optimizer import Optimizer, check_hyperparameter

__all__ = [
    "LRScheduler",
    "LambdaLR",
    "StepLR",
    "MultiStepLR",
    "LinearLR",
    "ExponentialLR",
    "SequentialLR",
    "CosineAnnealingLR",
    "ReduceLROnPlateau",
    "OneCycleLR",
]


def _optimizer(optimizer: Any, op: str) -> Optimizer:
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{op}: expected an Optimizer, got {type(optimizer).__name__}")
    return optimizer


class LRScheduler:
    """Base class: remembers each group's initial lr (`base_lrs`), takes the initial step
    (epoch 0) when made, and on every `step()` sets the lrs that `get_lr` gives."""

    _is_initial = False

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        """last_epoch=-1 starts afresh; a later epoch resumes, from each group's 'initial_lr'."""
        name = type(self).__name__
        self.optimizer = _optimizer(optimizer, name)
        check_int(last_epoch, name, "last_epoch", -1)
        for i, group in enumerate(optimizer.param_groups):
            if last_epoch == -1:
                group.setdefault("initial_lr", group["lr"])
            elif "initial_lr" not in group:
                raise KeyError(f"{name}: param group {i} has no 'initial_lr' to resume from")
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self) -> None:
        """The step taken when the scheduler is made (SequentialLR takes it again)."""
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self) -> list[float]:
        """The learning rates for the current epoch (subclasses define it)."""
        raise NotImplementedError

    def step(self) -> None:
        """Advance one epoch and set the new learning rates."""
        self._step_count += 1
        self._update_lr()

    def _update_lr(self, epoch: int | None = None) -> None:
        """Set the lrs of the next epoch, or of `epoch` (by the closed form where there is one,
        as torch does when SequentialLR switches schedulers)."""
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            self.last_epoch = epoch
            closed_form = getattr(self, "_get_closed_form_lr", None)
            values = closed_form() if closed_form else self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = lr
        self._last_lr = self._lrs()

    def get_last_lr(self) -> list[float]:
        """The learning rates set by the last step."""
        return list(self._last_lr)

    def _lrs(self) -> list[float]:
        return [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self) -> dict[str, Any]:
        """Everything but the optimizer (JSON-ready for the schedulers that hold no function)."""
        return {k: v for k, v in vars(self).items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what `state_dict` returned."""
        if not isinstance(state_dict, dict):
            raise TypeError(f"load_state_dict: expected a dict, got {type(state_dict).__name__}")
        self.__dict__.update(state_dict)


class LambdaLR(LRScheduler):
    """lr = base_lr * lr_lambda(epoch): one function, or one per parameter group."""

    def __init__(
        self,
        optimizer: Optimizer,
        lr_lambda: Callable[[int], float] | list[Callable[[int], float]],
        last_epoch: int = -1,
    ) -> None:
        """torch's arguments."""
        groups = len(_optimizer(optimizer, "LambdaLR").param_groups)
        lambdas = list(lr_lambda) if isinstance(lr_lambda, (list, tuple)) else [lr_lambda] * groups
        if len(lambdas) != groups:
            raise ValueError(f"LambdaLR: expected {groups} lr_lambdas, got {len(lambdas)}")
        if not all(callable(f) for f in lambdas):
            raise TypeError("LambdaLR: lr_lambda must be a function or a list of functions")
        self.lr_lambdas = lambdas
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """base_lr * lr_lambda(last_epoch)."""
        return [base * f(self.last_epoch) for f, base in zip(self.lr_lambdas, self.base_lrs)]

    def state_dict(self) -> dict[str, Any]:
        """Everything but the optimizer and the functions, which cannot be saved."""
        return {k: v for k, v in super().state_dict().items() if k != "lr_lambdas"}


class StepLR(LRScheduler):
    """Multiply the learning rate by gamma every step_size epochs."""

    def __init__(
        self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        """torch's arguments."""
        self.step_size = check_positive_int(step_size, "StepLR", "step_size")
        self.gamma = check_hyperparameter(gamma, "StepLR", "gamma", "rate")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """lr * gamma at every multiple of step_size, else lr."""
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._lrs()
        return [lr * self.gamma for lr in self._lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        return [base * self.gamma ** (self.last_epoch // self.step_size) for base in self.base_lrs]


class MultiStepLR(LRScheduler):
    """Multiply the learning rate by gamma at each milestone epoch (twice for a milestone
    given twice)."""

    def __init__(
        self,
        optimizer: Optimizer,
        milestones: Iterable[int],
        gamma: float = 0.1,
        last_epoch: int = -1,
    ) -> None:
        """torch's arguments."""
        if not isinstance(milestones, Iterable) or isinstance(milestones, str):
            raise TypeError("MultiStepLR: milestones must be a list of ints")
        self.milestones = Counter(check_int(m, "MultiStepLR", "a milestone", 0) for m in milestones)
        self.gamma = check_hyperparameter(gamma, "MultiStepLR", "gamma", "rate")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """lr * gamma^(times last_epoch is a milestone)."""
        if self.last_epoch not in self.milestones:
            return self._lrs()
        return [lr * self.gamma ** self.milestones[self.last_epoch] for lr in self._lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        milestones = sorted(self.milestones.elements())
        return [
            base * self.gamma ** bisect_right(milestones, self.last_epoch) for base in self.base_lrs
        ]

    def state_dict(self) -> dict[str, Any]:
        """As the base class, with the milestones as a plain dict (JSON keeps it)."""
        return {**super().state_dict(), "milestones": dict(self.milestones)}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """As the base class; milestone keys that JSON made strings become ints again."""
        super().load_state_dict(state_dict)
        self.milestones = Counter({int(k): v for k, v in dict(self.milestones).items()})


class LinearLR(LRScheduler):
    """Scale the learning rate by a factor that goes linearly from start_factor to end_factor
    over total_iters epochs, then stays."""

    def __init__(
        self,
        optimizer: Optimizer,
        start_factor: float = 1.0 / 3,
        end_factor: float = 1.0,
        total_iters: int = 5,
        last_epoch: int = -1,
    ) -> None:
        """torch's arguments: 0 < start_factor <= 1, 0 <= end_factor <= 1."""
        start = check_hyperparameter(start_factor, "LinearLR", "start_factor", "number")
        end = check_hyperparameter(end_factor, "LinearLR", "end_factor", "number")
        if not 0 < start <= 1:
            raise ValueError(f"LinearLR: start_factor must be in (0, 1], got {start}")
        if not 0 <= end <= 1:
            raise ValueError(f"LinearLR: end_factor must be in [0, 1], got {end}")
        self.start_factor, self.end_factor = start, end
        self.total_iters = check_positive_int(total_iters, "LinearLR", "total_iters")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """torch's recursive form: each epoch multiplies by the ratio of successive factors."""
        start, end, total, t = self.start_factor, self.end_factor, self.total_iters, self.last_epoch
        if t == 0:
            return [lr * start for lr in self._lrs()]
        if self._is_initial or t > total:
            return self._lrs()
        ratio = 1.0 + (end - start) / (total * start + (t - 1) * (end - start))
        return [lr * ratio for lr in self._lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        start, end, total = self.start_factor, self.end_factor, self.total_iters
        return [
            base * (start + (end - start) * min(total, self.last_epoch) / total)
            for base in self.base_lrs
        ]


class ExponentialLR(LRScheduler):
    """Multiply the learning rate by gamma every epoch."""

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        """torch's arguments."""
        self.gamma = check_hyperparameter(gamma, "ExponentialLR", "gamma", "rate")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """lr * gamma (lr itself at the initial step)."""
        if self._is_initial:
            return self._lrs()
        return [lr * self.gamma for lr in self._lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        return [base * self.gamma**self.last_epoch for base in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """eta_min + (base_lr - eta_min) (1 + cos(pi t / T_max)) / 2, computed with torch's
    recursive form (and continuing past T_max as torch does)."""

    def __init__(
        self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1
    ) -> None:
        """torch's arguments."""
        self.T_max = check_positive_int(T_max, "CosineAnnealingLR", "T_max")
        self.eta_min = check_hyperparameter(eta_min, "CosineAnnealingLR", "eta_min", "rate")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The next learning rates (torch's formula, case by case)."""
        t, T, eta_min = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return self._lrs()
        if self._step_count == 1 and t > 0:
            return [
                eta_min + (base - eta_min) * (1 + math.cos(t * math.pi / T)) / 2
                for base in self.base_lrs
            ]
        if (t - 1 - T) % (2 * T) == 0:
            return [
                lr + (base - eta_min) * (1 - math.cos(math.pi / T)) / 2
                for base, lr in zip(self.base_lrs, self._lrs())
            ]
        return [
            (1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T)) * (lr - eta_min)
            + eta_min
            for lr in self._lrs()
        ]

    def _get_closed_form_lr(self) -> list[float]:
        t, T, eta_min = self.last_epoch, self.T_max, self.eta_min
        return [
            eta_min + (base - eta_min) * (1 + math.cos(math.pi * t / T)) / 2
            for base in self.base_lrs
        ]


class SequentialLR(LRScheduler):
    """Run schedulers one after another, switching at each milestone epoch (the next one
    starts from its own epoch 0)."""

    def __init__(
        self,
        optimizer: Optimizer,
        schedulers: list[LRScheduler],
        milestones: list[int],
        last_epoch: int = -1,
    ) -> None:
        """torch's arguments: one milestone fewer than schedulers, all on this optimizer."""
        self.optimizer = _optimizer(optimizer, "SequentialLR")
        if not isinstance(schedulers, (list, tuple)) or not schedulers:
            raise ValueError("SequentialLR: expected a non-empty list of schedulers")
        for i, scheduler in enumerate(schedulers):
            if isinstance(scheduler, ReduceLROnPlateau) or not isinstance(scheduler, LRScheduler):
                raise TypeError(
                    f"SequentialLR: scheduler {i} is a {type(scheduler).__name__}; expected an "
                    "LRScheduler other than ReduceLROnPlateau (whose step needs a metric)"
                )
            if scheduler.optimizer is not optimizer:
                raise ValueError(f"SequentialLR: scheduler {i} belongs to another optimizer")
        if not isinstance(milestones, (list, tuple)):
            raise TypeError("SequentialLR: milestones must be a list of ints")
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(
                f"SequentialLR: {len(schedulers)} schedulers need {len(schedulers) - 1} "
                f"milestones, got {len(milestones)}"
            )
        self._schedulers = list(schedulers)
        self._milestones = [check_int(m, "SequentialLR", "a milestone", 0) for m in milestones]
        self.last_epoch = check_int(last_epoch, "SequentialLR", "last_epoch", -1) + 1
        # Undo the initial steps the schedulers took when made, then take the first one's.
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        for scheduler in self._schedulers:
            scheduler.last_epoch -= 1
        first = self._schedulers[bisect_right(self._milestones, 0)]
        first._initial_step()
        self._last_lr = first.get_last_lr()

    def step(self) -> None:
        """Advance the scheduler of the current epoch; at a milestone, start the next one."""
        self.last_epoch += 1
        i = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[i]
        if i > 0 and self._milestones[i - 1] == self.last_epoch:
            scheduler._update_lr(0)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()

    def state_dict(self) -> dict[str, Any]:
        """Its own state, and each scheduler's."""
        own = {k: v for k, v in super().state_dict().items() if k != "_schedulers"}
        return {**own, "_schedulers": [s.state_dict() for s in self._schedulers]}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what `state_dict` returned, the schedulers' states included."""
        state = dict(state_dict)
        for scheduler, saved in zip(self._schedulers, state.pop("_schedulers", [])):
            scheduler.load_state_dict(saved)
        super().load_state_dict(state)


class ReduceLROnPlateau(LRScheduler):
    """Multiply the learning rate by factor (not below min_lr) when a metric has not improved
    for more than patience epochs, then wait cooldown epochs. `step(metric)` takes the metric:
    better means lower (mode='min') or higher ('max'), by more than threshold, relative to the
    best so far ('rel') or absolute ('abs'). Changes smaller than eps are skipped."""

    def __init__(
        self,
        optimizer: Optimizer,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr: float | list[float] = 0.0,
        eps: float = 1e-8,
    ) -> None:
        """torch's arguments and defaults."""
        op = "ReduceLROnPlateau"
        self.optimizer = _optimizer(optimizer, op)
        if mode not in ("min", "max"):
            raise ValueError(f"{op}: mode must be 'min' or 'max', got {mode!r:.40}")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(
                f"{op}: threshold_mode must be 'rel' or 'abs', got {threshold_mode!r:.40}"
            )
        self.factor = check_hyperparameter(factor, op, "factor", "fraction")
        groups = len(optimizer.param_groups)
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != groups:
                raise ValueError(f"{op}: expected {groups} min_lrs, got {len(min_lr)}")
            self.min_lrs = [check_hyperparameter(m, op, "min_lr", "rate") for m in min_lr]
        else:
            self.min_lrs = [check_hyperparameter(min_lr, op, "min_lr", "rate")] * groups
        self.patience = check_int(patience, op, "patience", 0)
        self.cooldown = check_int(cooldown, op, "cooldown", 0)
        self.threshold = check_hyperparameter(threshold, op, "threshold", "rate")
        self.eps = check_hyperparameter(eps, op, "eps", "rate")
        self.mode, self.threshold_mode = mode, threshold_mode
        self.last_epoch = 0
        self._last_lr = self._lrs()
        self.best = math.inf if mode == "min" else -math.inf
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    def step(self, metrics: float) -> None:  # type: ignore[override]
        """Record this epoch's metric (a number, or a 1x1 Matrix) and reduce the lrs if it
        has not improved for too long."""
        try:
            current = float(metrics)
        except (TypeError, ValueError):
            raise TypeError(
                f"ReduceLROnPlateau.step: metrics must be a number, got {type(metrics).__name__}"
            ) from None
        self.last_epoch += 1
        if self._is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs in cooldown do not count
        if self.num_bad_epochs > self.patience:
            for group, min_lr in zip(self.optimizer.param_groups, self.min_lrs):
                old_lr = float(group["lr"])
                new_lr = max(old_lr * self.factor, min_lr)
                if old_lr - new_lr > self.eps:
                    group["lr"] = new_lr
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = self._lrs()

    def _is_better(self, a: float, best: float) -> bool:
        if self.mode == "min":
            return a < (
                best * (1.0 - self.threshold)
                if self.threshold_mode == "rel"
                else best - self.threshold
            )
        return a > (
            best * (self.threshold + 1.0) if self.threshold_mode == "rel" else best + self.threshold
        )


class OneCycleLR(LRScheduler):
    """The 1cycle policy: the lr climbs from max_lr / div_factor to max_lr over the first
    pct_start of total_steps, then anneals to initial_lr / final_div_factor ('cos' or 'linear');
    with three_phase, it comes back down to initial_lr first. With cycle_momentum the momentum
    (or beta1) moves the other way between max_momentum and base_momentum. Step it after every
    batch: total_steps (or epochs * steps_per_epoch) steps in all."""

    def __init__(
        self,
        optimizer: Optimizer,
        max_lr: float | list[float],
        total_steps: int | None = None,
        epochs: int | None = None,
        steps_per_epoch: int | None = None,
        pct_start: float = 0.3,
        anneal_strategy: str = "cos",
        cycle_momentum: bool = True,
        base_momentum: float | list[float] = 0.85,
        max_momentum: float | list[float] = 0.95,
        div_factor: float = 25.0,
        final_div_factor: float = 1e4,
        three_phase: bool = False,
        last_epoch: int = -1,
    ) -> None:
        """torch's arguments and defaults."""
        op = "OneCycleLR"
        self.optimizer = _optimizer(optimizer, op)
        if total_steps is not None:
            self.total_steps = check_positive_int(total_steps, op, "total_steps")
        elif epochs is not None and steps_per_epoch is not None:
            steps = check_positive_int(steps_per_epoch, op, "steps_per_epoch")
            self.total_steps = check_positive_int(epochs, op, "epochs") * steps
        else:
            raise ValueError(f"{op}: give total_steps, or epochs and steps_per_epoch")
        pct = check_hyperparameter(pct_start, op, "pct_start", "number")
        if not 0 <= pct <= 1:
            raise ValueError(f"{op}: pct_start must be in [0, 1], got {pct}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(
                f"{op}: anneal_strategy must be 'cos' or 'linear', got {anneal_strategy!r:.40}"
            )
        self.anneal_strategy = anneal_strategy
        self.cycle_momentum = check_hyperparameter(cycle_momentum, op, "cycle_momentum", "flag")
        check_hyperparameter(three_phase, op, "three_phase", "flag")
        div = check_hyperparameter(div_factor, op, "div_factor", "rate")
        final_div = check_hyperparameter(final_div_factor, op, "final_div_factor", "rate")
        if div == 0 or final_div == 0:
            raise ValueError(f"{op}: div_factor and final_div_factor must be > 0")
        up, total = float(pct * self.total_steps) - 1, self.total_steps - 1
        # torch's phases: the last step of each, and the group keys its lr and momentum go
        # between. Dicts of plain values, so that state_dict can be saved (match.save).
        ends = [up, float(2 * pct * self.total_steps) - 2, total] if three_phase else [up, total]
        keys = (
            [
                ("initial_lr", "max_lr", "max_momentum", "base_momentum"),
                ("max_lr", "initial_lr", "base_momentum", "max_momentum"),
                ("initial_lr", "min_lr", "max_momentum", "max_momentum"),
            ]
            if three_phase
            else [
                ("initial_lr", "max_lr", "max_momentum", "base_momentum"),
                ("max_lr", "min_lr", "base_momentum", "max_momentum"),
            ]
        )
        names = ("start_lr", "end_lr", "start_momentum", "end_momentum")
        self._schedule_phases = [
            {"end_step": end, **dict(zip(names, phase))} for end, phase in zip(ends, keys)
        ]
        groups = optimizer.param_groups
        if last_epoch == -1:
            for group, top in zip(groups, self._per_group(max_lr, "max_lr")):
                group["initial_lr"] = top / div
                group["max_lr"] = top
                group["min_lr"] = group["initial_lr"] / final_div
        if self.cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise ValueError(f"{op}: cycle_momentum needs an optimizer with momentum or betas")
            self.use_beta1 = "betas" in optimizer.defaults
            highs = self._per_group(max_momentum, "max_momentum")
            lows = self._per_group(base_momentum, "base_momentum")
            if last_epoch == -1:
                for group, high, low in zip(groups, highs, lows):
                    if self.use_beta1:
                        group["betas"] = (high, *group["betas"][1:])
                    else:
                        group["momentum"] = high
                    group["max_momentum"], group["base_momentum"] = high, low
        super().__init__(optimizer, last_epoch)

    def _per_group(self, value: Any, what: str) -> list[float]:
        """One number per param group: a list of them, or one number for all."""
        groups = len(self.optimizer.param_groups)
        values = list(value) if isinstance(value, (list, tuple)) else [value] * groups
        if len(values) != groups:
            raise ValueError(f"OneCycleLR: expected {groups} values of {what}, got {len(values)}")
        return [check_hyperparameter(v, "OneCycleLR", what, "rate") for v in values]

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self) -> list[float]:
        """The lr of the current step in its phase (and, with cycle_momentum, the momentum)."""
        t = self.last_epoch
        if t > self.total_steps:
            raise ValueError(
                f"OneCycleLR: tried to step {t} times; total_steps is {self.total_steps}"
            )
        lrs = []
        for group in self.optimizer.param_groups:
            start_step = 0.0
            for i, phase in enumerate(self._schedule_phases):
                end_step = phase["end_step"]
                if t <= end_step or i == len(self._schedule_phases) - 1:
                    pct = (t - start_step) / (end_step - start_step)
                    lrs.append(self._anneal(group[phase["start_lr"]], group[phase["end_lr"]], pct))
                    if self.cycle_momentum:
                        momentum = self._anneal(
                            group[phase["start_momentum"]], group[phase["end_momentum"]], pct
                        )
                        if self.use_beta1:
                            group["betas"] = (momentum, *group["betas"][1:])
                        else:
                            group["momentum"] = momentum
                    break
                start_step = end_step
        return lrs
