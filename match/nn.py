"""Neural-network building blocks made from Matrix operations, with torch.nn's names and numbers.

Everything works on 2D matrices: rows are examples, columns are features. Each layer has the
same constructor arguments, defaults, default initialisation and parameter names as its
`torch.nn` counterpart, so that weights move between Match and torch with `state_dict()` (reshape
the (1, n) biases to torch's (n,)).

Modules
    `Module` (the base class), `Sequential`, `Identity`, `Linear`, `ReLU`, `LeakyReLU`,
    `Sigmoid`, `Tanh`, `Softmax`, `LogSoftmax`, `Dropout`, `Embedding`, `LayerNorm`,
    `BatchNorm1d`, `RNNCell`, `GRUCell`, `LSTMCell`, `SelfAttention`.
Losses
    `MSELoss`, `L1Loss`, `HuberLoss`, `SmoothL1Loss`, `BCELoss`, `BCEWithLogitsLoss`,
    `CrossEntropyLoss`, `NLLLoss` (the math is in `match.nn.functional`).
Utilities
    `nn.utils.clip_grad_norm_`, `nn.utils.clip_grad_value_` (`utils` is a small namespace
    object, so `match.nn.utils.clip_grad_norm_(...)` reads as in torch), `summary`.

Random initialisation draws from `match.list2d.rng()`, so `match.manual_seed` makes it repeat.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from types import SimpleNamespace
from typing import Any, NamedTuple

from . import functional
from .functional import REDUCTIONS, as_matrix, class_indices, constant
from .list2d import List2D, rng
from .matrix import Matrix

# ---------------------------------------------------------------------------------------------
# Module
# ---------------------------------------------------------------------------------------------


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

    def zero_grad(self) -> None:
        """Reset every parameter's gradient."""
        for p in self.parameters():
            p.zero_grad()

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
        missing = [k for k in entries if k not in state_dict]
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
# Containers and simple layers
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


def _uniform(nrow: int, ncol: int, bound: float) -> Matrix:
    """A parameter with values from uniform(-bound, bound), drawn from the library's rng."""
    r = rng()
    rows = [[r.uniform(-bound, bound) for _ in range(ncol)] for _ in range(nrow)]
    return Matrix(List2D.from_2d_list(rows))


def _normal(nrow: int, ncol: int) -> Matrix:
    """A parameter with values from N(0, 1), drawn from the library's rng."""
    r = rng()
    return Matrix(
        List2D.from_2d_list([[r.gauss(0.0, 1.0) for _ in range(ncol)] for _ in range(nrow)])
    )


def _input(x: Any, who: str) -> Matrix:
    """A Matrix input; a List2D or nested lists become a constant Matrix."""
    return x if isinstance(x, Matrix) else as_matrix(x, who)


class Linear(Module):
    """y = x W^T + b, with weight (out_features, in_features) and bias (1, out_features).

    Initialised as torch does (kaiming_uniform with a=sqrt(5)): weight and bias both from
    uniform(-1/sqrt(in_features), 1/sqrt(in_features)). `W` and `b` are aliases of `weight` and
    `bias` (the original Match names).
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True) -> None:
        """Create the weight (and bias) with torch's default initialisation."""
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        bound = 1.0 / math.sqrt(in_features)
        self.weight = _uniform(out_features, in_features, bound)
        self.bias: Matrix | None = _uniform(1, out_features, bound) if bias else None

    @property
    def W(self) -> Matrix:
        """Alias of `weight` (out_features, in_features)."""
        return self.weight

    @W.setter
    def W(self, value: Matrix) -> None:
        self.weight = value

    @property
    def b(self) -> Matrix | None:
        """Alias of `bias` (1, out_features)."""
        return self.bias

    @b.setter
    def b(self, value: Matrix | None) -> None:
        self.bias = value

    def forward(self, x: Matrix) -> Matrix:
        """x (N, in_features) -> (N, out_features), with the fused `x.linear(weight, bias)`."""
        x = _input(x, "Linear")
        if x.ncol != self.in_features:
            raise ValueError(
                f"Linear: expected {self.in_features} input features, got input of shape {x.shape}"
            )
        return x.linear(self.weight, self.bias)

    def extra_repr(self) -> str:
        """Sizes and bias flag."""
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


class ReLU(Module):
    """max(x, 0), elementwise."""

    def forward(self, x: Matrix) -> Matrix:
        """relu(x)."""
        return x.relu()


class LeakyReLU(Module):
    """x where x > 0, else negative_slope * x."""

    def __init__(self, negative_slope: float = 0.01) -> None:
        """Slope for negative inputs (torch's default 0.01)."""
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x: Matrix) -> Matrix:
        """leaky_relu(x)."""
        return x.leaky_relu(self.negative_slope)

    def extra_repr(self) -> str:
        """The slope."""
        return f"negative_slope={self.negative_slope}"


class Sigmoid(Module):
    """1 / (1 + e^-x), elementwise."""

    def forward(self, x: Matrix) -> Matrix:
        """sigmoid(x)."""
        return x.sigmoid()


class Tanh(Module):
    """Hyperbolic tangent, elementwise."""

    def forward(self, x: Matrix) -> Matrix:
        """tanh(x)."""
        return x.tanh()


class _AlongDim(Module):
    """A layer that works along one dim (dim=None means 1, torch's choice for 2D input)."""

    def __init__(self, dim: int | None = None) -> None:
        """dim=1: along each row; dim=0: along each column."""
        super().__init__()
        self.dim = dim

    def extra_repr(self) -> str:
        """The dim."""
        return f"dim={self.dim}"


class Softmax(_AlongDim):
    """exp(x) / sum(exp(x)) along dim (dim=None means 1, torch's choice for 2D input)."""

    def forward(self, x: Matrix) -> Matrix:
        """softmax(x, dim)."""
        return x.softmax(1 if self.dim is None else self.dim)


class LogSoftmax(_AlongDim):
    """log(softmax(x)) along dim, computed stably (dim=None means 1)."""

    def forward(self, x: Matrix) -> Matrix:
        """log_softmax(x, dim)."""
        return x.log_softmax(1 if self.dim is None else self.dim)


class Dropout(Module):
    """In training, zero each element with probability p and scale the rest by 1 / (1 - p);
    in eval mode, the identity. The mask comes from `match.list2d.rng()`, so `manual_seed`
    makes it repeat."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        """p: the probability of zeroing an element (`inplace` is accepted for torch's sake;
        Match always returns a new matrix)."""
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: p must be between 0 and 1, got {p}")
        self.p = p
        self.inplace = inplace

    def forward(self, x: Matrix) -> Matrix:
        """x * mask / (1 - p) in training, x in eval mode."""
        if not self.training or self.p == 0.0:
            return x
        if self.p == 1.0:
            return x * 0.0
        keep, scale, draw = 1.0 - self.p, 1.0 / (1.0 - self.p), rng().random
        rows = [[scale if draw() < keep else 0.0 for _ in range(x.ncol)] for _ in range(x.nrow)]
        return x * constant(rows, x.data)

    def extra_repr(self) -> str:
        """p and inplace, as torch prints them."""
        return f"p={self.p}, inplace={self.inplace}"


class Embedding(Module):
    """A lookup table: index i gives row i of weight (num_embeddings, embedding_dim), which
    starts as N(0, 1) as in torch. Input: a list of ints or an (N, 1) Matrix of indices;
    output: (N, embedding_dim). Built on the gather op `weight[list]`, so repeated indices add
    their gradients."""

    def __init__(self, num_embeddings: int, embedding_dim: int) -> None:
        """Create the table."""
        super().__init__()
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.weight = _normal(num_embeddings, embedding_dim)

    def forward(self, indices: Any) -> Matrix:
        """The rows of weight picked by indices."""
        idx = class_indices(indices, len(indices), self.num_embeddings, "Embedding")
        return self.weight[idx]

    def extra_repr(self) -> str:
        """Sizes."""
        return f"{self.num_embeddings}, {self.embedding_dim}"


def _features(shape: Any, who: str) -> int:
    if isinstance(shape, (list, tuple)):
        if len(shape) != 1:
            raise ValueError(
                f"{who}: only the last dimension can be normalised in 2D, got {tuple(shape)}"
            )
        shape = shape[0]
    return int(shape)


class LayerNorm(Module):
    """Normalise each row to mean 0 and variance 1 (biased variance, eps added), then scale and
    shift by weight and bias, both (1, features), starting at 1 and 0."""

    def __init__(
        self,
        normalized_shape: int | tuple[int],
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
    ) -> None:
        """normalized_shape: the number of features (columns)."""
        super().__init__()
        self.normalized_shape = (_features(normalized_shape, "LayerNorm"),)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        n = self.normalized_shape[0]
        self.weight = Matrix(List2D.ones(1, n)) if elementwise_affine else None
        self.bias = Matrix(List2D.zeros(1, n)) if elementwise_affine and bias else None

    def forward(self, x: Matrix) -> Matrix:
        """(x - mean) / sqrt(var + eps) * weight + bias, per row."""
        if x.ncol != self.normalized_shape[0]:
            raise ValueError(
                f"LayerNorm: expected {self.normalized_shape[0]} features, got "
                f"input of shape {x.shape}"
            )
        centred = x - x.mean(1)
        y = centred / ((centred * centred).mean(1) + self.eps).sqrt()
        if self.weight is not None:
            y = y * self.weight
        if self.bias is not None:
            y = y + self.bias
        return y

    def extra_repr(self) -> str:
        """Shape, eps, affine flag."""
        return (
            f"{self.normalized_shape}, eps={self.eps}, "
            f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}"
        )


class BatchNorm1d(Module):
    """Normalise each column over the batch, then scale and shift by weight and bias (1, F).

    In training it uses the batch mean and biased variance, and updates the buffers
    running_mean and running_var (the unbiased variance) with
    `running = (1 - momentum) * running + momentum * batch` (momentum=None: a cumulative
    average); in eval mode it uses the running statistics. Buffers: running_mean (1, F),
    running_var (1, F), num_batches_tracked (1, 1), as in torch's state dict.
    """

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        *,
        bias: bool = True,
    ) -> None:
        """Create weight 1, bias 0 (bias=False: none), running_mean 0, running_var 1."""
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        self.weight = Matrix(List2D.ones(1, num_features)) if affine else None
        self.bias = Matrix(List2D.zeros(1, num_features)) if affine and bias else None
        tracking = track_running_stats
        self.register_buffer("running_mean", List2D.zeros(1, num_features) if tracking else None)
        self.register_buffer("running_var", List2D.ones(1, num_features) if tracking else None)
        self.register_buffer("num_batches_tracked", List2D.zeros(1, 1) if tracking else None)

    def forward(self, x: Matrix) -> Matrix:
        """Normalise x (N, num_features) per column."""
        if x.ncol != self.num_features:
            raise ValueError(
                f"BatchNorm1d: expected {self.num_features} features, got input of shape {x.shape}"
            )
        if self.training or not self.track_running_stats:
            n = x.nrow
            if self.training and n < 2:
                raise ValueError(
                    f"BatchNorm1d: expected more than 1 value per channel when "
                    f"training, got input of shape {x.shape}"
                )
            mean = x.mean(0)
            centred = x - mean
            var = (centred * centred).mean(0)
            y = centred / (var + self.eps).sqrt()
            if self.training and self.track_running_stats:
                self.num_batches_tracked = self.num_batches_tracked + 1.0
                f = (
                    1.0 / self.num_batches_tracked.item()
                    if self.momentum is None
                    else self.momentum
                )
                self.running_mean = f * mean.data + (1.0 - f) * self.running_mean
                self.running_var = f * (var.data * (n / (n - 1))) + (1.0 - f) * self.running_var
        else:
            y = (x - self.running_mean) / (self.running_var + self.eps).sqrt()
        if self.weight is not None:
            y = y * self.weight
        if self.bias is not None:
            y = y + self.bias
        return y

    def extra_repr(self) -> str:
        """Settings."""
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, bias={self.bias is not None or not self.affine}, "
            f"track_running_stats={self.track_running_stats}"
        )


# ---------------------------------------------------------------------------------------------
# Recurrent cells (one time step on a (batch, features) matrix)
# ---------------------------------------------------------------------------------------------


class _CellBase(Module):
    """Shared setup: weight_ih (gates*H, in), weight_hh (gates*H, H), bias_ih and bias_hh
    (1, gates*H), all from uniform(-1/sqrt(H), 1/sqrt(H)) in that order, as torch does."""

    gates = 1

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True) -> None:
        """Create the four parameters (two without bias) with torch's initialisation."""
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        k = self.gates * hidden_size
        bound = 1.0 / math.sqrt(hidden_size)
        self.weight_ih = _uniform(k, input_size, bound)
        self.weight_hh = _uniform(k, hidden_size, bound)
        self.bias_ih = _uniform(1, k, bound) if bias else None
        self.bias_hh = _uniform(1, k, bound) if bias else None

    def _zeros(self, x: Matrix) -> Matrix:
        """The default state: zeros of (batch, hidden_size), tracking no gradient."""
        return Matrix(
            constant([[0.0] * self.hidden_size for _ in range(x.nrow)], x.data), requires_grad=False
        )

    def _check(self, x: Matrix, h: Matrix) -> None:
        if x.ncol != self.input_size:
            raise ValueError(
                f"{type(self).__name__}: expected {self.input_size} input features, "
                f"got input of shape {x.shape}"
            )
        if h.shape != (x.nrow, self.hidden_size):
            raise ValueError(
                f"{type(self).__name__}: hidden state has shape {h.shape}, expected "
                f"{(x.nrow, self.hidden_size)}"
            )

    def _gates(self, x: Matrix, h: Matrix) -> tuple[Matrix, Matrix]:
        return x.linear(self.weight_ih, self.bias_ih), h.linear(self.weight_hh, self.bias_hh)

    def extra_repr(self) -> str:
        """Sizes."""
        extra = "" if self.bias_ih is not None else ", bias=False"
        return f"{self.input_size}, {self.hidden_size}{extra}"


class RNNCell(_CellBase):
    """h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu with nonlinearity='relu')."""

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh"
    ) -> None:
        """Create the weights as torch.nn.RNNCell does."""
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(
                f"RNNCell: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}"
            )
        super().__init__(input_size, hidden_size, bias)
        self.nonlinearity = nonlinearity

    def extra_repr(self) -> str:
        """Sizes (and the nonlinearity when it is not tanh)."""
        extra = super().extra_repr()
        if self.nonlinearity == "tanh":
            return extra
        return f"{extra}, nonlinearity={self.nonlinearity}"

    def forward(self, x: Matrix, h: Matrix | None = None) -> Matrix:
        """One step: x (N, input_size), h (N, hidden_size) or None for zeros -> h'."""
        h = self._zeros(x) if h is None else h
        self._check(x, h)
        gi, gh = self._gates(x, h)
        pre = gi + gh
        return pre.tanh() if self.nonlinearity == "tanh" else pre.relu()


class GRUCell(_CellBase):
    """Torch's GRU cell, gates in the order r, z, n:
    r = sigmoid(x W_ir + b_ir + h W_hr + b_hr), z likewise,
    n = tanh(x W_in + b_in + r * (h W_hn + b_hn)), h' = (1 - z) * n + z * h."""

    gates = 3

    def forward(self, x: Matrix, h: Matrix | None = None) -> Matrix:
        """One step -> h'."""
        h = self._zeros(x) if h is None else h
        self._check(x, h)
        gi, gh = self._gates(x, h)
        H = self.hidden_size
        r = (gi[:, 0:H] + gh[:, 0:H]).sigmoid()
        z = (gi[:, H : 2 * H] + gh[:, H : 2 * H]).sigmoid()
        n = (gi[:, 2 * H :] + r * gh[:, 2 * H :]).tanh()
        return n + z * (h - n)


class LSTMCell(_CellBase):
    """Torch's LSTM cell, gates in the order i, f, g, o:
    c' = f * c + i * g, h' = o * tanh(c'), with i, f, o sigmoids and g a tanh."""

    gates = 4

    def forward(self, x: Matrix, hx: tuple[Matrix, Matrix] | None = None) -> tuple[Matrix, Matrix]:
        """One step: hx = (h, c) or None for zeros -> (h', c')."""
        h, c = (self._zeros(x), self._zeros(x)) if hx is None else hx
        self._check(x, h)
        self._check(x, c)
        gi, gh = self._gates(x, h)
        g = gi + gh
        H = self.hidden_size
        i = g[:, 0:H].sigmoid()
        f = g[:, H : 2 * H].sigmoid()
        cell = g[:, 2 * H : 3 * H].tanh()
        o = g[:, 3 * H :].sigmoid()
        c_next = f * c + i * cell
        return o * c_next.tanh(), c_next


# ---------------------------------------------------------------------------------------------
# Attention
# ---------------------------------------------------------------------------------------------


class SelfAttention(Module):
    """Single-head self-attention on a (sequence, dim) matrix.

    q, k, v = x Wq^T + bq, x Wk^T + bk, x Wv^T + bv  (Linear layers named `q`, `k`, `v`)
    a = softmax(q k^T / sqrt(dim) + mask) v          (mask: -inf above the diagonal if causal)
    y = a Wo^T + bo                                  (the output Linear, named `out`)

    The middle line equals torch.nn.functional.scaled_dot_product_attention(q, k, v,
    is_causal=causal).
    """

    def __init__(self, dim: int, causal: bool = False, bias: bool = True) -> None:
        """Four dim x dim Linear layers, with torch's Linear initialisation."""
        super().__init__()
        self.dim = dim
        self.causal = causal
        self.q = Linear(dim, dim, bias)
        self.k = Linear(dim, dim, bias)
        self.v = Linear(dim, dim, bias)
        self.out = Linear(dim, dim, bias)

    def forward(self, x: Matrix) -> Matrix:
        """x (sequence, dim) -> (sequence, dim)."""
        q, k, v = self.q(x), self.k(x), self.v(x)
        scores = (q @ k.T) * (1.0 / math.sqrt(self.dim))
        if self.causal:
            n = x.nrow
            mask = [[-math.inf if j > i else 0.0 for j in range(n)] for i in range(n)]
            scores = scores + constant(mask, scores.data)
        return self.out(scores.softmax(1) @ v)

    def extra_repr(self) -> str:
        """dim and causal."""
        return f"dim={self.dim}, causal={self.causal}"


# ---------------------------------------------------------------------------------------------
# Losses
# ---------------------------------------------------------------------------------------------


def _constant_weight(weight: Any) -> Any:
    """Loss weights are constants: a Matrix is kept as its List2D so it is not a parameter."""
    return weight.data if isinstance(weight, Matrix) else weight


class _Loss(Module):
    """Base of the loss modules: holds and checks `reduction` ('mean', 'sum' or 'none')."""

    def __init__(self, reduction: str = "mean") -> None:
        """Check and keep the reduction."""
        super().__init__()
        if reduction not in REDUCTIONS:
            raise ValueError(
                f"{type(self).__name__}: reduction must be 'mean', 'sum' or "
                f"'none', got {reduction!r}"
            )
        self.reduction = reduction

    def extra_repr(self) -> str:
        """Empty, as torch prints losses."""
        return ""


class MSELoss(_Loss):
    """Mean squared error (input - target)^2; `loss(prediction, target)`."""

    def forward(self, input: Matrix, target: Any) -> Matrix:
        """The reduced loss."""
        return functional.mse_loss(input, target, self.reduction)


class L1Loss(_Loss):
    """Mean absolute error |input - target|."""

    def forward(self, input: Matrix, target: Any) -> Matrix:
        """The reduced loss."""
        return functional.l1_loss(input, target, self.reduction)


class HuberLoss(_Loss):
    """0.5 d^2 for |d| < delta, else delta (|d| - 0.5 delta)."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        """torch's argument order: reduction, delta."""
        super().__init__(reduction)
        self.delta = delta

    def forward(self, input: Matrix, target: Any) -> Matrix:
        """The reduced loss."""
        return functional.huber_loss(input, target, self.reduction, self.delta)


class SmoothL1Loss(_Loss):
    """0.5 d^2 / beta for |d| < beta, else |d| - 0.5 beta."""

    def __init__(self, reduction: str = "mean", beta: float = 1.0) -> None:
        """torch's argument order: reduction, beta."""
        super().__init__(reduction)
        self.beta = beta

    def forward(self, input: Matrix, target: Any) -> Matrix:
        """The reduced loss."""
        return functional.smooth_l1_loss(input, target, self.reduction, self.beta)


class BCELoss(_Loss):
    """Binary cross entropy on probabilities; logs clamped at -100 as in torch."""

    def __init__(self, weight: Any = None, reduction: str = "mean") -> None:
        """weight: optional elementwise weight (a number, a (1, C) row or the input's shape)."""
        super().__init__(reduction)
        self.weight = _constant_weight(weight)

    def forward(self, input: Matrix, target: Any) -> Matrix:
        """The reduced loss."""
        return functional.binary_cross_entropy(input, target, self.weight, self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Sigmoid + binary cross entropy, stable for any logit (see functional)."""

    def __init__(self, weight: Any = None, reduction: str = "mean", pos_weight: Any = None) -> None:
        """weight: elementwise weight; pos_weight: weight of positive examples per column."""
        super().__init__(reduction)
        self.weight = _constant_weight(weight)
        self.pos_weight = _constant_weight(pos_weight)

    def forward(self, input: Matrix, target: Any) -> Matrix:
        """The reduced loss."""
        return functional.binary_cross_entropy_with_logits(
            input, target, self.weight, self.reduction, self.pos_weight
        )


class NLLLoss(_Loss):
    """Negative log-likelihood of log-probabilities (N, C) at the target classes."""

    def __init__(
        self, weight: Any = None, ignore_index: int = -100, reduction: str = "mean"
    ) -> None:
        """weight: optional per-class weights (C values)."""
        super().__init__(reduction)
        self.weight = _constant_weight(weight)
        self.ignore_index = ignore_index

    def forward(self, input: Matrix, target: Any) -> Matrix:
        """The reduced loss; target: list of N class indices or an (N, 1) Matrix."""
        return functional.nll_loss(input, target, self.weight, self.ignore_index, self.reduction)


class CrossEntropyLoss(_Loss):
    """log_softmax + NLLLoss on logits (N, C), with optional label smoothing and class weights.
    The target is a list of N class indices, an (N, 1) Matrix, or (N, C) class probabilities."""

    def __init__(
        self,
        weight: Any = None,
        ignore_index: int = -100,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
    ) -> None:
        """torch's arguments and defaults."""
        super().__init__(reduction)
        self.weight = _constant_weight(weight)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: Matrix, target: Any) -> Matrix:
        """The reduced loss."""
        return functional.cross_entropy(
            input, target, self.weight, self.ignore_index, self.reduction, self.label_smoothing
        )


# ---------------------------------------------------------------------------------------------
# Utilities
# ---------------------------------------------------------------------------------------------


def _with_grads(parameters: Matrix | Iterable[Matrix]) -> list[Matrix]:
    params = [parameters] if isinstance(parameters, Matrix) else list(parameters)
    return [p for p in params if p._grad is not None]


def clip_grad_norm_(
    parameters: Matrix | Iterable[Matrix],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
) -> float:
    """Scale the gradients in place so that their joint norm is at most max_norm, as torch does
    (scale max_norm / (norm + 1e-6), only when below 1). Returns the norm before clipping.
    norm_type may be any p >= 1 or math.inf."""
    params = _with_grads(parameters)
    if not params:
        return 0.0
    norm_type = float(norm_type)
    if norm_type == math.inf:
        total = max(p._grad.abs().max().item() for p in params)
    else:
        norms = [((p._grad.abs() ** norm_type).sum() ** (1.0 / norm_type)).item() for p in params]
        total = sum(n**norm_type for n in norms) ** (1.0 / norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"clip_grad_norm_: the total norm of order {norm_type} of the gradients is non-finite"
        )
    coef = max_norm / (total + 1e-6)
    if coef < 1.0:
        for p in params:
            p.grad = p._grad * coef
    return total


def clip_grad_value_(parameters: Matrix | Iterable[Matrix], clip_value: float) -> None:
    """Clamp every gradient element to [-clip_value, clip_value], in place."""
    for p in _with_grads(parameters):
        p.grad = p._grad.clamp(-clip_value, clip_value)


utils = SimpleNamespace(clip_grad_norm_=clip_grad_norm_, clip_grad_value_=clip_grad_value_)
"""`match.nn.utils.clip_grad_norm_` and `clip_grad_value_`, named as in torch.nn.utils."""


def summary(model: Module, input_shape: tuple[int, int]) -> str:
    """A table of the model's layers, output shapes and parameter counts for an input of
    input_shape (see `match.summary`)."""
    from .tools.summary import summary as _summary

    return _summary(model, input_shape)


__all__ = [
    "Module",
    "StateDictError",
    "Sequential",
    "Identity",
    "Linear",
    "ReLU",
    "LeakyReLU",
    "Sigmoid",
    "Tanh",
    "Softmax",
    "LogSoftmax",
    "Dropout",
    "Embedding",
    "LayerNorm",
    "BatchNorm1d",
    "RNNCell",
    "GRUCell",
    "LSTMCell",
    "SelfAttention",
    "MSELoss",
    "L1Loss",
    "HuberLoss",
    "SmoothL1Loss",
    "BCELoss",
    "BCEWithLogitsLoss",
    "NLLLoss",
    "CrossEntropyLoss",
    "clip_grad_norm_",
    "clip_grad_value_",
    "utils",
    "functional",
    "summary",
]
