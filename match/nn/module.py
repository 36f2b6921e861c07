"""`Module`, the base of every layer and model, and the two plain containers.

A Module finds its parameters by looking at its attributes, so a model is written as ordinary
Python (`self.fc = Linear(3, 4)`) and still gets torch's dotted names (`fc.weight`,
`layers.0.bias`) and torch's state-dict order. Those names are the contract that lets weights move
between Match and torch: `state_dict()` gives plain nested lists under them, and
`load_state_dict` checks every key and shape before it changes anything.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

from ..list2d import List2D
from ..matrix import Matrix
from .functional import constant


class StateDictError(ValueError, RuntimeError):
    """A state dict that does not fit the model (missing or unexpected keys, wrong shapes).

    It is both a ValueError and a RuntimeError (what torch raises), so either `except` works.
    """


class IncompatibleKeys(NamedTuple):
    """What `load_state_dict(strict=False)` skipped, as in torch."""

    missing_keys: list[str]
    unexpected_keys: list[str]


def _is_parameter(value: Any) -> bool:
    """A parameter is a leaf Matrix that tracks gradients."""
    return isinstance(value, Matrix) and value.requires_grad and value.is_leaf


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
        if isinstance(value, (int, float)) and not isinstance(value, bool):
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

    Parameters are found automatically: every attribute that is a leaf Matrix tracking gradients,
    a Module, or a list/tuple/dict of them. Names are torch-style dotted paths (`0.weight`,
    `encoder.layers.1.bias`); like torch, a module's own parameters come before its children's,
    each group in the order the attributes were set. Buffers (non-trained state such as
    BatchNorm's running statistics) are List2D attributes declared with `register_buffer`.

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

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Run forward."""
        return self.forward(*args, **kwargs)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The computation; every subclass defines it."""
        raise NotImplementedError(f"{type(self).__name__} does not define forward")

    # -- registration ------------------------------------------------------------------------
    def add_module(self, name: str, module: Module | None) -> None:
        """Attach a child module under `name` (any string, e.g. '0' as Sequential does)."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: {type(module).__name__} is not a Module")
        setattr(self, name, module)

    def register_buffer(self, name: str, value: List2D | None) -> None:
        """Keep `value` (a List2D, or None) as state that is saved but not trained."""
        if value is not None and not isinstance(value, List2D):
            raise TypeError(
                f"register_buffer: '{name}' must be a List2D or None, got {type(value).__name__}"
            )
        names = self.__dict__.setdefault("_buffer_names", [])
        if name not in names:
            names.append(name)
        setattr(self, name, value)

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
        """(dotted name, buffer) for every buffer that is not None."""
        for mod_prefix, module in self.named_modules(prefix=prefix):
            for name in module.__dict__.get("_buffer_names", []):
                value = getattr(module, name)
                if value is not None:
                    yield (f"{mod_prefix}.{name}" if mod_prefix else name), value

    def buffers(self) -> list[List2D]:
        """All buffers."""
        return [b for _, b in self.named_buffers()]

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

    # -- state -------------------------------------------------------------------------------
    def _state_entries(self) -> OrderedDict[str, tuple[Any, str]]:
        """name -> (parameter, '') or (module, buffer attribute), in torch's state_dict order."""
        entries: OrderedDict[str, tuple[Any, str]] = OrderedDict()
        for mod_prefix, module in self.named_modules(remove_duplicate=False):
            dot = f"{mod_prefix}." if mod_prefix else ""
            for name, value in module._direct():
                if not isinstance(value, Module):
                    entries[dot + name] = (value, "")
            for name in module.__dict__.get("_buffer_names", []):
                if getattr(module, name) is not None:
                    entries[dot + name] = (module, name)
        return entries

    def state_dict(self) -> OrderedDict[str, list[list[float]]]:
        """Every parameter and buffer as plain nested lists of floats, under torch's names.

        The result is JSON-ready (see `match.save`), and `torch.tensor(value)` accepts every
        value; reshape the (1, n) biases to torch's (n,) to load it into a torch model.
        """
        out: OrderedDict[str, list[list[float]]] = OrderedDict()
        for key, (owner, attr) in self._state_entries().items():
            out[key] = getattr(owner, attr).tolist() if attr else owner.data.tolist()
        return out

    def load_state_dict(self, state_dict: Any, strict: bool = True) -> IncompatibleKeys:
        """Copy values from `state_dict` (nested lists, List2D, Matrix or torch tensors).

        Every key and shape is checked before anything changes: on a missing or unexpected key
        (when strict) or a wrong shape a StateDictError (a ValueError) names the key and the
        shapes, and the model is left unchanged. Returns the missing and unexpected keys.
        """
        if not hasattr(state_dict, "items"):
            raise StateDictError(
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
            target = getattr(owner, attr) if attr else owner.data
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
        for target, rows in new_values:
            target.copy_(constant(rows, target))
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


# ---------------------------------------------------------------------------------------------
# Containers
# ---------------------------------------------------------------------------------------------


class Sequential(Module):
    """Modules applied one after another. `Sequential(a, b)` names them '0', '1' (so its state
    dict has '0.weight', ...); `Sequential(OrderedDict(name=module, ...))` keeps the names."""

    def __init__(self, *modules: Module | dict[str, Module]) -> None:
        """Add the modules in order."""
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], dict):
            for name, module in modules[0].items():
                self.add_module(str(name), module)
        else:
            for i, module in enumerate(modules):
                self.add_module(str(i), module)

    def _layers(self) -> list[Module]:
        return [v for v in vars(self).values() if isinstance(v, Module)]

    def forward(self, x: Any) -> Any:
        """Pass x through every module in order."""
        for module in self._layers():
            x = module(x)
        return x

    def __getitem__(self, index: int | slice) -> Any:
        """The module at index, or a Sequential of a slice (keeping names)."""
        items = [(k, v) for k, v in vars(self).items() if isinstance(v, Module)]
        if isinstance(index, slice):
            return Sequential(OrderedDict(items[index]))
        return items[index][1]

    def __len__(self) -> int:
        """Number of modules."""
        return len(self._layers())

    def __iter__(self) -> Iterator[Module]:
        """The modules in order."""
        return iter(self._layers())

    def append(self, module: Module) -> Sequential:
        """Add a module at the end."""
        self.add_module(str(len(self)), module)
        return self


class Identity(Module):
    """Returns its input unchanged (a placeholder layer)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Any arguments are accepted and ignored, as in torch."""
        super().__init__()

    def forward(self, x: Matrix) -> Matrix:
        """x."""
        return x


__all__ = ["IncompatibleKeys", "Identity", "Module", "Sequential", "StateDictError"]
