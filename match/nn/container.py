"""The containers, with torch.nn's names: `Sequential`, `ModuleList`, `ModuleDict`,
`ParameterList`, and the two shape-keeping layers `Identity` and `Flatten`.

A container keeps its items as ordinary attributes named '0', '1', ... (or by key), so `Module`
finds and names them with no special case: `layers.0.weight`, as in torch's state dicts.
Changing a list (insert, delete) renumbers the attributes so the names stay 0, 1, 2, ...
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator
from typing import Any

from ..checks import check_int, is_int
from ..list2d import List2D
from ..matrix import Matrix
from .module import Module, Parameter


class _Numbered(Module):
    """Shared list behaviour of Sequential, ModuleList and ParameterList: the items are the
    attributes that `_is_item` accepts, in the order they were set."""

    def __init__(self, items: Iterable[Any] | None = None) -> None:
        """The items, in order (none by default)."""
        super().__init__()
        if items is not None:
            if not isinstance(items, Iterable) or isinstance(items, (Module, Matrix)):
                raise TypeError(
                    f"{type(self).__name__}: expected an iterable of items (a list), got "
                    f"{type(items).__name__}"
                )
            self.extend(items)

    def _is_item(self, value: Any) -> bool:
        return isinstance(value, Module)

    def _entries(self) -> list[tuple[str, Any]]:
        return [(k, v) for k, v in vars(self).items() if self._is_item(v)]

    def _from_entries(self, entries: list[tuple[str, Any]]) -> _Numbered:
        """A container of the same kind holding entries (a slice): renumbered from 0."""
        return type(self)([v for _, v in entries])

    def _position(self, index: Any, who: str, size: int | None = None) -> int:
        """index as a position in [0, size) (negative counts from the end)."""
        n = len(self) if size is None else size
        if not is_int(index):
            raise TypeError(f"{who}: index must be an int or a slice, got {type(index).__name__}")
        if not -n <= index < n:
            raise IndexError(f"{who}: index {index} is out of range for {n} items")
        return index % n

    def _renumber(self, items: list[Any]) -> None:
        """Set items as attributes '0', '1', ... (after removing the current ones)."""
        for key, _ in self._entries():
            delattr(self, key)
        for i, item in enumerate(items):
            setattr(self, str(i), item)

    def __len__(self) -> int:
        """Number of items."""
        return len(self._entries())

    def __iter__(self) -> Iterator[Any]:
        """The items in order."""
        return iter([v for _, v in self._entries()])

    def __getitem__(self, index: int | slice) -> Any:
        """The item at index, or a container of the same kind holding a slice."""
        entries = self._entries()
        if isinstance(index, slice):
            return self._from_entries(entries[index])
        return entries[self._position(index, type(self).__name__, len(entries))][1]

    def __setitem__(self, index: int, value: Any) -> None:
        """Replace the item at index."""
        key = self._entries()[self._position(index, type(self).__name__)][0]
        setattr(self, key, self._checked(value, type(self).__name__))

    def __delitem__(self, index: int | slice) -> None:
        """Remove the item(s) at index; the rest are renumbered from 0."""
        items = [v for _, v in self._entries()]
        if isinstance(index, slice):
            del items[index]
        else:
            del items[self._position(index, type(self).__name__, len(items))]
        self._renumber(items)

    def _checked(self, value: Any, who: str) -> Any:
        """value as an item (a Module here; ParameterList makes Parameters)."""
        if not isinstance(value, Module):
            raise TypeError(f"{who}: {type(value).__name__} is not a Module")
        return value

    def append(self, value: Any) -> _Numbered:
        """Add an item at the end; returns self."""
        setattr(self, str(len(self)), self._checked(value, f"{type(self).__name__}.append"))
        return self

    def extend(self, values: Iterable[Any]) -> _Numbered:
        """Add every item of values at the end; returns self. Nothing is added if one fails."""
        who = f"{type(self).__name__}.extend"
        checked = [self._checked(v, who) for v in values]
        for value in checked:
            self.append(value)
        return self

    def insert(self, index: int, value: Any) -> None:
        """Put an item before position index; the later ones are renumbered."""
        who = f"{type(self).__name__}.insert"
        items = [v for _, v in self._entries()]
        items.insert(index, self._checked(value, who))
        self._renumber(items)


class Sequential(_Numbered):
    """Modules applied one after another. `Sequential(a, b)` names them '0', '1' (so its state
    dict has '0.weight', ...); `Sequential(OrderedDict(name=module, ...))` keeps the names."""

    def __init__(self, *modules: Module | dict[str, Module]) -> None:
        """Add the modules in order."""
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], dict):
            named = list(modules[0].items())
        else:
            named = [(str(i), module) for i, module in enumerate(modules)]
        for name, module in named:
            if not isinstance(module, Module):
                raise TypeError(
                    f"Sequential: item {name!r} is a {type(module).__name__}, not a Module"
                )
        for name, module in named:
            self.add_module(str(name), module)

    def _from_entries(self, entries: list[tuple[str, Any]]) -> Sequential:
        """A slice keeps the names, as in torch."""
        return Sequential(OrderedDict(entries))

    def forward(self, x: Any) -> Any:
        """Pass x through every module in order."""
        for value in vars(self).values():  # attributes keep the order they were set in
            if isinstance(value, Module):
                x = value(x)
        return x


class ModuleList(_Numbered):
    """A list of modules whose parameters the owner finds (`layers.0.weight`, ...): a plain
    Python list works in Match too, but ModuleList is torch's spelling and has its methods."""

    def __iadd__(self, modules: Iterable[Module]) -> ModuleList:
        """`layers += [...]`: extend."""
        self.extend(modules)
        return self


class ParameterList(_Numbered):
    """A list of Parameters whose owner registers them ('0', '1', ... under its name). Each item
    becomes a Parameter (a Matrix's values are shared, as `Parameter(m)` does)."""

    def _is_item(self, value: Any) -> bool:
        return isinstance(value, Parameter)

    def _checked(self, value: Any, who: str) -> Parameter:
        if isinstance(value, Parameter):
            return value
        if not isinstance(value, (Matrix, List2D)):
            raise TypeError(f"{who}: expected a Matrix or Parameter, got {type(value).__name__}")
        return Parameter(value)

    def extra_repr(self) -> str:
        """One line per parameter, as torch prints them."""
        return "\n".join(
            f"({k}): Parameter containing: [float64 of size {v.nrow}x{v.ncol}]"
            for k, v in self._entries()
        )


class ModuleDict(Module):
    """Modules by name, in insertion order; the owner finds them as `name.key.weight`."""

    def __init__(self, modules: Any = None) -> None:
        """A dict (or iterable of (key, module) pairs) of modules (empty by default)."""
        super().__init__()
        if modules is not None:
            self.update(modules)

    def _check_key(self, key: Any, who: str) -> str:
        if not isinstance(key, str):
            raise TypeError(f"{who}: keys must be str, got {type(key).__name__}")
        if not key or "." in key:
            raise ValueError(f"{who}: a key must be non-empty and contain no '.', got {key!r}")
        taken = key in self.__dict__ and not isinstance(self.__dict__[key], Module)
        if taken or (key not in self.__dict__ and hasattr(self, key)):
            raise ValueError(f"{who}: key {key!r} would hide ModuleDict's attribute of that name")
        return key

    def _items(self) -> list[tuple[str, Module]]:
        return [(k, v) for k, v in vars(self).items() if isinstance(v, Module)]

    def __getitem__(self, key: str) -> Module:
        """The module under key (KeyError if there is none, as in a dict)."""
        value = self.__dict__.get(key) if isinstance(key, str) else None
        if not isinstance(value, Module):
            raise KeyError(key)
        return value

    def __setitem__(self, key: str, module: Module) -> None:
        """Add or replace the module under key."""
        self._check_key(key, "ModuleDict")
        if not isinstance(module, Module):
            raise TypeError(
                f"ModuleDict: value for {key!r} is a {type(module).__name__}, not a Module"
            )
        setattr(self, key, module)

    def __delitem__(self, key: str) -> None:
        """Remove the module under key."""
        self[key]  # noqa: B018  (KeyError when absent)
        delattr(self, key)

    def __len__(self) -> int:
        """Number of modules."""
        return len(self._items())

    def __iter__(self) -> Iterator[str]:
        """The keys, in order."""
        return iter([k for k, _ in self._items()])

    def __contains__(self, key: object) -> bool:
        """Whether key names a module here."""
        return isinstance(key, str) and isinstance(self.__dict__.get(key), Module)

    def keys(self) -> list[str]:
        """The keys, in order."""
        return [k for k, _ in self._items()]

    def values(self) -> list[Module]:
        """The modules, in order."""
        return [v for _, v in self._items()]

    def items(self) -> list[tuple[str, Module]]:
        """(key, module) pairs, in order."""
        return self._items()

    def pop(self, key: str) -> Module:
        """Remove the module under key and return it."""
        module = self[key]
        delattr(self, key)
        return module

    def clear(self) -> None:
        """Remove every module."""
        for key in self.keys():
            delattr(self, key)

    def update(self, modules: Any) -> None:
        """Add (key, module) pairs from a dict or an iterable of pairs; nothing is added if one
        of them is bad."""
        if isinstance(modules, (dict, ModuleDict)):
            pairs = list(modules.items())
        elif isinstance(modules, Iterable) and not isinstance(modules, (str, Module)):
            pairs = [tuple(pair) for pair in modules]
        else:
            raise TypeError(
                f"ModuleDict: expected a dict or (key, module) pairs, got {type(modules).__name__}"
            )
        for pair in pairs:
            if len(pair) != 2:
                raise ValueError(f"ModuleDict: expected (key, module) pairs, got {pair!r}")
            self._check_key(pair[0], "ModuleDict")
            if not isinstance(pair[1], Module):
                raise TypeError(
                    f"ModuleDict: value for {pair[0]!r} is a {type(pair[1]).__name__}, not a Module"
                )
        for key, module in pairs:
            setattr(self, key, module)


class Identity(Module):
    """Returns its input unchanged (a placeholder layer)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Any arguments are accepted and ignored, as in torch."""
        super().__init__()

    def forward(self, x: Matrix) -> Matrix:
        """x."""
        return x


class Flatten(Module):
    """torch's Flatten(start_dim=1, end_dim=-1) for Match's 2D matrices: an (N, F) input is
    already flat per example, so the default returns it unchanged; start_dim=0 flattens
    everything into one (1, N * F) row (torch gives a 1D tensor of N * F there)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        """start_dim 1 (default, the identity on (N, F)) or 0 (everything in one row); end_dim
        must be the last dim (-1 or 1)."""
        super().__init__()
        start_dim = check_int(start_dim, "Flatten", "start_dim")
        end_dim = check_int(end_dim, "Flatten", "end_dim")
        if start_dim not in (0, 1, -1, -2) or end_dim not in (1, -1):
            raise ValueError(
                f"Flatten: Match is 2D: start_dim must be 0 or 1 and end_dim -1, got "
                f"start_dim={start_dim}, end_dim={end_dim}"
            )
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, x: Matrix) -> Matrix:
        """x itself (start_dim 1), or x.flatten(), a (1, N * F) row (start_dim 0)."""
        if not isinstance(x, Matrix):
            raise TypeError(f"Flatten: expected a Matrix, got {type(x).__name__}")
        return x.flatten() if self.start_dim % 2 == 0 else x

    def extra_repr(self) -> str:
        """The dims, as torch prints them."""
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


__all__ = ["Flatten", "Identity", "ModuleDict", "ModuleList", "ParameterList", "Sequential"]
