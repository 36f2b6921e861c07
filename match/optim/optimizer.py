"""The optimizer base class: parameter groups, hyperparameter checks, stepping, saving.

`param_groups` is a list of dicts, each with 'params' and its hyperparameters, as in torch: pass
a list of parameters, or a list of dicts to give groups their own settings. `state_dict()` is
JSON-ready (plain lists and numbers), so `match.save(opt.state_dict(), path)` and
`opt.load_state_dict(match.load(path))` resume training exactly.

Each optimizer (sgd.py, adam.py, ...) writes one `_update`: torch's single-tensor formula, line
for line. Its buffers (`state`) belong to the optimizer, so they are updated in place with the
fused List2D methods (`lerp_`, `addcmul_`, ...); a parameter gets a fresh value (`set_`), so a
view or a recorded operation that shares its old storage never changes under it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

from ..checks import (
    check_finite,
    check_flag,
    check_non_negative,
    check_real,
    is_int,
    is_number,
    plain_scalar,
)
from ..grad_mode import enable_grad
from ..list2d import List2D
from ..matrix import Matrix

__all__ = ["Optimizer"]


def _like(rows: Any, p: Matrix, what: str) -> List2D:
    """A List2D on p's backend from saved rows, checked against p's shape. Rows may be a
    List2D, or anything with `tolist()` (a torch tensor, a numpy array); torch's 1D buffer of
    a bias, a flat list, stands for a (1, n) row, as in `Module.load_state_dict`."""
    if hasattr(rows, "tolist") and not isinstance(rows, (list, tuple)):
        rows = rows.tolist()
    if isinstance(rows, (list, tuple)) and rows and not isinstance(rows[0], (list, tuple)):
        rows = [rows]
    try:
        value = List2D.from_2d_list(rows)
    except (TypeError, ValueError, OverflowError) as e:
        raise TypeError(f"load_state_dict: {what} is not a matrix of numbers ({e})") from None
    if value.shape != p.shape:
        raise ValueError(
            f"load_state_dict: {what} has shape {value.shape}, but its parameter "
            f"has shape {p.shape}"
        )
    return p.data.new_rows(value.tolist())


def _step_count(value: Any, what: str) -> float:
    """A saved step count: a whole number >= 0 (stored as a float, as `step` makes it); torch
    saves it as a 0-d tensor, read through its `tolist()`."""
    if hasattr(value, "tolist") and not isinstance(value, (list, tuple)):
        value = value.tolist()
    if not is_number(value) or not 0 <= value < 2**53 or value != int(value):
        raise ValueError(f"load_state_dict: {what} must be a whole number >= 0, got {value!r:.40}")
    return float(value)


def _hyperparameter(value: Any, like: Any, what: str) -> Any:
    """A saved hyperparameter checked to be of the kind of `like`, the value it replaces: a flag,
    a finite number >= 0, or a tuple of them (betas). Anything else is kept as saved."""
    if isinstance(like, bool):
        check_flag(value, "load_state_dict", what)
    elif is_number(like):
        if not is_number(value):
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


_SCALAR_STATE = {"mu_product"}  # state entries that are numbers (besides 'step')


def _buffers(saved: Any, p: Matrix, where: str) -> dict[str, Any]:
    """A parameter's saved state, checked: 'step' a count, NAdam's 'mu_product' a number,
    every other entry a buffer of p's shape."""
    if not isinstance(saved, dict):
        raise TypeError(f"load_state_dict: the state of {where} must be a dict, got {saved!r:.40}")
    return {
        k: (
            _step_count(v, f"state 'step' of {where}")
            if k == "step"
            else check_hyperparameter(v, "load_state_dict", f"state '{k}' of {where}", "number")
            if k in _SCALAR_STATE
            else _like(v, p, f"state '{k}' of {where}")
        )
        for k, v in saved.items()
    }


def arguments(local_names: dict[str, Any]) -> dict[str, Any]:
    """An optimizer's defaults: its constructor's arguments (from `locals()`, taken first
    thing), less self and params."""
    return {k: v for k, v in local_names.items() if k not in ("self", "params", "__class__")}


def check_hyperparameter(value: Any, who: str, what: str, kind: str) -> Any:
    """value checked to be of a kind: 'rate' (a finite number >= 0), 'number' (finite),
    'fraction' (a number in [0, 1)), 'flag' (True or False) or 'betas' (a pair of fractions).
    Raises TypeError or ValueError naming who (the class the user called) and what. A number is
    returned as given (an int stays an int, as in torch's param_groups)."""
    value = plain_scalar(value)
    if kind == "flag":
        return check_flag(value, who, what)
    if kind == "betas":
        if not isinstance(value, (tuple, list)):
            raise TypeError(f"{who}: {what} must be a pair of numbers, got {value!r:.40}")
        if len(value) != 2:
            raise ValueError(f"{who}: {what} must be a pair of numbers, got {len(value)}")
        return tuple(
            check_hyperparameter(b, who, f"{what}[{i}]", "fraction") for i, b in enumerate(value)
        )
    check_finite(value, who, what)
    if kind == "rate":
        check_non_negative(value, who, what)
    if kind == "fraction":
        check_real(value, who, what, 0, 1, high_open=True)
    return value


class Optimizer:
    """Base class: holds `param_groups` and per-parameter `state`; subclasses define `_update`
    and name the kind of each hyperparameter in `hyperparameters` (see `check_hyperparameter`),
    which checks the defaults and every group.

    `state` maps each parameter to a dict of its buffers (List2D) and step count.
    """

    hyperparameters: dict[str, str] = {}

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        """params: parameters, or dicts with 'params' and hyperparameters that override the
        defaults for that group."""
        name = type(self).__name__
        self.defaults = self._checked(dict(defaults))
        self.param_groups: list[dict[str, Any]] = []
        self._state: dict[int, dict[str, Any]] = {}
        if isinstance(params, Matrix):
            raise TypeError(
                f"{name}: params must be an iterable of Matrices or "
                "dicts, got a single Matrix (wrap it in a list)"
            )
        if isinstance(params, (str, bytes, dict)) or not isinstance(params, Iterable):
            raise TypeError(
                f"{name}: params must be an iterable of Matrices or dicts, got "
                f"{type(params).__name__}"
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
        if not isinstance(params, (Matrix, Iterable)) or isinstance(params, (str, dict)):
            raise TypeError(
                f"{type(self).__name__}: a group's 'params' must be Matrices, got "
                f"{type(params).__name__}"
            )
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
        self.param_groups.append(self._checked(new))

    def _checked(self, settings: dict[str, Any]) -> dict[str, Any]:
        """settings with each known hyperparameter checked (betas made a tuple); subclasses
        add the checks that tie two settings together."""
        for key, kind in self.hyperparameters.items():
            if key in settings:
                settings[key] = check_hyperparameter(settings[key], type(self).__name__, key, kind)
        return settings

    @property
    def state(self) -> dict[Matrix, dict[str, Any]]:
        """Per-parameter state (buffers as List2D, 'step' as a number), keyed by parameter."""
        by_id = {id(p): p for g in self.param_groups for p in g["params"]}
        return {by_id[k]: v for k, v in self._state.items() if k in by_id}

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradient of every parameter: to None (the default, as in torch), or to
        zeros in place with `set_to_none=False`."""
        if not isinstance(set_to_none, bool):
            who = f"{type(self).__name__}.zero_grad"
            raise TypeError(f"{who}: set_to_none must be True or False, got {set_to_none!r:.40}")
        for group in self.param_groups:
            for p in group["params"]:
                p.zero_grad(set_to_none)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient (those whose .grad is None are skipped,
        as in torch: no weight decay or momentum for a parameter that got no gradient).

        closure, as in torch: a function that zeroes the gradients, computes the loss, calls
        backward and returns the loss; it runs first, and step returns what it returned."""
        if closure is not None and not callable(closure):
            raise TypeError(
                f"{type(self).__name__}.step: closure must be a function, got "
                f"{type(closure).__name__}"
            )
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p._grad is None:
                    continue
                grad = -p._grad if group.get("maximize") else p._grad
                self._update(p, grad, self._state.setdefault(id(p), {}), group)
        return loss

    def _update(
        self, p: Matrix, grad: List2D, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        """Update one parameter from its gradient (negated already under maximize), state
        and group settings (subclasses). grad is never written to."""
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
            if not isinstance(ids, list) or not all(is_int(j) for j in ids):
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
            p = by_index.get(i) if is_int(i) else None
            if p is None:
                raise ValueError(
                    f"load_state_dict: state for parameter {key!r}, which no group has"
                )
            if id(p) in new_state:
                raise ValueError(f"load_state_dict: the state of parameter {i} appears twice")
            new_state[id(p)] = _buffers(saved, p, f"parameter {i}")
        # All or nothing, even if interrupted (Ctrl-C) half way: the groups are restored from
        # copies unless every one of them and the state were replaced.
        old_groups = [dict(group) for group in self.param_groups]
        old_state = self._state
        try:
            for settings, group in zip(new_settings, self.param_groups):
                group.update(settings)
            self._state = new_state
        except BaseException:
            for group, old in zip(self.param_groups, old_groups):
                group.clear()
                group.update(old)
            self._state = old_state
            raise

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

    # -- pickle and deepcopy -----------------------------------------------------------------
    # The state is keyed by id(p), which a copy changes: it travels keyed by the parameter's
    # position in the groups instead, and is keyed by the copies' ids again on arrival.
    def __getstate__(self) -> dict[str, Any]:
        """What pickle and `copy.deepcopy` keep (see the comment above)."""
        params = [p for group in self.param_groups for p in group["params"]]
        state = dict(vars(self))
        state["_state"] = [self._state.get(id(p)) for p in params]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Undo `__getstate__`."""
        by_position = state.pop("_state")
        self.__dict__.update(state)
        params = [p for group in self.param_groups for p in group["params"]]
        self._state = {id(p): s for p, s in zip(params, by_position) if s is not None}

    def __repr__(self) -> str:
        """Class name and each group's hyperparameters."""
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines.extend(f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params")
        return "\n".join(lines) + "\n)"
