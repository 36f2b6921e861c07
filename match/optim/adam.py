"""The Adam family (torch.optim.Adam, AdamW, NAdam, RAdam): moving averages m and v of the
gradient and its square, kept in place, and each member's own step from them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..backend import AdamStep
from ..list2d import List2D
from ..matrix import Matrix
from .optimizer import Optimizer, arguments

__all__ = ["Adam", "AdamW", "NAdam", "RAdam"]

_HYPERPARAMETERS = {
    "lr": "rate",
    "betas": "betas",
    "eps": "rate",
    "weight_decay": "rate",
    "decoupled_weight_decay": "flag",
    "maximize": "flag",
}


def _start(p: Matrix, grad: List2D, state: dict[str, Any], group: dict[str, Any]) -> List2D:
    """The steps every member takes first, as torch orders them: start the state, count the
    step, apply weight decay (decoupled: p = p (1 - lr wd); else grad = grad + wd p).
    Returns grad."""
    if not state:
        state["step"] = 0.0
        state["exp_avg"] = p.data.new_full(*p.shape, 0.0)
        state["exp_avg_sq"] = p.data.new_full(*p.shape, 0.0)
    state["step"] += 1
    lr, wd = group["lr"], group["weight_decay"]
    if wd != 0:
        if group["decoupled_weight_decay"]:
            p.data.set_(p.data * (1 - lr * wd))
        else:
            grad = grad.add(p.data, alpha=wd)
    return grad


def _moments(grad: List2D, state: dict[str, Any], group: dict[str, Any]) -> tuple[List2D, List2D]:
    """The moving averages of the gradient and of its square (the paper's m and v), stored as
    the new state and returned."""
    beta1, beta2 = group["betas"]
    state["exp_avg"] = beta1 * state["exp_avg"] + (1 - beta1) * grad
    state["exp_avg_sq"] = beta2 * state["exp_avg_sq"] + (1 - beta2) * grad * grad
    return state["exp_avg"], state["exp_avg_sq"]


class Adam(Optimizer):
    """Adam, torch's formula: p = p - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps),
    with v replaced by its running maximum under amsgrad. weight_decay adds weight_decay * p
    to the gradient (L2), or with decoupled_weight_decay=True shrinks p as AdamW does."""

    hyperparameters = {**_HYPERPARAMETERS, "amsgrad": "flag"}

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
        decoupled_weight_decay: bool = False,
    ) -> None:
        """torch's defaults."""
        super().__init__(params, arguments(locals()))

    def _update(
        self, p: Matrix, grad: List2D, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        grad = _start(p, grad, state, group)
        beta1, beta2 = group["betas"]
        t = state["step"]
        step_size = group["lr"] / (1 - beta1**t)  # m's correction for starting at 0, in lr
        hyper = AdamStep(beta1, beta2, step_size, (1 - beta2**t) ** 0.5, group["eps"])
        if group["amsgrad"] and "max_exp_avg_sq" not in state:
            state["max_exp_avg_sq"] = p.data.new_full(*p.shape, 0.0)
        if p.data.has_fused_adam:  # numpy: the lines below as one kernel, bit for bit (1.2x)
            maxima = state["max_exp_avg_sq"] if group["amsgrad"] else None
            m, v = state["exp_avg"], state["exp_avg_sq"]
            p.data.set_(p.data.adam_step(grad, m, v, maxima, hyper))
            return
        m, v = _moments(grad, state, group)
        if group["amsgrad"]:  # v's running maximum stands for v
            v = state["max_exp_avg_sq"] = state["max_exp_avg_sq"].maximum(v)
        denominator = v.sqrt() / hyper.bias_correction2_sqrt + hyper.eps
        p.data.set_(p.data - step_size * m / denominator)


class AdamW(Adam):
    """Adam with decoupled weight decay: p = p * (1 - lr * weight_decay) before the Adam step;
    torch's default weight_decay is 0.01."""

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
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            maximize=maximize,
            decoupled_weight_decay=True,
        )


class NAdam(Optimizer):
    """Adam with Nesterov momentum (torch.optim.NAdam): the momentum coefficient
    mu_t = beta1 (1 - 0.96^(t momentum_decay) / 2) warms up, and the step mixes the gradient and
    m, each with its own bias correction by the running product of the mu's."""

    hyperparameters = {**_HYPERPARAMETERS, "momentum_decay": "rate"}

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        """torch's defaults."""
        super().__init__(params, arguments(locals()))

    def _update(
        self, p: Matrix, grad: List2D, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        lr, (beta1, beta2), decay = group["lr"], group["betas"], group["momentum_decay"]
        grad = _start(p, grad, state, group)
        _moments(grad, state, group)
        step = state["step"]
        state.setdefault("mu_product", 1.0)
        mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * decay)))
        mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * decay)))
        state["mu_product"] *= mu
        mu_product_next = state["mu_product"] * mu_next
        denom = (state["exp_avg_sq"] / (1 - beta2**step)).sqrt().add_(group["eps"])
        # p = p - lr (1 - mu) / (1 - prod mu) grad / denom - lr mu' / (1 - prod mu') m / denom
        new = p.data.addcdiv(grad, denom, -lr * (1.0 - mu) / (1.0 - state["mu_product"]))
        p.data.set_(
            new.addcdiv_(state["exp_avg"], denom, (-lr * mu_next) / (1.0 - mu_product_next))
        )


class RAdam(Optimizer):
    """Rectified Adam (torch.optim.RAdam): while the variance estimate is too young (its
    length of SMA rho_t is 5 or less) the step is plain momentum, p = p - lr m / (1 - b1^t);
    after, Adam's step times the rectification term r_t."""

    hyperparameters = _HYPERPARAMETERS

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        decoupled_weight_decay: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        """torch's defaults."""
        super().__init__(params, arguments(locals()))

    def _update(
        self, p: Matrix, grad: List2D, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        lr, (beta1, beta2) = group["lr"], group["betas"]
        grad = _start(p, grad, state, group)
        _moments(grad, state, group)
        step = state["step"]
        bias_correction1 = 1 - beta1**step
        bias_correction2 = 1 - beta2**step
        update = state["exp_avg"] / bias_correction1 * lr
        rho_inf = 2 / (1 - beta2) - 1  # the longest SMA, and its length at step t:
        rho_t = rho_inf - 2 * step * (beta2**step) / bias_correction2
        if rho_t > 5.0:
            rect = (
                (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
            ) ** 0.5
            adaptive_lr = (bias_correction2**0.5) / state["exp_avg_sq"].sqrt().add_(group["eps"])
            update = update * adaptive_lr * rect
        p.data.set_(p.data.add(update, alpha=-1.0))  # p = p - update
