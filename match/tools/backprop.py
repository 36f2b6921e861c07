"""Watch backpropagation happen: record every step of `loss.backward()`, node by node.

    >>> trace = match.tools.trace_backward(loss)   # runs loss.backward(), and records it
    >>> print(trace)                               # each step as text
    >>> trace                                      # in a notebook: the steps as HTML
    >>> trace.to_json()                            # for the browser page (backprop.html)

A step is one backward closure run (see `autograd.py`): the node it belongs to, the gradient
arriving at it, the closure's source (its one-line derivative comment included), and every
`_accumulate` it made into an input, with that input's gradient before and after. The gradients
are the ones plain `loss.backward()` computes: the trace watches the walk, it changes nothing.

How it records, without touching the engine: backward calls the thread's step hook
(`grad_mode.step_hook_set`) with each node before running its closure; that starts a step.
Each accumulate is seen by shadowing the `_accumulate` method with an instance attribute on
every node of the graph for the duration of the pass (a `Node` has a `__dict__`), which records
and then calls the real method; the attributes are removed afterwards, whatever happens.

`python -m match backprop "CODE"` prints a trace in the terminal; the site's `backprop.html`
draws one and steps through it in the browser.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from ..autograd import Node, graph_nodes
from ..grad_mode import step_hook_set
from ..list2d import List2D
from ..matrix import Matrix

Rows = list[list[float]]

# Small programs to trace: the browser page's picker and `python -m match backprop --example`.
# Each defines `loss`, with `match` imported.
EXAMPLES: dict[str, str] = {
    "neuron": """\
# One sigmoid neuron: p = sigmoid(x @ w + b), squared error against the target 1.
x = match.mat([[1.0, 2.0]], requires_grad=False)
w = match.mat([[0.5], [-0.25]])
b = match.mat([[0.1]])
x.name, w.name, b.name = "x", "w", "b"
p = (x @ w + b).sigmoid()
loss = ((p - 1.0) ** 2).sum()
""",
    "shared": """\
# A shared subexpression: y is used three times, so three gradients add up in y.grad.
x = match.mat([[1.5, -0.5]])
x.name = "x"
y = x * x
loss = (y * y + y).sum()
""",
    "broadcast": """\
# A (1, 2) bias added to every row of a (3, 2) matrix: its gradient is summed over the rows.
h = match.mat([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], requires_grad=False)
bias = match.mat([[0.5, -0.5]])
h.name, bias.name = "h", "bias"
loss = (h + bias).tanh().sum()
""",
    "mlp": """\
# A 2-layer MLP on 2 examples, with cross-entropy: one training step of a classifier.
match.manual_seed(0)
x = match.mat([[0.5, -1.0], [1.5, 0.25]], requires_grad=False)
w1, b1 = match.randn(2, 3), match.zeros(1, 3)
w2, b2 = match.randn(3, 2), match.zeros(1, 2)
x.name, w1.name, b1.name, w2.name, b2.name = "x", "w1", "b1", "w2", "b2"
h = (x @ w1 + b1).relu()
logits = h @ w2 + b2
loss = match.nn.functional.cross_entropy(logits, [0, 1])
""",
}


class BackwardTrace:
    """What `trace_backward` recorded: the graph's nodes and the backward steps, in order.

    - `nodes`: one dict per node reachable from the loss, `{"id", "op" ("" for a leaf), "name",
      "shape" [r, c], "value" (rows), "inputs" (ids), "leaf", "requires_grad"}`; inputs come
      before the nodes made from them, so ids read in the order of the forward pass;
    - `steps`: one dict per closure run, `{"node" (id), "op", "grad" (rows: the gradient arriving
      at the node), "source" (the closure's code), "updates"}`, where each update is
      `{"input" (id), "before" (rows, or None when it had no gradient yet), "after" (rows),
      "sent" (rows: what the closure passed, before it was summed to the input's shape)}`, one
      per accumulate into an input that requires grad, in the order made.

    `print(trace)` (or `trace.text()`) shows the steps as text, `trace.step_text(k)` one step, a
    notebook shows the HTML of `_repr_html_`, and `to_json()` gives it all to the browser.
    """

    def __init__(self, nodes: list[dict[str, Any]], steps: list[dict[str, Any]]) -> None:
        """A trace of these nodes and steps (made by `trace_backward`)."""
        self.nodes = nodes
        self.steps = steps

    def __len__(self) -> int:
        """The number of steps."""
        return len(self.steps)

    def __repr__(self) -> str:
        return f"<BackwardTrace: {len(self.nodes)} nodes, {len(self.steps)} steps>"

    def to_json(self) -> str:
        """`{"nodes": [...], "steps": [...]}` as strict JSON (nan and infinities, which JSON
        cannot hold, are written as the strings "nan", "inf" and "-inf")."""
        import json

        return json.dumps(_finite({"nodes": self.nodes, "steps": self.steps}), allow_nan=False)

    # -- text --------------------------------------------------------------------------------
    def label(self, node_id: int) -> str:
        """How a node is named in the text: its name or op, '#id', and its shape."""
        node = self.nodes[node_id]
        kind = node["op"] or ("leaf" if node["requires_grad"] else "constant")
        name = f"{node['name']} ({kind})" if node["name"] else kind
        return f"{name} #{node_id} {tuple(node['shape'])}"

    def step_text(self, k: int) -> str:
        """Step k (counted from 0) as text: the node, the gradient arriving, the closure, and
        each input's gradient before and after its accumulate."""
        step = self.steps[k]
        lines = [
            f"step {k + 1} of {len(self.steps)}: {self.label(step['node'])}",
            f"  gradient arriving: {format_rows(step['grad'])}",
            "  its backward closure:",
            *("    | " + line for line in step["source"].rstrip().splitlines()),
        ]
        if not step["updates"]:
            lines.append("  (no input of it needs a gradient)")
        for update in step["updates"]:
            target = self.nodes[update["input"]]
            lines.append(f"  -> {self.label(update['input'])}")
            if _shape(update["sent"]) != target["shape"]:
                lines.append(
                    f"       sent {format_rows(update['sent'])}, summed back to "
                    f"{tuple(target['shape'])} (it was broadcast)"
                )
            before = "none yet" if update["before"] is None else format_rows(update["before"])
            lines.append(f"       grad before: {before}")
            lines.append(f"       grad after:  {format_rows(update['after'])}")
        return "\n".join(lines)

    def text(self) -> str:
        """Every step as text, then the leaves' gradients."""
        parts = [self.step_text(k) for k in range(len(self.steps))]
        final = self.gradients()
        if final:
            lines = ["leaf gradients:"]
            lines += [f"  {self.label(i)}: {format_rows(rows)}" for i, rows in final.items()]
            parts.append("\n".join(lines))
        return "\n\n".join(parts) if parts else "(no backward steps: the loss is a leaf)"

    def __str__(self) -> str:
        return self.text()

    def gradients(self) -> dict[int, Rows]:
        """Each leaf that requires grad, by id: its gradient after the pass (from the last update
        into it), for the leaves that received one."""
        final: dict[int, Rows] = {}
        for step in self.steps:
            for update in step["updates"]:
                if self.nodes[update["input"]]["leaf"]:
                    final[update["input"]] = update["after"]
        return dict(sorted(final.items()))

    # -- HTML, for notebooks -----------------------------------------------------------------
    def _repr_html_(self) -> str:
        """The steps as HTML (no JavaScript, no widgets): a table of the nodes, then one
        collapsible block per step, the first one open."""
        import html

        def rows_html(rows: Rows | None) -> str:
            if rows is None:
                return "<i>none yet</i>"
            return f"<code>{html.escape(format_rows(rows))}</code>"

        out = ["<div class='match-backprop'>"]
        out.append(
            "<table><tr><th>id</th><th>node</th><th>inputs</th><th>value</th></tr>"
            + "".join(
                f"<tr><td>#{n['id']}</td><td>{html.escape(self.label(n['id']))}</td>"
                f"<td>{', '.join('#' + str(i) for i in n['inputs'])}</td>"
                f"<td>{rows_html(n['value'])}</td></tr>"
                for n in self.nodes
            )
            + "</table>"
        )
        for k, step in enumerate(self.steps):
            opened = " open" if k == 0 else ""
            out.append(
                f"<details{opened}><summary><b>step {k + 1} of {len(self.steps)}</b>: "
                f"{html.escape(self.label(step['node']))}</summary>"
                f"<p>gradient arriving: {rows_html(step['grad'])}</p>"
                f"<pre>{html.escape(step['source'].rstrip())}</pre><ul>"
            )
            for update in step["updates"]:
                target = self.nodes[update["input"]]
                summed = (
                    f" (sent {rows_html(update['sent'])}, summed back to its shape)"
                    if _shape(update["sent"]) != target["shape"]
                    else ""
                )
                out.append(
                    f"<li>{html.escape(self.label(update['input']))}{summed}: "
                    f"{rows_html(update['before'])} &rarr; {rows_html(update['after'])}</li>"
                )
            out.append("</ul></details>")
        out.append("</div>")
        return "".join(out)


def format_rows(rows: Rows, limit: int = 4) -> str:
    """A small matrix as `[[1, 2.5], [3, 4]]` (4 significant digits); at most `limit` rows and
    columns, with '...' for the rest."""

    def number(x: float) -> str:
        return "0" if x == 0 else f"{x:.4g}"  # -0.0 too

    def row_text(row: list[float]) -> str:
        cells = [number(x) for x in row[:limit]] + (["..."] if len(row) > limit else [])
        return "[" + ", ".join(cells) + "]"

    shown = [row_text(row) for row in rows[:limit]] + (["..."] if len(rows) > limit else [])
    return "[" + ", ".join(shown) + "]"


def _shape(rows: Rows) -> list[int]:
    return [len(rows), len(rows[0]) if rows else 0]


def _finite(value: Any) -> Any:
    """value with every nan and infinity replaced by a string, for strict JSON."""
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        return "nan" if value != value else ("inf" if value > 0 else "-inf")
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_finite(item) for item in value]
    return value


def _numbered(loss: Matrix) -> list[Node]:
    """The nodes behind loss in the order of the forward pass: each operation after its inputs,
    a leaf just before the first operation that uses it."""
    ops = sorted((m for m in graph_nodes(loss) if m._inputs), key=lambda m: m._seq)
    order: list[Node] = []
    seen: set[int] = set()
    for node in [*ops, loss]:
        for m in [*node._inputs, node]:
            if id(m) not in seen:
                seen.add(id(m))
                order.append(m)
    return order


def _source(closure: Callable[..., Any] | None, cache: dict[Any, str]) -> str:
    """A closure's source, dedented (the derivative comment included)."""
    code = getattr(closure, "__code__", None)
    if code not in cache:
        import inspect
        import textwrap

        try:
            cache[code] = textwrap.dedent(inspect.getsource(closure))  # type: ignore[arg-type]
        except (OSError, TypeError):
            cache[code] = "(the source of this closure is not available)"
    return cache[code]


def trace_backward(loss: Matrix, gradient: Any = None, retain_graph: bool = False) -> BackwardTrace:
    """Run `loss.backward(gradient, retain_graph)` and record each step; returns the trace.

    The leaves get exactly the gradients plain `backward()` gives them (leaves accumulate over
    passes, as ever), and the graph is freed afterwards unless `retain_graph=True`. Steps come
    in the order backward runs them: each node before the inputs it was made from. Errors are
    backward's, named `trace_backward`.
    """
    if not isinstance(loss, Matrix):
        raise TypeError(f"trace_backward: expected a Matrix, got {type(loss).__name__}")
    if not loss.requires_grad:
        raise RuntimeError(
            f"trace_backward: this {loss.shape} matrix does not require grad and has no graph "
            "(was it made under no_grad, or from inputs with requires_grad=False?)"
        )
    if loss._freed:
        raise RuntimeError(
            f"trace_backward: the graph of this '{loss.op}' {loss.shape} matrix was already "
            "freed by an earlier backward; pass retain_graph=True to the first one"
        )
    order = _numbered(loss)
    ids = {id(m): k for k, m in enumerate(order)}
    nodes = [
        {
            "id": k,
            "op": m.op,
            "name": m.name,
            "shape": list(m.data.shape),
            "value": m.data.tolist(),
            "inputs": [ids[id(i)] for i in m._inputs],
            "leaf": not m._inputs,
            "requires_grad": m.requires_grad,
        }
        for k, m in enumerate(order)
    ]
    steps: list[dict[str, Any]] = []
    current: list[dict[str, Any] | None] = [None]  # the step whose closure is running
    sources: dict[Any, str] = {}

    def start_step(node: Node) -> None:
        if id(node) not in ids:  # a backward inside a closure (checkpoint's): part of this step
            return
        step = {
            "node": ids[id(node)],
            "op": node.op,
            "grad": node._grad.tolist(),
            "source": _source(node._backward, sources),
            "updates": [],
        }
        steps.append(step)
        current[0] = step

    def recorder(m: Node) -> Callable[[List2D], None]:
        accumulate = type(m)._accumulate

        def record(g: List2D) -> None:
            step = current[0]
            if step is None or not m.requires_grad:  # the seed, or an input with no gradient
                accumulate(m, g)
                return
            before = None if m._grad is None else m._grad.tolist()
            sent = g.tolist()
            accumulate(m, g)
            after = m._grad.tolist()
            step["updates"].append(
                {"input": ids[id(m)], "before": before, "after": after, "sent": sent}
            )

        return record

    shadowed = []
    try:
        for m in order:
            m._accumulate = recorder(m)  # type: ignore[method-assign]
            shadowed.append(m)
        with step_hook_set(start_step):
            loss.backward(gradient, retain_graph=retain_graph)
    except (TypeError, ValueError, RuntimeError) as error:
        message = str(error)
        if type(error) in (TypeError, ValueError, RuntimeError) and message.startswith("backward:"):
            raise type(error)("trace_backward" + message[len("backward") :]) from None
        raise
    finally:
        for m in shadowed:
            del m._accumulate
    return BackwardTrace(nodes, steps)


class ProgramError(Exception):
    """A program given to `trace_program` failed, or defined no `loss`; the message is one line."""


def trace_program(code: str, filename: str = "<backprop>") -> tuple[BackwardTrace, dict[str, Any]]:
    """Run `code` (Python that defines `loss`, with `match` imported) and trace `loss`'s
    backward; returns the trace and the program's variables. A Matrix without a name is named
    after the first variable that holds it (`h = ...` shows as h). Raises ProgramError, with a
    one-line message, when the code fails or defines no Matrix `loss` that requires grad."""
    import match

    namespace: dict[str, Any] = {"__name__": "__main__", "match": match}
    try:
        exec(compile(code, filename, "exec"), namespace)
    except (Exception, SystemExit) as error:
        message = " ".join(f"{type(error).__name__}: {error}".split())
        raise ProgramError(f"the code failed: {message}") from error
    if "loss" not in namespace:
        raise ProgramError("the code defines no `loss` (assign the value to differentiate to loss)")
    loss = namespace["loss"]
    if not isinstance(loss, Matrix):
        raise ProgramError(f"`loss` must be a Matrix, got {type(loss).__name__}")
    for variable, value in list(namespace.items()):
        if isinstance(value, Matrix) and value.name is None and not variable.startswith("_"):
            value.name = variable
    try:
        return trace_backward(loss), namespace
    except (TypeError, ValueError, RuntimeError) as error:
        raise ProgramError(" ".join(str(error).split())) from error


__all__ = ["EXAMPLES", "BackwardTrace", "ProgramError", "format_rows", "trace_backward"]
