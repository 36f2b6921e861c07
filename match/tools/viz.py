"""See the compute graph: Graphviz DOT text, rendered images, and plain-text trees.

    >>> y = (x @ w).relu().sum()
    >>> print(match.viz.tree(y))        # in a terminal
    >>> text = match.viz.to_dot(y)      # DOT text, no dependency
    >>> match.viz.render(y, "graph.svg")  # needs the Graphviz `dot` program

The graph exists until backward frees it: call these before `backward()`, or pass
`retain_graph=True` to backward (needed to show gradients with `show_grad=True`).

Names: a Matrix shows its `.name`; `name_parameters(model)` sets each parameter's name from
`model.named_parameters()` ("0.weight", ...), or pass `params=dict(model.named_parameters())`.
"""

from __future__ import annotations

import shutil
import subprocess
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

from ..autograd import graph_nodes
from ..checks import check_int
from ..matrix import Matrix

INSTALL_HINT = (
    "install Graphviz (Debian/Ubuntu: sudo apt install graphviz; macOS: brew install graphviz; "
    "conda: conda install graphviz; Windows and others: https://graphviz.org/download/), "
    "or paste the text of match.viz.to_dot(...) into an online viewer such as "
    "https://dreampuf.github.io/GraphvizOnline"
)


def name_parameters(model: Any) -> Any:
    """Set `p.name` of every parameter of model from `model.named_parameters()`; returns model."""
    for name, p in model.named_parameters():
        p.name = name
    return model


def _names(params: Any) -> dict[int, str]:
    """id -> name from a dict {name: Matrix}, or from a model with named_parameters()."""
    if params is None:
        return {}
    if hasattr(params, "named_parameters"):
        params = dict(params.named_parameters())
    return {id(p): name for name, p in dict(params).items()}


def _check(root: Any, op: str) -> None:
    if not isinstance(root, Matrix):
        raise TypeError(f"{op}: expected a Matrix, got {type(root).__name__}")
    if root._freed:
        warnings.warn(
            f"{op}: the graph of this matrix was freed by backward, so only the matrix itself "
            "is shown; call it before backward, or use backward(retain_graph=True)",
            stacklevel=3,
        )


def _short(values: list[list[float]], limit: int = 12) -> str:
    """Small matrices in full (rounded), larger ones by their range."""
    flat = [x for row in values for x in row]
    if len(flat) <= limit:
        return (
            "[" + ", ".join("[" + ", ".join(f"{x:.4g}" for x in row) + "]" for row in values) + "]"
        )
    return f"min {min(flat):.4g}, max {max(flat):.4g}"


def _kind(m: Matrix, root: Matrix) -> str:
    if m is root:
        return "output"
    if m._inputs:
        return "intermediate"
    return "parameter" if m.requires_grad else "constant"


def _describe(m: Matrix, names: dict[int, str]) -> str:
    """'name (2, 3)', or '2.0' for a 1x1 constant with no name."""
    name = names.get(id(m)) or m.name
    if name is None and not m._inputs and not m.requires_grad and m.shape == (1, 1):
        return f"{m.data.item():.4g}"
    text = f"{m.shape}"
    return f"{name} {text}" if name else text


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


_STYLE = {
    "output": 'shape=box, style="filled,bold", fillcolor="#f8c471"',
    "parameter": 'shape=box, style=filled, fillcolor="#aed6f1"',
    "constant": 'shape=box, style=filled, fillcolor="#eeeeee"',
    "intermediate": "shape=box",
}


def to_dot(matrix: Matrix, show_grad: bool = False, params: Any = None, rankdir: str = "BT") -> str:
    """Graphviz DOT text for the graph that produced `matrix` (no dependency needed).

    Matrices are boxes labelled with their name (if any) and shape; operations are ellipses.
    Parameters (leaves that require grad) are blue, constants grey, the output orange and bold.
    `show_grad=True` adds each gradient (after `backward(retain_graph=True)`). `params` is a
    dict {name: Matrix} or a model with `named_parameters()`, used to name parameters.
    `rankdir` "BT" draws inputs at the bottom and the output on top; "LR" draws left to right.
    """
    _check(matrix, "to_dot")
    names = _names(params)
    nodes = graph_nodes(matrix)
    ids = {id(m): f"m{k}" for k, m in enumerate(nodes)}
    lines = [
        "digraph match {",
        f"  rankdir={rankdir};",
        '  node [fontname="Helvetica", fontsize=11];',
        '  edge [fontname="Helvetica", fontsize=9];',
    ]
    for m in nodes:
        kind = _kind(m, matrix)
        label = _describe(m, names)
        if kind in ("parameter", "output"):
            label += f"\n{kind}"
        if show_grad and m._grad is not None:
            label += f"\ngrad {_short(m._grad.tolist())}"
        lines.append(f'  {ids[id(m)]} [label="{_escape(label)}", {_STYLE[kind]}];')
        if m._inputs:
            op = f"{ids[id(m)]}_op"
            lines.append(
                f'  {op} [label="{_escape(m.op)}", shape=ellipse, style=filled, '
                'fillcolor="#d5f5e3"];'
            )
            lines.append(f"  {op} -> {ids[id(m)]};")
            for k, child in enumerate(m._inputs):
                edge = f' [label="{k}"]' if len(m._inputs) > 1 else ""
                lines.append(f"  {ids[id(child)]} -> {op}{edge};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(matrix: Matrix, path: str | Path, format: str | None = None, **options: Any) -> Path:
    """Draw the graph of `matrix` to an image file with Graphviz's `dot` program.

    The format comes from the file's suffix (.svg, .png, .pdf) unless given. `options` go to
    `to_dot` (show_grad, params, rankdir). Raises RuntimeError with install instructions when
    `dot` is not installed. Returns the path.
    """
    dot = shutil.which("dot")
    if dot is None:
        raise RuntimeError(f"render: the Graphviz program 'dot' was not found; {INSTALL_HINT}")
    path = Path(path)
    fmt = format or path.suffix.lstrip(".") or "svg"
    text = to_dot(matrix, **options)
    done = subprocess.run(
        [dot, f"-T{fmt}", "-o", str(path)], input=text.encode(), capture_output=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"render: dot failed: {done.stderr.decode(errors='replace').strip()}")
    return path


def _tree_line(m: Matrix, root: Matrix, names: dict[int, str], show_grad: bool) -> str:
    """'name (shape) <- op' for a result, 'name (shape) [kind]' for a leaf, then its grad."""
    text = _describe(m, names)
    if m._inputs:
        text += f" <- {m.op}"
    else:
        text += f" [{_kind(m, root)}]" if m is not root else " [leaf]"
    if show_grad and m._grad is not None:
        text += f"  grad {_short(m._grad.tolist())}"
    return text


def tree(
    matrix: Matrix,
    show_grad: bool = False,
    params: Any = None,
    max_depth: int | None = 50,
    max_lines: int | None = 1000,
) -> str:
    """A plain-text tree of the graph, output first, for terminals and `print`.

    Each line is 'name (shape) <- op' for results of operations and 'name (shape) [parameter]'
    or '[constant]' for leaves. A result used more than once is drawn in full the first time,
    tagged '#1', '#2', ..., and later as one line ending '(see above: #1)', so the text grows
    with the number of matrices, not the number of paths through the graph.

    Two limits keep the text small for deep or large graphs: a branch more than `max_depth`
    levels (default 50) below the output ends in a line '... (max_depth=50 reached; ...)', and
    after `max_lines` lines (default 1000) the text ends with '... (max_lines=1000 reached;
    ...)'. None removes a limit.
    """
    _check(matrix, "tree")
    check_int(max_depth, "tree", "max_depth", 0, allow_none=True)
    check_int(max_lines, "tree", "max_lines", 1, allow_none=True)
    names = _names(params)
    uses = Counter(id(child) for m in graph_nodes(matrix) for child in m._inputs)
    tags: dict[int, str] = {}  # id -> '#k' for results used more than once, once drawn
    lines: list[str] = []
    # a stack of (matrix or a marker line, prefix of this line, prefix of its children, depth)
    stack: list[tuple[Matrix | str, str, str, int]] = [(matrix, "", "", 0)]
    while stack:
        if max_lines is not None and len(lines) == max_lines:
            lines.append(f"... (max_lines={max_lines} reached; max_lines=None shows all)")
            break
        m, head, tail, depth = stack.pop()
        if isinstance(m, str):
            lines.append(head + m)
            continue
        text = head + _tree_line(m, matrix, names, show_grad)
        if id(m) in tags:
            lines.append(f"{text} (see above: {tags[id(m)]})")
            continue
        if m._inputs and uses[id(m)] > 1 and depth != max_depth:
            tags[id(m)] = f"#{len(tags) + 1}"
            text += f" {tags[id(m)]}"
        lines.append(text)
        children: list[Matrix | str] = list(m._inputs)
        if children and depth == max_depth:
            children = [f"... (max_depth={max_depth} reached; max_depth=None shows all)"]
        for k in reversed(range(len(children))):
            last = k == len(children) - 1
            branch = ("└── ", "    ") if last else ("├── ", "│   ")
            stack.append((children[k], tail + branch[0], tail + branch[1], depth + 1))
    return "\n".join(lines)


__all__ = ["to_dot", "render", "tree", "name_parameters", "INSTALL_HINT"]
