"""`Module`, the base of every layer and model, and `Parameter`, the matrices it trains.

A Module finds its parameters by looking at its attributes, so a model is written as ordinary
Python (`self.fc = Linear(3, 4)`) and still gets torch's dotted names (`fc.weight`,
`layers.0.bias`) and torch's state-dict order. The containers (`Sequential`, `ModuleList`, ...)
are in `container.py`. Those names are the contract that lets weights move
between Match and torch: `state_dict()` gives plain nested lists under them, and
`load_state_dict` checks every key and shape before it changes anything.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

from ..backend import BACKENDS
from ..checks import check_flag, is_number
from ..list2d import List2D
from ..matrix import Matrix
from .loss_functions import constant


class StateDictError(ValueError, RuntimeError):
    """A state dict that does not fit the model (missing or unexpected keys, wrong shapes).

    It is both a ValueError and a RuntimeError (what torch raises), so either `except` works.
    """


class _NotAStateDict(StateDictError, TypeError):
    """load_state_dict was given something that is not a dict: a TypeError too."""


class IncompatibleKeys(NamedTuple):
    """What `load_state_dict(strict=False)` skipped, as in torch."""

    missing_keys: list[str]
    unexpected_keys: list[str]


class Parameter(Matrix):
    """A Matrix that a Module trains: a leaf that tracks gradients unless requires_grad=False.

    `Parameter(m)` holds m's values (shared, not copied, as in torch) cut from any graph, so
    `Parameter(match.randn(3, 3) * 0.01)` is a leaf. Setting one as a Module attribute registers
    it, and it stays registered when frozen with `requires_grad_(False)`: it stays in
    `parameters()` and `state_dict()`, as in torch. A plain leaf Matrix that tracks gradients,
    set as a Module attribute, becomes a Parameter in place (its class changes; it is the same
    object), which is how `Linear`'s `weight = zeros(...)` is registered.
    """

    def __init__(
        self, data: Matrix | List2D | list[list[float]], requires_grad: bool = True
    ) -> None:
        """A leaf holding data's values (a Matrix's or List2D's are shared; lists are copied)."""
        check_flag(requires_grad, "Parameter", "requires_grad")
        vector = isinstance(data, Matrix) and data._vector  # nn.Parameter(match.zeros(n))
        if isinstance(data, Matrix):
            data = data.data
        elif not isinstance(data, List2D):
            if not isinstance(data, (list, tuple)):
                raise TypeError(
                    f"Parameter: data must be a Matrix, List2D or nested lists, "
                    f"got {type(data).__name__}"
                )
            data = List2D.from_2d_list(data, "Parameter")
        super().__init__(data, requires_grad)
        if vector:
            self._vector = True

    def __repr__(self) -> str:
        """torch's form: 'Parameter containing:' above the values."""
        return "Parameter containing:\n" + super().__repr__()


def _is_parameter(value: Any) -> bool:
    """A Parameter, or a leaf Matrix that tracks gradients (one put into a list after the list
    was set as an attribute, which `__setattr__` did not see)."""
    return isinstance(value, Parameter) or (
        isinstance(value, Matrix) and value.requires_grad and value.is_leaf
    )


def _adopt(value: Any) -> None:
    """Make each leaf Matrix that tracks gradients in value (alone, or in a list, tuple or dict)
    a Parameter, in place, so that freezing it later does not unregister it."""
    if isinstance(value, Matrix):
        if not isinstance(value, Parameter) and value.is_leaf and value.requires_grad:
            value.__class__ = Parameter
    elif isinstance(value, (list, tuple)):
        for item in value:
            _adopt(item)
    elif isinstance(value, dict):
        for item in value.values():
            _adopt(item)


def _check_name(name: Any, who: str) -> str:
    """A name for a parameter, buffer or child: a non-empty string without dots."""
    if not isinstance(name, str):
        raise TypeError(f"{who}: name must be a str, got {type(name).__name__}")
    if not name or "." in name:
        raise ValueError(f"{who}: name must be non-empty and contain no '.', got {name!r}")
    return name


class RemovableHandle:
    """What `register_forward_hook` and `register_forward_pre_hook` return: `remove()` takes the
    hook off again (also usable as a context manager that removes it on exit)."""

    _ids = itertools.count()

    def __init__(self, hooks: dict[int, Callable[..., Any]]) -> None:
        """A new id in hooks (the module's dict of hooks of one kind)."""
        self.hooks = hooks
        self.id = next(RemovableHandle._ids)

    def remove(self) -> None:
        """Take the hook off (again is harmless)."""
        self.hooks.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remove()


def _walk(value: Any, name: str) -> Iterator[tuple[str, Any]]:
    """(dotted name, item) for every Module or parameter in value, looking into lists, tuples
    and dicts (so `self.layers = [Linear(...), ...]` names them `layers.0`, `layers.1`)."""
    if isinstance(value, Module) or _is_parameter(value):
        yield name, value
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from _walk(item, f"{name}.{i}")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, f"{name}.{key}")


def _values(owner: Any, attr: str) -> List2D:
    """The List2D of a state entry: a parameter's data (attr ''), or a buffer (a List2D, or a
    Matrix's data)."""
    value = getattr(owner, attr) if attr else owner
    return value.data if isinstance(value, Matrix) else value


def _indent(text: str, spaces: int) -> str:
    """Indent every line but the first (torch's _addindent)."""
    lines = text.split("\n")
    return "\n".join([lines[0]] + [" " * spaces + line for line in lines[1:]])


def _rows_for(value: Any, shape: tuple[int, int], key: str) -> list[list[float]]:
    """Plain rows from a state-dict value: nested lists, a List2D, a Matrix, anything with
    `tolist()` (a torch tensor or numpy array), a flat list for a (1, n) entry, or a number for a
    (1, 1) entry. Raises StateDictError naming the key and both shapes."""
    if isinstance(value, Matrix):
        value = value.data
    if isinstance(value, List2D):
        rows = value.tolist()
    else:
        if hasattr(value, "tolist") and not isinstance(value, (list, tuple)):
            value = value.tolist()
        if is_number(value):
            value = [[value]]
        elif isinstance(value, (list, tuple)) and value and not isinstance(value[0], (list, tuple)):
            value = [value]  # a torch-style 1D bias or running statistic
        try:
            rows = List2D.from_2d_list(value).tolist()
        except (TypeError, ValueError) as e:
            raise StateDictError(
                f"load_state_dict: value for '{key}' is not a matrix of numbers ({e})"
            ) from None
    got = (len(rows), len(rows[0]))
    if got != shape:
        raise StateDictError(
            f"load_state_dict: size mismatch for '{key}': the state dict has "
            f"shape {got}, the model has shape {shape}"
        )
    return rows


class Module:
    """Base class for layers and models: subclasses set attributes in `__init__` and define
    `forward`; calling the module runs `forward`.

    Parameters are found automatically: every attribute that is a Parameter (or a leaf Matrix
    tracking gradients, which becomes one), a Module, or a list/tuple/dict of them. The rule is
    the original Match's (`self.W = match.randn(3, 4)` is a parameter), kept so its programs run;
    torch's explicit `Parameter(...)` works too. The whole path, in this file: `__setattr__`
    makes the Parameter, `named_parameters` walks `named_modules`, and `_direct` lists one
    module's own attributes through `_walk`, which looks into lists and dicts. Names are
    torch-style dotted paths (`0.weight`, `encoder.layers.1.bias`); like torch, a module's own
    parameters come before its children's, each group in the order the attributes were set.
    Buffers (non-trained state such as BatchNorm's running statistics) are List2D attributes
    declared with `register_buffer`.

    >>> class Net(Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.linear1 = Linear(3, 4)
    ...     def forward(self, x):
    ...         return self.linear1(x).relu()
    """

    training: bool = True  # a class default, so subclasses that skip super().__init__() work

    def __init__(self) -> None:
        """Start in training mode."""
        self.training = True

    def __setattr__(self, name: str, value: Any) -> None:
        """Set the attribute; a leaf Matrix that tracks gradients becomes a Parameter."""
        _adopt(value)
        super().__setattr__(name, value)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """forward(*args, **kwargs), with the forward hooks around it when there are any."""
        if "_forward_pre_hooks" in self.__dict__ or "_forward_hooks" in self.__dict__:
            return self.__call_with_hooks(args, kwargs)
        return self.forward(*args, **kwargs)

    def __call_with_hooks(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """Run the forward pre-hooks, forward, then the forward hooks (torch's order).

        A pre-hook `hook(module, args)` may return new args (a tuple, or one value); a forward
        hook `hook(module, args, output)` may return a new output. None keeps them.
        """
        for hook in list(self.__dict__.get("_forward_pre_hooks", {}).values()):
            result = hook(self, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
        output = self.forward(*args, **kwargs)
        for hook in list(self.__dict__.get("_forward_hooks", {}).values()):
            result = hook(self, args, output)
            if result is not None:
                output = result
        return output

    def register_forward_pre_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """Call `hook(module, args)` before every forward; returns a handle to `remove()` it."""
        return self.__add_hook("_forward_pre_hooks", hook, "register_forward_pre_hook")

    def register_forward_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """Call `hook(module, args, output)` after every forward; returns a handle to
        `remove()` it."""
        return self.__add_hook("_forward_hooks", hook, "register_forward_hook")

    def __add_hook(self, kind: str, hook: Callable[..., Any], who: str) -> RemovableHandle:
        if not callable(hook):
            raise TypeError(f"{who}: hook must be callable, got {type(hook).__name__}")
        hooks = self.__dict__.setdefault(kind, {})
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        return handle

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The computation; every subclass defines it."""
        raise NotImplementedError(f"{type(self).__name__} does not define forward")

    # -- registration ------------------------------------------------------------------------
    def add_module(self, name: str, module: Module | None) -> None:
        """Attach a child module under `name` (any string, e.g. '0' as Sequential does)."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: {type(module).__name__} is not a Module")
        setattr(self, name, module)

    def register_module(self, name: str, module: Module | None) -> None:
        """torch's other name for `add_module`."""
        self.add_module(name, module)

    def register_buffer(
        self, name: str, tensor: List2D | Matrix | None, persistent: bool = True
    ) -> None:
        """Keep `tensor` (a List2D, a Matrix, or None) as state that is not trained. It is in
        `buffers()` and moves with `to_backend`; with persistent=False it is left out of
        `state_dict()` (as torch does, e.g. for a causal mask that is rebuilt anyway)."""
        _check_name(name, "register_buffer")
        if tensor is not None and not isinstance(tensor, (List2D, Matrix)):
            raise TypeError(
                f"register_buffer: '{name}' must be a List2D, Matrix or None, "
                f"got {type(tensor).__name__}"
            )
        if isinstance(tensor, Matrix) and tensor.requires_grad and tensor.is_leaf:
            raise ValueError(
                f"register_buffer: '{name}' tracks gradients: a buffer is not trained; pass "
                "m.detach(), or use register_parameter"
            )
        names = self.__dict__.setdefault("_buffer_names", [])
        if name not in names and name in self.__dict__:
            raise ValueError(f"register_buffer: attribute '{name}' already exists")
        if name not in names:
            names.append(name)
        transient = self.__dict__.setdefault("_non_persistent_buffers", set())
        (transient.discard if persistent else transient.add)(name)
        object.__setattr__(self, name, tensor)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add `param` (a Parameter, or None for 'no such parameter', as Linear's bias=False)
        under `name`, as setting the attribute does."""
        _check_name(name, "register_parameter")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"register_parameter: '{name}' must be a Parameter or None, got "
                f"{type(param).__name__} (wrap it: nn.Parameter(m))"
            )
        existing = self.__dict__.get(name)
        if existing is not None and not _is_parameter(existing):
            raise ValueError(f"register_parameter: attribute '{name}' already exists")
        setattr(self, name, param)

    def _direct(self) -> Iterator[tuple[str, Any]]:
        """This module's own parameters and children (not recursing into children)."""
        for name, value in vars(self).items():
            yield from _walk(value, name)

    # -- discovery ---------------------------------------------------------------------------
    def named_children(self) -> Iterator[tuple[str, Module]]:
        """(name, module) for each direct child module."""
        seen: set[int] = set()
        for name, value in self._direct():
            if isinstance(value, Module) and id(value) not in seen:
                seen.add(id(value))
                yield name, value

    def children(self) -> Iterator[Module]:
        """The direct child modules."""
        for _, module in self.named_children():
            yield module

    def named_modules(
        self, memo: set[int] | None = None, prefix: str = "", remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Module]]:
        """(dotted name, module) for this module ('' for itself) and all modules below it."""
        if memo is None:
            memo = set()
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, child in self._direct():
            if isinstance(child, Module):
                yield from child.named_modules(
                    memo, f"{prefix}.{name}" if prefix else name, remove_duplicate
                )

    def modules(self) -> Iterator[Module]:
        """This module and all modules below it."""
        for _, module in self.named_modules():
            yield module

    def named_parameters(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Matrix]]:
        """(dotted name, parameter) for every parameter, each shared one once."""
        seen: set[int] = set()
        modules = self.named_modules(prefix=prefix) if recurse else iter([(prefix, self)])
        for mod_prefix, module in modules:
            for name, value in module._direct():
                if isinstance(value, Module) or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield (f"{mod_prefix}.{name}" if mod_prefix else name), value

    def parameters(self, recurse: bool = True) -> list[Matrix]:
        """All parameters (a list, so it can be used more than once)."""
        return [p for _, p in self.named_parameters(recurse=recurse)]

    def named_buffers(self, prefix: str = "") -> Iterator[tuple[str, List2D]]:
        """(dotted name, buffer) for every buffer that is not None (persistent or not)."""
        for mod_prefix, module in self.named_modules(prefix=prefix):
            for name in module.__dict__.get("_buffer_names", []):
                value = getattr(module, name)
                if value is not None:
                    yield (f"{mod_prefix}.{name}" if mod_prefix else name), value

    def buffers(self) -> list[List2D]:
        """All buffers."""
        return [b for _, b in self.named_buffers()]

    def get_submodule(self, target: str) -> Module:
        """The module at dotted path target ('' is this module), e.g. 'encoder.layers.0'.
        Raises AttributeError (as torch) naming the path when there is none."""
        return self.__lookup(target, self.named_modules(remove_duplicate=False), "submodule")

    def get_parameter(self, target: str) -> Matrix:
        """The parameter at dotted path target, e.g. '0.weight' (AttributeError if none)."""
        return self.__lookup(target, self.named_parameters(remove_duplicate=False), "parameter")

    def __lookup(self, target: Any, named: Iterator[tuple[str, Any]], kind: str) -> Any:
        if not isinstance(target, str):
            raise TypeError(f"get_{kind}: target must be a str, got {type(target).__name__}")
        for name, value in named:
            if name == target:
                return value
        raise AttributeError(f"get_{kind}: {type(self).__name__} has no {kind} '{target}'")

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call fn on every submodule (children first) and on this module; returns self."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # -- modes and gradients -----------------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        """Set training mode (Dropout active, BatchNorm uses batch statistics) on every module."""
        for module in self.modules():
            module.training = bool(mode)
        return self

    def eval(self) -> Module:
        """Set evaluation mode: the same as `train(False)`."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Switch gradient tracking of every parameter on or off (freezing), in place; returns
        self. Frozen parameters stay in parameters() and state_dict(), as in torch."""
        check_flag(requires_grad, "requires_grad_", "requires_grad")
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's gradient: to None (the default, as in torch), or to zeros
        in place with `set_to_none=False`."""
        for p in self.parameters():
            p.zero_grad(set_to_none)

    def to_backend(self, name: str | None = None) -> Module:
        """Move every parameter (and buffer) to another backend in place; see `match.accel`.

        Optimizers keep their own state: create them after moving the model.
        """
        for p in self.parameters():
            p.data = p.data.to_backend(name)
            if p._grad is not None:
                p.grad = p._grad.to_backend(name)
        for module in self.modules():
            for buffer_name in module.__dict__.get("_buffer_names", []):
                value = getattr(module, buffer_name)
                if value is not None:
                    setattr(module, buffer_name, value.to_backend(name))
        return self

    def to(self, *args: Any, **kwargs: Any) -> Module:
        """torch's `model.to(device)`/`to(dtype)`, for porting: a backend name ('python',
        'numpy', 'cupy', also as `device=`) moves the model with `to_backend`; anything else
        (a device such as 'cpu' or 'cuda', a dtype) changes nothing, since Match is always
        float64 and runs where its backend runs. Returns self."""
        for value in (*args, kwargs.get("device")):
            if isinstance(value, str) and value.strip().lower() in BACKENDS:
                self.to_backend(value)
        return self

    def double(self) -> Module:
        """Returns self: Match is always float64."""
        return self

    def float(self) -> Module:
        """Returns self: Match is always float64 (torch's float32 is not available)."""
        return self

    def cpu(self) -> Module:
        """Returns self (devices are chosen with backends; see `to`)."""
        return self

    # -- state -------------------------------------------------------------------------------
    def _state_entries(self) -> OrderedDict[str, tuple[Any, str]]:
        """name -> (parameter, '') or (module, buffer attribute), in torch's state_dict order."""
        entries: OrderedDict[str, tuple[Any, str]] = OrderedDict()
        for mod_prefix, module in self.named_modules(remove_duplicate=False):
            dot = f"{mod_prefix}." if mod_prefix else ""
            for name, value in module._direct():
                if not isinstance(value, Module):
                    entries[dot + name] = (value, "")
            transient = module.__dict__.get("_non_persistent_buffers", set())
            for name in module.__dict__.get("_buffer_names", []):
                if getattr(module, name) is not None and name not in transient:
                    entries[dot + name] = (module, name)
        return entries

    def state_dict(self) -> OrderedDict[str, list[list[float]]]:
        """Every parameter and buffer as plain nested lists of floats, under torch's names.

        The result is JSON-ready (see `match.save`), and `torch.tensor(value)` accepts every
        value; reshape the (1, n) biases to torch's (n,) to load it into a torch model.
        """
        out: OrderedDict[str, list[list[float]]] = OrderedDict()
        for key, (owner, attr) in self._state_entries().items():
            out[key] = _values(owner, attr).tolist()
        return out

    def load_state_dict(self, state_dict: Any, strict: bool = True) -> IncompatibleKeys:
        """Copy values from `state_dict` (nested lists, List2D, Matrix or torch tensors).

        Every key and shape is checked before anything changes: on a missing or unexpected key
        (when strict) or a wrong shape a StateDictError (a ValueError) names the key and the
        shapes, and the model is left unchanged. Returns the missing and unexpected keys.
        """
        if not hasattr(state_dict, "items"):
            raise _NotAStateDict(
                f"load_state_dict: expected a dict, got {type(state_dict).__name__}"
            )
        entries = self._state_entries()
        missing = [  # BatchNorm's counter may be absent (kept as is), as torch allows
            k for k in entries if k not in state_dict and not k.endswith("num_batches_tracked")
        ]
        unexpected = [k for k in state_dict if k not in entries]
        problems = []
        if strict and missing:
            problems.append(f"missing keys {missing}")
        if strict and unexpected:
            problems.append(f"unexpected keys {unexpected}")
        new_values = []
        for key, (owner, attr) in entries.items():
            if key not in state_dict:
                continue
            target = _values(owner, attr)
            try:
                rows = _rows_for(state_dict[key], target.shape, key)
            except StateDictError as e:
                problems.append(str(e).removeprefix("load_state_dict: "))
                continue
            new_values.append((target, rows))
        if problems:
            raise StateDictError(
                f"load_state_dict for {type(self).__name__}: " + "; ".join(problems)
            )
        news = [(target, constant(rows, target)) for target, rows in new_values]
        # All or nothing, even if interrupted (Ctrl-C) half way: copy_ gives each target new
        # storage, so its old storage is intact and is put back (set_, no copy) on the way out.
        olds = [List2D.wrap(target.vals, target.kernels) for target, _ in news]
        try:
            for target, new in news:
                target.copy_(new)
        except BaseException:
            for (target, _), old in zip(news, olds):
                target.set_(old)
            raise
        return IncompatibleKeys(missing, unexpected)

    # -- printing ----------------------------------------------------------------------------
    def extra_repr(self) -> str:
        """The constructor arguments shown in repr (empty by default)."""
        return ""

    def __repr__(self) -> str:
        """The module tree, printed as torch prints it."""
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [
            f"({name}): " + _indent(repr(child), 2) for name, child in self.named_children()
        ]
        lines = extra_lines + child_lines
        if len(extra_lines) == 1 and not child_lines:
            body = extra_lines[0]
        elif lines:
            body = "\n  " + "\n  ".join(lines) + "\n"
        else:
            body = ""
        return f"{type(self).__name__}({body})"


__all__ = ["IncompatibleKeys", "Module", "Parameter", "RemovableHandle", "StateDictError"]
