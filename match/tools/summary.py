"""summary(model, input_shape): a table of a model's layers, output shapes and parameter counts.

The model runs once, in eval mode and under `no_grad`, on an input of `input_shape`; each
module's `forward` is wrapped for that run (and restored afterwards) to record what it returns.
Available as `match.nn.summary`.
"""

from __future__ import annotations

import random
from typing import Any

from ..checks import is_int
from ..grad_mode import no_grad
from ..list2d import List2D
from ..matrix import Matrix


class Summary(str):
    """The table as a `str` that also displays as a table at the interactive prompt.

    `print(s)` and `str(s)` give the table; `s.total_params`, `s.trainable_params` and `s.rows`
    (a list of (layer, output shape, parameter count or None)) give the numbers.
    """

    total_params: int
    trainable_params: int
    rows: list[tuple[str, Any, int | None]]

    def __repr__(self) -> str:
        """The table itself, so that evaluating `summary(...)` in a REPL or notebook shows it."""
        return str(self)


def _shape(out: Any) -> Any:
    if isinstance(out, (Matrix, List2D)):
        return out.shape
    if isinstance(out, (tuple, list)):
        return [_shape(o) for o in out]
    return type(out).__name__


def _count(params: Any) -> int:
    return sum(p.shape[0] * p.shape[1] for p in params)


def _unique(params: Any) -> list[Matrix]:
    seen: set[int] = set()
    out = []
    for p in params:
        if id(p) not in seen:
            seen.add(id(p))
            out.append(p)
    return out


def _check_input_shape(input_shape: Any) -> None:
    """An example Matrix, or (batch, features): a tuple or list of two ints, each at least 1."""
    if isinstance(input_shape, Matrix):
        return
    expected = "summary: input_shape must be (batch, features), two ints of at least 1, or a Matrix"
    if not isinstance(input_shape, (tuple, list)) or not all(is_int(n) for n in input_shape):
        raise TypeError(f"{expected}; got {input_shape!r:.60} ({type(input_shape).__name__})")
    if len(input_shape) != 2 or min(input_shape) < 1:
        raise ValueError(f"{expected}; got {input_shape!r:.60}")


def _example(input_shape: Any) -> Matrix:
    """A fixed example input (its own random generator: the library's seed is not disturbed)."""
    if isinstance(input_shape, Matrix):
        return input_shape.detach()
    nrow, ncol = input_shape
    r = random.Random(0)
    return Matrix(
        [[r.gauss(0.0, 1.0) for _ in range(ncol)] for _ in range(nrow)], requires_grad=False
    )


def summary(model: Any, input_shape: tuple[int, int] | Matrix) -> Summary:
    """A table of the layers of `model`, each one's output shape and its parameter count.

    `input_shape` is (batch, features) of the input (a fixed pseudo-random example is used),
    or an example input Matrix. The model runs once in eval mode under `no_grad`; its training
    mode and its methods are restored afterwards, and no gradient or random state changes.

    Each row counts the parameters a module holds itself (not those of its children), so the
    counts add up to the total; a container with none shows "--". A module called twice gets
    two rows. The result is a `str` (print it); it also has `total_params` and
    `trainable_params`.
    """
    if not callable(model):
        raise TypeError(f"summary: model must be a Module (callable), got {type(model).__name__}")
    _check_input_shape(input_shape)
    modules = list(model.named_modules()) if hasattr(model, "named_modules") else [("", model)]
    depth = {id(model): 0}
    label: dict[int, str] = {}
    for name, module in modules:
        label.setdefault(id(module), name)
        depth.setdefault(id(module), name.count(".") + 1 if name else 0)
    records: list[list[Any]] = []

    def own_params(module: Any) -> list[Matrix]:
        mine = _unique(module.parameters()) if hasattr(module, "parameters") else []
        children = getattr(module, "named_children", None)
        if children is None:
            return mine
        inner = {id(p) for _, child in children() for p in child.parameters()}
        return [p for p in mine if id(p) not in inner]

    def wrap(module: Any) -> Any:
        forward = module.forward

        def recorded(*args: Any, **kwargs: Any) -> Any:
            row = [module, None]
            records.append(row)  # on entry, so that containers come before their layers
            out = forward(*args, **kwargs)
            row[1] = _shape(out)
            return out

        return recorded

    saved: list[tuple[Any, bool, Any]] = []  # module, had its own forward, that forward
    modes = [(m, "training" in vars(m), m.training) for _, m in modules if hasattr(m, "training")]
    try:
        for _, module in modules:
            own = vars(module)
            saved.append((module, "forward" in own, own.get("forward")))
            own["forward"] = wrap(module)
        if hasattr(model, "eval"):
            model.eval()
        with no_grad():
            model(_example(input_shape))
    finally:
        for module, had, forward in saved:
            if had:
                vars(module)["forward"] = forward
            else:
                vars(module).pop("forward", None)
        for module, own_mode, training in modes:
            if own_mode:
                module.training = training
            else:  # the mode was a class default: remove the instance attribute eval() set
                vars(module).pop("training", None)

    rows: list[tuple[str, Any, int | None]] = []
    for module, shape in records:
        kind = type(module).__name__
        name = label.get(id(module), "")
        text = "  " * depth.get(id(module), 1) + (f"{name} ({kind})" if name else kind)
        has_children = (
            bool(list(module.named_children())) if hasattr(module, "named_children") else False
        )
        count = _count(own_params(module))
        rows.append((text, shape, None if has_children and count == 0 else count))

    params = _unique(model.parameters())
    total = _count(params)
    trainable = _count(p for p in params if p.requires_grad)
    header = ("Layer (type)", "Output shape", "Param #")
    body = [(t, str(s), "--" if c is None else f"{c:,}") for t, s, c in rows]
    w0 = max(len(header[0]), *(len(r[0]) for r in body)) if body else len(header[0])
    w1 = max(len(header[1]), *(len(r[1]) for r in body)) if body else len(header[1])
    w2 = max(len(header[2]), *(len(r[2]) for r in body)) if body else len(header[2])
    width = w0 + w1 + w2 + 4
    fmt = f"{{:<{w0}}}  {{:<{w1}}}  {{:>{w2}}}"
    lines = [fmt.format(*header), "=" * width]
    lines += [fmt.format(*r) for r in body]
    lines += [
        "=" * width,
        f"Total params: {total:,}",
        f"Trainable params: {trainable:,}",
        f"Non-trainable params: {total - trainable:,}",
        f"Input shape: {_example(input_shape).shape}",
    ]
    table = Summary("\n".join(lines))
    table.total_params, table.trainable_params, table.rows = total, trainable, rows
    return table


__all__ = ["summary", "Summary"]
