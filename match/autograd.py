"""The autograd core: how a forward pass records a graph, and how backward walks it. Read first.

Every Matrix is a `Node`: a value (`data`, a List2D) plus, when an operation made it, the
inputs it came from and a small closure, `backward(g)`. The closure receives g = d(loss)/d(node)
and adds d(loss)/d(input) = g * d(node)/d(input) to each input's gradient: the chain rule, one
local step at a time. `matrix.py` defines the operations; each is a value plus such a closure.

`loss.backward()` then does four things, visible in `Node.backward` below:

1. lists the nodes behind the loss, newest first (`backward_order`): a node is always made
   after its inputs, so newest first puts every node before the inputs it was made from;
2. seeds the loss's gradient with ones;
3. visits the nodes in that order and calls each closure once. By the time a node is visited,
   every node that used it has added its share to its gradient, so one call applies the chain
   rule for all of them;
4. frees the graph (closures and links), unless `retain_graph=True`.

What gets recorded is switched per thread in `grad_mode.py` (`no_grad`, `enable_grad`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from operator import attrgetter
from typing import Any, TypeAlias

from .grad_mode import step_hook
from .list2d import List2D

Backward: TypeAlias = Callable[[List2D], None]

_creation = itertools.count(1)  # stamps each recorded node: a later node has a larger number
_version = attrgetter("version")
_newest_first = attrgetter("_seq")


class Node:
    """A value in the graph. Leaves (made by constructors) have no inputs; results of
    operations remember their inputs and the closure that sends gradient back to them."""

    # Fixed fields (no per-node dict until a user sets an attribute of their own): a graph of
    # 100,000 nodes is 100,000 fewer objects for the garbage collector to track.
    __slots__ = (
        "data",  # the value, a List2D
        "requires_grad",
        "name",
        "op",  # the operation that made this node ("" for a leaf)
        "_grad",  # d(output)/d(self), or None
        "_inputs",  # the nodes this one was computed from
        "_backward",  # the closure that sends this node's gradient to its inputs
        "_saved",  # the values the closure reads ...
        "_saved_version",  # ... and the sum of their versions when saved (see `_check_saved`)
        "_seq",  # when it was made, for `backward_order`
        "_freed",  # True once backward has dropped its closure and links
        "__dict__",
        "__weakref__",
    )

    def __init__(self, data: List2D, requires_grad: bool = False, name: str | None = None) -> None:
        """A leaf holding `data`."""
        self.data, self.requires_grad, self.name, self.op = data, requires_grad, name, ""
        self._grad = self._backward = None
        self._inputs = self._saved = ()
        self._saved_version = self._seq = 0
        self._freed = False

    def _record(
        self, inputs: tuple[Node, ...], backward: Backward, saved: tuple[List2D, ...]
    ) -> None:
        """Join the graph as the result of an operation on inputs (see `matrix._result`)."""
        self.requires_grad = True
        self._inputs, self._backward, self._saved = inputs, backward, saved
        self._saved_version = sum(map(_version, saved))
        self._seq = next(_creation)

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
        if g.nrow != self.data.nrow or g.ncol != self.data.ncol:
            g = g.sum_to(self.data.nrow, self.data.ncol)
        if self._grad is None:
            self._grad = g.borrow()  # g may be another node's too: copied if changed in place
        else:
            self._grad = self._grad + g

    # -- backpropagation --------------------------------------------------------------------
    def backward(self, gradient: Any = None, retain_graph: bool = False) -> None:
        """Compute d(self)/d(x) into `x.grad` for every x in the graph that tracks gradients.

        `gradient` seeds the pass. When it is omitted the seed is ones of self's shape, for any
        shape: the original Match's rule, kept so its programs run (torch insists on `gradient=`
        for anything but a scalar, so ported torch code never relies on it). Leaves accumulate over
        calls (call `zero_grad` between steps); results of ops hold the latest pass's gradient.
        The graph is freed afterwards unless `retain_graph=True`, even when the pass stops
        half-way (an error, Ctrl-C): running it again then raises instead of adding some
        gradients twice.
        """
        if not self.requires_grad:
            raise RuntimeError(
                f"backward: this {self.data.shape} matrix does not require grad and has no graph "
                "(was it made under no_grad, or from inputs with requires_grad=False?)"
            )
        nrow, ncol = self.data.shape
        seed = self.data.new_full(nrow, ncol, 1.0) if gradient is None else _seed(self, gradient)
        order = backward_order(self)
        for node in order:  # results hold only this pass's gradient
            node._grad = None
        hook = step_hook()
        if self._inputs and not retain_graph:
            self._freed = True  # from here on a retry raises, even if Ctrl-C stops this pass
        try:
            self._accumulate(seed)
            for node in order:  # the chain rule, from the output back to the leaves
                if node._grad is not None:  # None: nothing that needs a gradient used it
                    _check_saved(node)
                    if hook is not None:
                        hook(node)
                    node._backward(node._grad)
        finally:
            if not retain_graph:
                _free(order)


def backward_order(root: Node) -> list[Node]:
    """The results of operations behind root (root included), newest first.

    Every node is made after its inputs, so newest first visits each node before the inputs it
    was made from, as torch's engine does. Found with an explicit stack, not recursion, so a
    chain of 100,000 operations does not hit Python's recursion limit.
    """
    if root._freed:
        raise _freed_error(root)
    found = {id(root): root} if root._inputs else {}
    stack = list(found.values())
    while stack:
        for m in stack.pop()._inputs:
            if m._freed:
                raise _freed_error(m)
            if m._inputs and id(m) not in found:
                found[id(m)] = m
                stack.append(m)
    return sorted(found.values(), key=_newest_first, reverse=True)


def topological_order(root: Node) -> list[Node]:
    """The nodes that track gradients, leaves included, each after all of its inputs."""
    order = backward_order(root)[::-1]
    leaves = {id(m): m for node in order for m in node._inputs if m.requires_grad and m.is_leaf}
    if not root._inputs and root.requires_grad:
        leaves[id(root)] = root
    return list(leaves.values()) + order


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


def _freed_error(node: Node) -> RuntimeError:
    return RuntimeError(
        f"backward: the graph through '{node.op}' {node.data.shape} was already freed by an "
        "earlier backward; pass retain_graph=True to the first one"
    )


def _seed(root: Node, gradient: Any) -> List2D:
    """d(root)/d(root) as given to backward(gradient=...), checked."""
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
    return seed.copy()  # the caller's matrix, never the root's .grad


def _check_saved(node: Node) -> None:
    """Refuse to use a saved value that was changed in place after the forward pass. Versions
    only grow, so a change shows as a larger sum."""
    if node._saved and sum(map(_version, node._saved)) != node._saved_version:
        now = sum(map(_version, node._saved))
        raise RuntimeError(
            f"backward: a value saved by '{node.op}' {node.data.shape} was changed in place "
            f"(version {node._saved_version} -> {now}) after it was used; make a copy instead "
            "of modifying it in place"
        )


def _free(order: list[Node]) -> None:
    """Drop closures, saved values and links, so that memory goes back after backward."""
    for node in order:
        node._inputs, node._backward, node._saved = (), None, ()
        node._freed = True


__all__ = ["Node", "backward_order", "graph_nodes", "topological_order"]
