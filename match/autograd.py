"""The autograd core: how a forward pass records a graph, and how backward walks it. Read first.

Every Matrix is a `Node`: a value (`data`, a List2D) plus, when an operation made it, the
inputs it came from and a small closure, `backward(g)`. The closure receives g = d(loss)/d(node)
and adds d(loss)/d(input) = g * d(node)/d(input) to each input's gradient: the chain rule, one
local step at a time. `matrix.py` defines the operations; each is a value plus such a closure.

`loss.backward()` then does four things, visible in `Node.backward` below:

1. sorts the graph so that every node comes after all of its inputs (`topological_order`);
2. seeds the loss's gradient with ones;
3. visits the nodes from the loss back to the leaves and calls each closure once. By the time a
   node is visited, every path from the loss has added its share to the node's gradient, so
   one call applies the chain rule for all of them;
4. frees the graph (closures and links), unless `retain_graph=True`.

Two switches shape what gets recorded, each kept per thread (as torch does): gradient recording
(`no_grad`, `enable_grad`) and the backward trace (`trace`).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeAlias, TypeVar

from .list2d import List2D

Backward: TypeAlias = Callable[[List2D], None]
F = TypeVar("F", bound=Callable[..., Any])


# ---------------------------------------------------------------------------------------------
# The switches: one per thread
# ---------------------------------------------------------------------------------------------


class _Switches(threading.local):
    """Each thread starts recording, with the trace off."""

    grad_enabled = True
    logger: Any = None  # the 'match.trace' logger while tracing, else None


_switches = _Switches()


def is_grad_enabled() -> bool:
    """True unless inside `no_grad` (in this thread)."""
    return _switches.grad_enabled


class _GradMode:
    """Sets gradient recording for a `with` block or a decorated function, then restores it."""

    enabled: bool

    def __enter__(self) -> None:
        self._previous = _switches.grad_enabled
        _switches.grad_enabled = self.enabled

    def __exit__(self, *exc: object) -> None:
        _switches.grad_enabled = self._previous

    def __call__(self, fn: F) -> F:
        """As a decorator: every call of fn runs in this mode."""

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with type(self)():
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class no_grad(_GradMode):
    """Record no graph: for evaluation and parameter updates. `with match.no_grad(): ...`"""

    enabled = False


class enable_grad(_GradMode):
    """Record the graph, even inside `no_grad` (as torch.enable_grad)."""

    enabled = True


@contextmanager
def trace(enabled: bool = True) -> Iterator[Any]:
    """Log each step of backward (op and shapes) to the 'match.trace' logger, in this thread.

    `with match.trace(): loss.backward()`. Without logging configured, the lines go to standard
    error. Off, it costs backward one attribute read; `logging` is imported only when used.
    """
    import logging

    logger = logging.getLogger("match.trace")
    handler = None
    if enabled and not logger.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
    previous, old_level = _switches.logger, logger.level
    _switches.logger = logger if enabled else None
    logger.setLevel(logging.INFO)
    try:
        yield logger
    finally:
        _switches.logger = previous
        logger.setLevel(old_level)
        if handler is not None:
            logger.removeHandler(handler)


# ---------------------------------------------------------------------------------------------
# Node: a value, and how it was made
# ---------------------------------------------------------------------------------------------


class Node:
    """A value in the graph. Leaves (made by constructors) have no inputs; results of
    operations remember their inputs and the closure that sends gradient back to them."""

    def __init__(self, data: List2D, requires_grad: bool = False, name: str | None = None) -> None:
        """A leaf holding `data`; the only place a node's fields are set."""
        self.data = data
        self.requires_grad = requires_grad
        self.name = name
        self.op = ""  # the operation that made this node ("" for a leaf)
        self._grad: List2D | None = None
        self._inputs: tuple[Node, ...] = ()
        self._backward: Backward | None = None
        self._saved: tuple[tuple[List2D, int], ...] = ()  # (value, its version when saved)
        self._freed = False

    @classmethod
    def _result(
        cls,
        op: str,
        value: List2D,
        inputs: tuple[Node, ...],
        backward: Backward,
        saved: tuple[List2D, ...] = (),
    ) -> Any:
        """The node an operation returns. It joins the graph only while recording and when an
        input tracks gradients; otherwise it keeps no references at all.

        `saved` lists the values the closure reads; backward checks that none was changed in
        place since (see `_check_saved`).
        """
        out = cls.__new__(cls)
        Node.__init__(out, value)
        out.op = op
        if _switches.grad_enabled and any(m.requires_grad for m in inputs):
            out.requires_grad = True
            out._inputs, out._backward = inputs, backward
            out._saved = tuple((v, v.version) for v in saved)
        return out

    @property
    def grad(self) -> List2D | None:
        """d(output)/d(self), written by backward; None until then (as in torch). Leaves
        accumulate it over backward calls; reading it never changes anything."""
        return self._grad

    @grad.setter
    def grad(self, value: List2D | None) -> None:
        if value is not None:
            if not isinstance(value, List2D):
                raise TypeError(f"grad: expected a List2D or None, got {type(value).__name__}")
            if value.shape != self.data.shape:
                raise ValueError(
                    f"grad: gradient shape {value.shape} does not match {self.data.shape}"
                )
            if value.kernels is not self.data.kernels:
                raise RuntimeError(
                    f"grad: the gradient is on the '{value.backend}' backend and the matrix "
                    f"on '{self.data.backend}'; convert it with .to_backend()"
                )
        self._grad = value

    @property
    def is_leaf(self) -> bool:
        """True for matrices made by constructors (or detach), False for results of ops."""
        return not self._inputs and not self._freed

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradient, so that `.grad` is None until the next backward writes it; with
        `set_to_none=False`, set an existing gradient to zeros in place instead."""
        if set_to_none or self._grad is None:
            self._grad = None
        else:
            self._grad.zeros_()

    def _accumulate(self, g: List2D) -> None:
        """Add g to this node's gradient, first summing it over any dimension that broadcasting
        stretched, so that the gradient has this node's shape."""
        if not self.requires_grad:
            return
        if g.shape != self.data.shape:
            g = g.sum_to(*self.data.shape)
        if self._grad is None:
            # A List2D object of its own, so that an in-place change to one .grad cannot reach
            # another (sharing the storage is safe: in-place methods replace .vals).
            self._grad = List2D.wrap(g.vals, g.kernels)
        else:
            self._grad = self._grad + g

    # -- backpropagation --------------------------------------------------------------------
    def backward(self, gradient: Any = None, retain_graph: bool = False) -> None:
        """Compute d(self)/d(x) into `x.grad` for every x in the graph that tracks gradients.

        `gradient` seeds the pass. When it is omitted the seed is ones of self's shape, for any
        shape: the original Match's rule, kept so its programs run (torch insists on `gradient=`
        for anything but a scalar, so ported torch code never relies on it). Leaves accumulate over
        calls (call `zero_grad` between steps); results of ops hold the latest pass's gradient.
        The graph is freed afterwards unless `retain_graph=True`.
        """
        _check_can_backward(self)
        seed = _seed(self, gradient)
        order = topological_order(self)
        for node in order:  # intermediates hold only this pass's gradient
            if node._inputs:
                node._grad = None
        self._accumulate(seed)
        for node in reversed(order):  # the chain rule, from the output back to the leaves
            if node._backward is not None and node._grad is not None:
                _check_saved(node)
                _log_step(node)
                node._backward(node._grad)
        if not retain_graph:
            _free(order)


def topological_order(root: Node) -> list[Node]:
    """The nodes that track gradients, each after all of its inputs.

    A depth-first search with an explicit stack, so a chain of 100,000 operations does not hit
    Python's recursion limit.
    """
    order: list[Node] = []
    visited: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            order.append(node)
        elif id(node) not in visited:
            if node._freed:
                raise RuntimeError(
                    f"backward: the graph through '{node.op}' {node.data.shape} was already "
                    "freed by an earlier backward; pass retain_graph=True to the first one"
                )
            visited.add(id(node))
            stack.append((node, True))
            stack.extend((m, False) for m in node._inputs if m.requires_grad)
    return order


def graph_nodes(root: Node) -> list[Node]:
    """Every node of the graph that produced root, root first, each once (for tools)."""
    seen: set[int] = set()
    nodes: list[Node] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) not in seen:
            seen.add(id(node))
            nodes.append(node)
            stack.extend(reversed(node._inputs))
    return nodes


def _check_can_backward(root: Node) -> None:
    if not root.requires_grad:
        raise RuntimeError(
            f"backward: this {root.data.shape} matrix does not require grad and has no graph "
            "(was it made under no_grad, or from inputs with requires_grad=False?)"
        )


def _seed(root: Node, gradient: Any) -> List2D:
    """d(root)/d(root): ones, or the given gradient after checking it."""
    if gradient is None:
        return root.data.new_full(*root.data.shape, 1.0)
    seed = gradient.data if isinstance(gradient, Node) else gradient
    if not isinstance(seed, List2D):
        raise TypeError(
            f"backward: gradient must be a Matrix or List2D, got {type(gradient).__name__}"
        )
    if seed.shape != root.data.shape:
        raise ValueError(f"backward: gradient shape {seed.shape} does not match {root.data.shape}")
    if seed.kernels is not root.data.kernels:
        raise RuntimeError(
            f"backward: the gradient is on the '{seed.backend}' backend and the output on "
            f"'{root.data.backend}'; convert it with .to_backend()"
        )
    return seed


def _check_saved(node: Node) -> None:
    """Refuse to use a saved value that was changed in place after the forward pass."""
    for value, version in node._saved:
        if value.version != version:
            raise RuntimeError(
                f"backward: a value saved by '{node.op}' {node.data.shape} was changed in place "
                f"(version {version} -> {value.version}) after it was used; make a copy "
                "instead of modifying it in place"
            )


def _log_step(node: Node) -> None:
    logger = _switches.logger
    if logger is not None:
        inputs = ", ".join(f"{m.op or _leaf_kind(m)} {m.data.shape}" for m in node._inputs)
        logger.info("backward %s %s -> %s", node.op, node.data.shape, inputs)


def _leaf_kind(m: Node) -> str:
    return "leaf" if m.requires_grad else "constant"


def _free(order: list[Node]) -> None:
    """Drop closures, saved values and links, so that memory goes back after backward."""
    for node in order:
        if node._inputs:
            node._inputs, node._backward, node._saved = (), None, ()
            node._freed = True


__all__ = [
    "Node",
    "enable_grad",
    "graph_nodes",
    "is_grad_enabled",
    "no_grad",
    "topological_order",
    "trace",
]
