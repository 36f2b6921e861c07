"""Extending and using autodiff: custom `Function`s, `checkpoint`, and functional `grad`.

- `Function`: write a new operation as two static methods on List2D values, `forward` and
  `backward`, as with `torch.autograd.Function`; `MyFn.apply(x, ...)` puts it in the graph.
- `checkpoint(fn, *inputs)`: run `fn` without keeping its intermediate graph and recompute it
  during backward (the same gradients, less memory held between forward and backward).
- `grad(fn)` / `value_and_grad(fn)`: gradients as return values (like JAX), leaving every
  `.grad` of the caller untouched.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from ..autograd import graph_nodes
from ..checks import is_int
from ..grad_mode import enable_grad, no_grad
from ..list2d import List2D, rng
from ..matrix import Matrix, _result

# ---------------------------------------------------------------------------------------------
# Function: the extension point
# ---------------------------------------------------------------------------------------------


class FunctionCtx:
    """The `ctx` passed to `forward` and `backward`: a place to keep what backward needs.

    `ctx.save_for_backward(a, b)` keeps values (List2Ds are also checked for in-place changes
    when backward runs); `ctx.saved_tensors` gives them back. Any other attribute may be set
    freely (`ctx.dim = 1`). `ctx.needs_input_grad` tells, per argument of `apply`, whether its
    gradient is needed (False for numbers and for matrices that do not require grad).
    """

    def __init__(self, needs_input_grad: tuple[bool, ...]) -> None:
        """An empty context."""
        self.needs_input_grad = needs_input_grad
        self._saved: tuple[Any, ...] = ()

    def save_for_backward(self, *values: Any) -> None:
        """Keep values for backward (call once, in forward)."""
        self._saved = values

    @property
    def saved_tensors(self) -> tuple[Any, ...]:
        """The values given to `save_for_backward`, in the same order."""
        return self._saved


class Function:
    """Base class for a new differentiable operation, as `torch.autograd.Function`.

    Subclass it with two static methods working on List2D values (not Matrices):

    - `forward(ctx, *inputs) -> List2D`: each Matrix argument of `apply` arrives as its
      List2D `data`; any other argument (a number, a flag) arrives unchanged.
    - `backward(ctx, grad) -> List2D | None | tuple`: receives d(loss)/d(output) (a List2D of
      the output's shape) and returns one gradient per Matrix argument, in order (a single
      value when there is one Matrix argument). Return None for an input that gets no gradient.
      Each gradient must have its input's shape.

    `MyFn.apply(x, ...)` runs forward and returns a Matrix that joins the graph.

    >>> class Cube(Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x * x * x
    ...     @staticmethod
    ...     def backward(ctx, g):
    ...         (x,) = ctx.saved_tensors
    ...         return g * 3.0 * x * x
    """

    @staticmethod
    def forward(ctx: FunctionCtx, *inputs: Any) -> List2D:
        """The values of the output, from List2D inputs."""
        raise NotImplementedError("Function subclasses must define a static forward(ctx, ...)")

    @staticmethod
    def backward(ctx: FunctionCtx, grad: List2D) -> Any:
        """One gradient per Matrix input, from the gradient of the output."""
        raise NotImplementedError("Function subclasses must define a static backward(ctx, g)")

    @classmethod
    def apply(cls, *args: Any) -> Matrix:
        """Run forward on the arguments' values and return a Matrix that is part of the graph."""
        name = cls.__name__
        positions = [i for i, a in enumerate(args) if isinstance(a, Matrix)]
        matrices = tuple(args[i] for i in positions)
        needs = tuple(isinstance(a, Matrix) and a.requires_grad for a in args)
        ctx = FunctionCtx(needs)
        values = [a.data if isinstance(a, Matrix) else a for a in args]
        with no_grad():
            out = cls.forward(ctx, *values)
        if isinstance(out, Matrix):
            out = out.data
        if not isinstance(out, List2D):
            if isinstance(out, (list, tuple)):
                out = List2D.from_2d_list(out)
            else:
                raise TypeError(f"{name}.forward must return a List2D, got {type(out).__name__}")

        def backward(g: List2D) -> None:
            grads = cls.backward(ctx, g)
            grads = _as_gradients(name, grads, len(matrices), len(args), positions)
            for m, gm in zip(matrices, grads):
                if gm is None or not m.requires_grad:
                    continue
                if isinstance(gm, Matrix):
                    gm = gm.data
                if not isinstance(gm, List2D):
                    raise TypeError(
                        f"{name}.backward: expected List2D or None gradients, "
                        f"got {type(gm).__name__}"
                    )
                if gm.shape != m.shape:
                    raise ValueError(
                        f"{name}.backward returned a gradient of shape {gm.shape} for an input "
                        f"of shape {m.shape}; each gradient must have its input's shape"
                    )
                m._accumulate(gm)

        saved = tuple(v for v in ctx.saved_tensors if isinstance(v, List2D))
        return _result(name, out, matrices, backward, saved=saved)


def _as_gradients(
    name: str, grads: Any, n_matrices: int, n_args: int, positions: list[int]
) -> tuple[Any, ...]:
    """Normalise backward's return value to one gradient per Matrix input."""
    if not isinstance(grads, (tuple, list)):
        grads = (grads,)
    grads = tuple(grads)
    if len(grads) == n_matrices:
        return grads
    if len(grads) == n_args:  # torch style: one entry per argument, None for the non-matrices
        return tuple(grads[i] for i in positions)
    raise ValueError(
        f"{name}.backward returned {len(grads)} gradient(s), expected {n_matrices} "
        f"(one per Matrix input)"
    )


# ---------------------------------------------------------------------------------------------
# checkpoint
# ---------------------------------------------------------------------------------------------


def checkpoint(fn: Callable[..., Matrix], *inputs: Any) -> Matrix:
    """`fn(*inputs)`, computed without keeping its intermediate graph; recomputed in backward.

    Forward runs under `no_grad`, so only the output is held; backward runs `fn` again with
    recording on and backpropagates through that fresh graph. The gradients are the same as
    without checkpointing; the cost is one extra forward of `fn`. The random generator is
    restored before the recomputation, so dropout draws the same mask.

    Matrices that `fn` uses must be passed in `inputs`, or be leaves (parameters); when `fn` is
    a Module its `parameters()` are found automatically. `fn` must return one Matrix.
    """
    if not callable(fn):
        raise TypeError(
            f"checkpoint: fn must be callable (a function or a Module), "
            f"got {fn!r:.40} ({type(fn).__name__})"
        )
    matrices = [a for a in inputs if isinstance(a, Matrix)]
    params: list[Matrix] = []
    if hasattr(fn, "parameters") and callable(fn.parameters):
        seen = {id(m) for m in matrices}
        for p in fn.parameters():
            if isinstance(p, Matrix) and id(p) not in seen:
                seen.add(id(p))
                params.append(p)
    state = rng().getstate()
    with no_grad():
        out = fn(*inputs)
    if not isinstance(out, Matrix):
        raise TypeError(f"checkpoint: fn must return a Matrix, got {type(out).__name__}")

    def backward(g: List2D) -> None:
        leaves = {id(m): Matrix(m.data, requires_grad=m.requires_grad) for m in matrices}
        again = [leaves[id(a)] if isinstance(a, Matrix) else a for a in inputs]
        current = rng().getstate()
        rng().setstate(state)
        try:
            with enable_grad():
                recomputed = fn(*again)
        finally:
            rng().setstate(current)
        if recomputed.requires_grad:
            recomputed.backward(g)
        for m in matrices:
            leaf = leaves[id(m)]
            if m.requires_grad and leaf._grad is not None:
                m._accumulate(leaf._grad)

    saved = tuple(m.data for m in matrices)
    return _result("checkpoint", out.data, tuple(matrices + params), backward, saved=saved)


# ---------------------------------------------------------------------------------------------
# grad and value_and_grad
# ---------------------------------------------------------------------------------------------


def _argnums(argnums: int | Sequence[int], nargs: int, op: str) -> tuple[int, ...]:
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    if not nums or any(not is_int(i) for i in nums):
        raise TypeError(f"{op}: argnums must be an int or a tuple of ints, got {argnums!r}")
    out = []
    for i in nums:
        j = i + nargs if i < 0 else i
        if not 0 <= j < nargs:
            raise ValueError(f"{op}: argnums {i} is out of range for {nargs} argument(s)")
        out.append(j)
    return tuple(out)


def _leaf(value: Any, op: str, position: int) -> Matrix:
    """A fresh leaf that requires grad, sharing the values of a Matrix or List2D."""
    if isinstance(value, Matrix):
        return Matrix(value.data, requires_grad=True, name=value.name)
    if isinstance(value, List2D):
        return Matrix(value, requires_grad=True)
    if isinstance(value, (list, tuple)):
        return Matrix(List2D.from_2d_list(value), requires_grad=True)
    raise TypeError(
        f"{op}: argument {position} must be a Matrix, a List2D or nested lists of "
        f"numbers to differentiate with respect to it, got {type(value).__name__}"
    )


def value_and_grad(
    fn: Callable[..., Matrix], argnums: int | Sequence[int] = 0
) -> Callable[..., tuple[float, Any]]:
    """A function returning `(value, gradient)` of `fn` at the given arguments, as in JAX.

    `fn` must return a 1x1 Matrix. The value is a float; the gradient is a List2D for
    `argnums=0` (an int), or a tuple of List2Ds when argnums is a tuple. The arguments chosen
    may be Matrices, List2Ds or nested lists; they are differentiated through fresh leaves that
    share their values, and every `.grad` the caller can see is left as it was.
    """
    _check_callable(fn, "value_and_grad")
    name = getattr(fn, "__name__", "fn")

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> tuple[float, Any]:
        nums = _argnums(argnums, len(args), "grad")
        call = list(args)
        leaves = []
        for i in nums:
            call[i] = _leaf(args[i], "grad", i)
            leaves.append(call[i])
        with enable_grad():
            out = fn(*call, **kwargs)
        if not isinstance(out, Matrix) or out.shape != (1, 1):
            got = f"a {out.shape} Matrix" if isinstance(out, Matrix) else type(out).__name__
            raise ValueError(
                f"grad: {name} must return a 1x1 Matrix (a scalar loss), got {got}; "
                "reduce it with .sum() or .mean()"
            )
        if out.requires_grad:
            # protect the caller's gradients: whatever else backward touches is restored
            mine = {id(leaf) for leaf in leaves}
            others = [(n, n._grad) for n in graph_nodes(out) if id(n) not in mine]
            try:
                out.backward(retain_graph=True)
            finally:
                for node, g in others:
                    node._grad = g
        # as in JAX, an argument the result does not depend on has a zero gradient
        grads = tuple(leaf.grad or leaf.data.new_full(*leaf.shape, 0.0) for leaf in leaves)
        return out.item(), (grads[0] if isinstance(argnums, int) else grads)

    return wrapper


def grad(fn: Callable[..., Matrix], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """A function returning the gradient of `fn` (which returns a 1x1 Matrix), as in JAX.

    `match.grad(f)(x)` is d f / d x as a List2D of x's shape; `argnums=(0, 1)` gives a tuple.
    See `value_and_grad` for the rules.
    """
    _check_callable(fn, "grad")
    both = value_and_grad(fn, argnums)

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return both(*args, **kwargs)[1]

    return wrapper


__all__ = ["Function", "FunctionCtx", "checkpoint", "grad", "value_and_grad"]


def _check_callable(fn: Any, op: str) -> None:
    """grad and value_and_grad refuse a non-function at once, not at the first call."""
    if not callable(fn):
        raise TypeError(f"{op}: fn must be callable, got {type(fn).__name__}")
