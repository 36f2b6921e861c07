"""Optimizers and learning-rate schedulers with torch.optim's names, defaults and formulas.

Each optimizer updates its parameters' values in place (`p.data.copy_(...)`) with List2D
arithmetic, following torch's single-tensor code paths step by step, so that the same model,
data and loss give the same parameters as torch after any number of steps.

>>> opt = match.optim.Adam(model.parameters(), lr=1e-3)
>>> opt.zero_grad(); loss.backward(); opt.step()

`param_groups` is a list of dicts, each with 'params' and its hyperparameters, as in torch: pass
a list of parameters, or a list of dicts to give groups their own settings. `state_dict()` is
JSON-ready (plain lists and numbers), so `match.save(opt.state_dict(), path)` and
`opt.load_state_dict(match.load(path))` resume training exactly.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from .list2d import List2D
from .matrix import Matrix

__all__ = [
    "Optimizer",
    "SGD",
    "Adam",
    "AdamW",
    "RMSprop",
    "LRScheduler",
    "StepLR",
    "ExponentialLR",
    "CosineAnnealingLR",
]


def _like(rows: Any, p: Matrix, what: str) -> List2D:
    """A List2D on p's backend from saved rows, checked against p's shape."""
    try:
        value = List2D.from_2d_list(rows.tolist() if isinstance(rows, List2D) else rows)
    except (TypeError, ValueError, OverflowError) as e:
        raise TypeError(f"load_state_dict: {what} is not a matrix of numbers ({e})") from None
    if value.shape != p.shape:
        raise ValueError(
            f"load_state_dict: {what} has shape {value.shape}, but its parameter "
            f"has shape {p.shape}"
        )
    return p.data.new_rows(value.tolist())


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _step_count(value: Any, what: str) -> float:
    """A saved step count: a whole number >= 0 (stored as a float, as `step` makes it)."""
    if not _is_number(value) or not 0 <= value < 2**53 or value != int(value):
        raise ValueError(f"load_state_dict: {what} must be a whole number >= 0, got {value!r:.40}")
    return float(value)


def _hyperparameter(value: Any, like: Any, what: str) -> Any:
    """A saved hyperparameter checked to be of the kind of `like`, the value it replaces: a flag,
    a finite number >= 0, or a tuple of them (betas). Anything else is kept as saved."""
    if isinstance(like, bool):
        if not isinstance(value, bool):
            raise TypeError(f"load_state_dict: {what} must be True or False, got {value!r:.40}")
    elif _is_number(like):
        if not _is_number(value):
            raise TypeError(f"load_state_dict: {what} must be a number, got {value!r:.40}")
        if not 0 <= value < math.inf:
            raise ValueError(f"load_state_dict: {what} must be finite and >= 0, got {value}")
    elif isinstance(like, tuple):
        if not isinstance(value, (list, tuple)) or len(value) != len(like):
            raise TypeError(
                f"load_state_dict: {what} must be a list of {len(like)} numbers, got {value!r:.40}"
            )
        return tuple(
            _hyperparameter(v, x, f"{what}[{i}]") for i, (v, x) in enumerate(zip(value, like))
        )
    return value


def _buffers(saved: Any, p: Matrix, where: str) -> dict[str, Any]:
    """A parameter's saved state, checked: 'step' a count, every other entry a buffer of p's
    shape."""
    if not isinstance(saved, dict):
        raise TypeError(f"load_state_dict: the state of {where} must be a dict, got {saved!r:.40}")
    return {
        k: (
            _step_count(v, f"state 'step' of {where}")
            if k == "step"
            else _like(v, p, f"state '{k}' of {where}")
        )
        for k, v in saved.items()
    }


class Optimizer:
    """Base class: holds `param_groups` and per-parameter `state`; subclasses define `_update`.

    `state` maps each parameter to a dict of its buffers (List2D) and step count.
    """

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        """params: parameters, or dicts with 'params' and hyperparameters that override the
        defaults for that group."""
        self.defaults = dict(defaults)
        self.param_groups: list[dict[str, Any]] = []
        self._state: dict[int, dict[str, Any]] = {}
        if isinstance(params, Matrix):
            raise TypeError(
                f"{type(self).__name__}: params must be an iterable of Matrices or "
                "dicts, got a single Matrix (wrap it in a list)"
            )
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, group: dict[str, Any]) -> None:
        """Add a group of parameters with its own hyperparameters (defaults fill the rest)."""
        if not isinstance(group, dict) or "params" not in group:
            raise TypeError(f"{type(self).__name__}: a param group must be a dict with 'params'")
        params = group["params"]
        params = [params] if isinstance(params, Matrix) else list(params)
        for p in params:
            if not isinstance(p, Matrix):
                raise TypeError(
                    f"{type(self).__name__}: can only optimize Matrices, got {type(p).__name__}"
                )
            if not p.is_leaf:
                raise ValueError(f"{type(self).__name__}: can't optimize a non-leaf Matrix")
        known = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in known for p in params) or len({id(p) for p in params}) != len(params):
            raise ValueError(
                f"{type(self).__name__}: some parameters appear in more than one parameter group"
            )
        new = {"params": params}
        for key, value in self.defaults.items():
            new[key] = group.get(key, value)
        for key, value in group.items():
            new.setdefault(key, value)
        self.param_groups.append(new)

    @property
    def state(self) -> dict[Matrix, dict[str, Any]]:
        """Per-parameter state (buffers as List2D, 'step' as a number), keyed by parameter."""
        by_id = {id(p): p for g in self.param_groups for p in g["params"]}
        return {by_id[k]: v for k, v in self._state.items() if k in by_id}

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradient of every parameter: to None (the default, as in torch), or to
        zeros in place with `set_to_none=False`."""
        for group in self.param_groups:
            for p in group["params"]:
                p.zero_grad(set_to_none)

    def step(self) -> None:
        """Update every parameter that has a gradient (those with none are skipped, as in
        torch)."""
        for group in self.param_groups:
            for p in group["params"]:
                if p._grad is None:
                    continue
                self._update(p, p._grad, self._state.setdefault(id(p), {}), group)

    def _update(
        self, p: Matrix, grad: List2D, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        """Update one parameter from its gradient, state and group settings (subclasses)."""
        raise NotImplementedError

    # -- saving ------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """{'state': {index: {name: rows or number}}, 'param_groups': [{..., 'params': [index]}]}
        with parameters numbered in order across groups, as torch does; JSON-ready."""
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            ids = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                ids.append(index[id(p)])
            saved = {
                k: (list(v) if isinstance(v, tuple) else v)
                for k, v in group.items()
                if k != "params"
            }
            saved["params"] = ids
            groups.append(saved)
        state = {}
        for pid, st in self._state.items():
            if pid in index:
                state[index[pid]] = {
                    k: (v.tolist() if isinstance(v, List2D) else v) for k, v in st.items()
                }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore hyperparameters and state saved by `state_dict` (state keys may be ints or
        the strings JSON makes of them).

        Checks everything before changing anything: each hyperparameter against the kind of
        the value it replaces (a flag, a finite number >= 0, betas in [0, 1)), each buffer
        against its parameter's shape, and step counts as whole numbers >= 0. On a failure a
        TypeError or ValueError names the group or parameter and the key, and the optimizer is
        left as it was.
        """
        if not isinstance(state_dict, dict) or not {"state", "param_groups"} <= state_dict.keys():
            raise ValueError("load_state_dict: expected a dict with 'state' and 'param_groups'")
        saved_groups, saved_state = state_dict["param_groups"], state_dict["state"]
        if not isinstance(saved_groups, list) or not isinstance(saved_state, dict):
            raise TypeError(
                "load_state_dict: 'param_groups' must be a list and 'state' a dict, got "
                f"{type(saved_groups).__name__} and {type(saved_state).__name__}"
            )
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"load_state_dict: the state dict has {len(saved_groups)} parameter "
                f"groups, the optimizer has {len(self.param_groups)}"
            )
        by_index: dict[int, Matrix] = {}
        new_settings = []
        for i, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            ids = saved.get("params") if isinstance(saved, dict) else None
            if not isinstance(ids, list) or not all(
                isinstance(j, int) and not isinstance(j, bool) for j in ids
            ):
                raise TypeError(
                    f"load_state_dict: group {i} must be a dict whose 'params' is a list of "
                    f"parameter indices, got {saved!r:.60}"
                )
            if len(ids) != len(group["params"]):
                raise ValueError(
                    f"load_state_dict: group {i} has {len(ids)} "
                    f"parameters in the state dict, {len(group['params'])} here"
                )
            by_index.update(zip(ids, group["params"]))
            new_settings.append(self.__settings(saved, group, f"group {i}"))
        if len(by_index) != sum(len(g["params"]) for g in self.param_groups):
            raise ValueError("load_state_dict: a parameter index appears twice in 'params'")
        new_state: dict[int, dict[str, Any]] = {}
        for key, saved in saved_state.items():
            i = int(key) if isinstance(key, str) and key.isascii() and key.isdecimal() else key
            p = by_index.get(i) if isinstance(i, int) and not isinstance(i, bool) else None
            if p is None:
                raise ValueError(
                    f"load_state_dict: state for parameter {key!r}, which no group has"
                )
            if id(p) in new_state:
                raise ValueError(f"load_state_dict: the state of parameter {i} appears twice")
            new_state[id(p)] = _buffers(saved, p, f"parameter {i}")
        for settings, group in zip(new_settings, self.param_groups):
            group.update(settings)
        self._state = new_state

    def __settings(self, saved: dict[str, Any], group: dict[str, Any], where: str) -> dict:
        """The hyperparameters of a saved group, each checked against the kind of the value it
        replaces (see `_hyperparameter`); a scheduler's initial_lr is a number too."""
        kinds = {"initial_lr": 0.0, **self.defaults, **group}
        settings = {
            k: _hyperparameter(v, kinds.get(k), f"{where} '{k}'")
            for k, v in saved.items()
            if k != "params"
        }
        if "betas" in self.defaults and not all(0 <= b < 1 for b in settings.get("betas", ())):
            raise ValueError(
                f"load_state_dict: {where} 'betas' must be in [0, 1), got {settings['betas']}"
            )
        return settings

    def __repr__(self) -> str:
        """Class name and each group's hyperparameters."""
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines.extend(f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params")
        return "\n".join(lines) + "\n)"


def _lerp(start: List2D, end: List2D, weight: float) -> List2D:
    """torch.lerp: start + weight (end - start), computed as torch does for either half."""
    if weight < 0.5:
        return start + weight * (end - start)
    return end - (end - start) * (1.0 - weight)


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum, dampening, Nesterov momentum, weight
    decay and maximize (torch.optim.SGD):

        g = grad (+ weight_decay * p);  buf = g first, then momentum * buf + (1 - dampening) g
        g = g + momentum * buf (nesterov) or buf;  p = p - lr * g
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        """torch's defaults."""
        if lr < 0 or momentum < 0 or weight_decay < 0:
            raise ValueError(
                f"SGD: invalid lr={lr}, momentum={momentum} or weight_decay={weight_decay}"
            )
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: Nesterov momentum requires a momentum and zero dampening")
        super().__init__(
            params,
            dict(
                lr=lr,
                momentum=momentum,
                dampening=dampening,
                weight_decay=weight_decay,
                nesterov=nesterov,
                maximize=maximize,
            ),
        )

    def _update(
        self, p: Matrix, grad: List2D, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        g = -grad if group["maximize"] else grad
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * p.data
        momentum = group["momentum"]
        if momentum != 0:
            buf = state.get("momentum_buffer")
            # the first step copies g; later steps decay: momentum * buf + (1 - dampening) * g
            buf = g.copy() if buf is None else buf * momentum + (1 - group["dampening"]) * g
            state["momentum_buffer"] = buf
            g = g + momentum * buf if group["nesterov"] else buf
        p.data.copy_(p.data + (-group["lr"]) * g)


class Adam(Optimizer):
    """Adam (torch.optim.Adam): moving averages m, v of the gradient and its square,
    bias-corrected, p = p - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).
    weight_decay adds weight_decay * p to the gradient (L2); use AdamW for decoupled decay."""

    decoupled = False

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        """torch's defaults."""
        if lr < 0 or eps < 0 or weight_decay < 0:
            raise ValueError(
                f"{type(self).__name__}: invalid lr={lr}, eps={eps} or weight_decay={weight_decay}"
            )
        if not (0.0 <= betas[0] < 1.0 and 0.0 <= betas[1] < 1.0):
            raise ValueError(f"{type(self).__name__}: invalid betas {betas}")
        super().__init__(
            params,
            dict(
                lr=lr,
                betas=tuple(betas),
                eps=eps,
                weight_decay=weight_decay,
                amsgrad=amsgrad,
                maximize=maximize,
            ),
        )

    def _update(
        self, p: Matrix, grad: List2D, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        wd = group["weight_decay"]
        g = -grad if group["maximize"] else grad
        if not state:
            state["step"] = 0.0
            state["exp_avg"] = p.data.new_full(*p.shape, 0.0)
            state["exp_avg_sq"] = state["exp_avg"].copy()
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = state["exp_avg"].copy()
        state["step"] += 1
        step = state["step"]
        if wd != 0:
            if self.decoupled:
                p.data.copy_(p.data * (1 - lr * wd))
            else:
                g = g + wd * p.data
        state["exp_avg"] = _lerp(state["exp_avg"], g, 1 - beta1)
        state["exp_avg_sq"] = state["exp_avg_sq"] * beta2 + (1 - beta2) * g * g
        bias_correction1 = 1 - beta1**step
        bias_correction2 = 1 - beta2**step
        step_size = lr / bias_correction1
        bias_correction2_sqrt = bias_correction2**0.5
        v = state["exp_avg_sq"]
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = state["max_exp_avg_sq"].maximum(v)
            v = state["max_exp_avg_sq"]
        denom = v.sqrt() / bias_correction2_sqrt + eps
        p.data.copy_(p.data + (-step_size) * (state["exp_avg"] / denom))


class AdamW(Adam):
    """Adam with decoupled weight decay (torch.optim.AdamW): p = p * (1 - lr * weight_decay)
    before the Adam step; torch's default weight_decay is 0.01."""

    decoupled = True

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        """torch's defaults (weight_decay=0.01)."""
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize)


class RMSprop(Optimizer):
    """RMSprop (torch.optim.RMSprop): v = alpha v + (1 - alpha) g^2; with centered, the
    running mean of g is subtracted from v; p = p - lr g / (sqrt(v) + eps), through a momentum
    buffer when momentum > 0."""

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        """torch's defaults."""
        if lr < 0 or eps < 0 or momentum < 0 or weight_decay < 0 or alpha < 0:
            raise ValueError("RMSprop: lr, alpha, eps, weight_decay and momentum must be >= 0")
        super().__init__(
            params,
            dict(
                lr=lr,
                alpha=alpha,
                eps=eps,
                weight_decay=weight_decay,
                momentum=momentum,
                centered=centered,
                maximize=maximize,
            ),
        )

    def _update(
        self, p: Matrix, grad: List2D, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        alpha, eps, momentum = group["alpha"], group["eps"], group["momentum"]
        g = -grad if group["maximize"] else grad
        if not state:
            zeros = p.data.new_full(*p.shape, 0.0)
            state["step"] = 0.0
            state["square_avg"] = zeros
            if momentum > 0:
                state["momentum_buffer"] = zeros.copy()
            if group["centered"]:
                state["grad_avg"] = zeros.copy()
        state["step"] += 1
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * p.data
        state["square_avg"] = state["square_avg"] * alpha + (1 - alpha) * g * g
        if group["centered"]:
            state["grad_avg"] = _lerp(state["grad_avg"], g, 1 - alpha)
            avg = (state["square_avg"] - state["grad_avg"] * state["grad_avg"]).sqrt()
        else:
            avg = state["square_avg"].sqrt()
        avg = avg + eps
        if momentum > 0:
            state["momentum_buffer"] = state["momentum_buffer"] * momentum + g / avg
            p.data.copy_(p.data + (-group["lr"]) * state["momentum_buffer"])
        else:
            p.data.copy_(p.data + (-group["lr"]) * (g / avg))


# ---------------------------------------------------------------------------------------------
# Learning-rate schedulers
# ---------------------------------------------------------------------------------------------


class LRScheduler:
    """Base class: sets each group's 'lr' on every `step()`, with torch's recursive formulas
    (so the sequence of learning rates is torch's, bit for bit in the usual cases)."""

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        """Remember the initial learning rates and take the initial step (epoch 0)."""
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"{type(self).__name__}: {type(optimizer).__name__} is not an Optimizer"
            )
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            if last_epoch == -1:
                group.setdefault("initial_lr", group["lr"])
            elif "initial_lr" not in group:
                raise KeyError(
                    f"{type(self).__name__}: param group has no 'initial_lr' to resume from"
                )
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._step_count = 0
        self._is_initial = True
        self.step()
        self._is_initial = False

    def get_lr(self) -> list[float]:
        """The learning rates for the current epoch (subclasses define it)."""
        raise NotImplementedError

    def step(self) -> None:
        """Advance one epoch and set the new learning rates."""
        self._step_count += 1
        self.last_epoch += 1
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self) -> list[float]:
        """The learning rates set by the last step."""
        return list(self._last_lr)

    def _lrs(self) -> list[float]:
        return [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self) -> dict[str, Any]:
        """Everything but the optimizer (JSON-ready)."""
        return {k: v for k, v in vars(self).items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what `state_dict` returned."""
        self.__dict__.update(state_dict)


class StepLR(LRScheduler):
    """Multiply the learning rate by gamma every step_size epochs."""

    def __init__(
        self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        """torch's arguments."""
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """lr * gamma at every multiple of step_size, else lr."""
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._lrs()
        return [lr * self.gamma for lr in self._lrs()]


class ExponentialLR(LRScheduler):
    """Multiply the learning rate by gamma every epoch."""

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        """torch's arguments."""
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """lr * gamma (lr itself at the initial step)."""
        if self._is_initial:
            return self._lrs()
        return [lr * self.gamma for lr in self._lrs()]


class CosineAnnealingLR(LRScheduler):
    """eta_min + (base_lr - eta_min) (1 + cos(pi t / T_max)) / 2, computed with torch's
    recursive form (and continuing past T_max as torch does)."""

    def __init__(
        self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1
    ) -> None:
        """torch's arguments."""
        self.T_max = T_max
        self.eta_min = eta_min
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
