"""match.viz: DOT text, rendering with Graphviz (when installed), and text trees."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import match
from match import mat, viz

A = [[0.3, -1.2, 0.7], [1.5, -0.4, -0.9]]
B = [[-0.6, 0.8], [1.1, 0.2], [-1.3, 0.45]]
ROOT = Path(__file__).resolve().parent.parent


def graph():
    x = mat(A, requires_grad=False)
    x.name = "x"
    w = mat(B)
    w.name = "w"
    b = mat([[0.1, -0.1]])
    h = (x @ w + b).relu()
    loss = (h * 2.0 + h).sum()
    return loss, x, w, b


def test_to_dot_structure() -> None:
    loss, *_ = graph()
    text = viz.to_dot(loss)
    assert text.startswith("digraph match {") and text.rstrip().endswith("}")
    for op in ("matmul", "add", "relu", "mul", "sum"):
        assert f'label="{op}", shape=ellipse' in text
    assert 'label="x (2, 3)", shape=box' in text  # input (constant): a box, grey
    assert 'label="w (3, 2)\\nparameter"' in text  # parameter: marked
    assert 'label="(1, 1)\\noutput"' in text  # output: marked
    assert 'label="2"' in text  # a number operand shows its value
    assert "show_grad" not in text and "grad" not in text
    # relu's result is used twice but drawn once
    assert text.count('label="relu"') == 1


def test_to_dot_show_grad_and_params_names() -> None:
    loss, x, w, b = graph()
    loss.backward(retain_graph=True)
    text = viz.to_dot(loss, show_grad=True, params={"layer.bias": b})
    assert "layer.bias (1, 2)" in text
    assert "grad [[" in text
    big = mat([[float(i + j) for j in range(5)] for i in range(4)])
    y = big.sum()
    y.backward(retain_graph=True)
    assert "grad min 1, max 1" in viz.to_dot(y, show_grad=True)


def test_to_dot_escapes_names() -> None:
    x = mat([[1.0]])
    x.name = 'say "hi"\\'
    text = viz.to_dot(x * 2.0)
    assert 'say \\"hi\\"\\\\' in text


def test_name_parameters_uses_named_parameters() -> None:
    class Model:
        def __init__(self) -> None:
            self.w, self.b = mat(B), mat([[0.0, 0.0]])

        def named_parameters(self):
            return [("fc.weight", self.w), ("fc.bias", self.b)]

    model = Model()
    assert viz.name_parameters(model) is model
    assert model.w.name == "fc.weight" and model.b.name == "fc.bias"
    out = (mat(A, requires_grad=False) @ model.w + model.b).sum()
    assert "fc.weight (3, 2)" in viz.to_dot(out)
    assert "fc.bias (1, 2) [parameter]" in viz.tree(out)
    # params= also accepts a model
    model.w.name = None
    assert "fc.weight (3, 2)" in viz.to_dot(out, params=model)


def test_tree_text() -> None:
    loss, *_ = graph()
    text = viz.tree(loss)
    lines = text.splitlines()
    assert lines[0] == "(1, 1) <- sum"
    assert lines[1] == "└── (2, 2) <- add"
    assert any("x (2, 3) [constant]" in line for line in lines)
    assert any("w (3, 2) [parameter]" in line for line in lines)
    assert any(line.endswith("<- relu #1") for line in lines)
    assert any(line.endswith("<- relu (see above: #1)") for line in lines)
    assert sum("<- matmul" in line for line in lines) == 1


def test_tree_of_a_leaf_and_show_grad() -> None:
    x = mat(A)
    assert viz.tree(x) == "(2, 3) [leaf]"
    y = (x * x).sum()
    y.backward(retain_graph=True)
    assert "grad [[0.6, -2.4, 1.4], [3, -0.8, -1.8]]" in viz.tree(y, show_grad=True)


def test_deep_graph_does_not_recurse() -> None:
    x = mat([[1.0]])
    y = x
    for _ in range(3000):
        y = y * 1.0
    assert viz.tree(y, max_depth=None, max_lines=None).count("<- mul") == 3000
    assert viz.to_dot(y).count('label="mul"') == 3000


def chain(n: int) -> match.Matrix:
    y = mat([[1.0]])
    for _ in range(n):
        y = y * 1.0
    return y


def test_deep_chain_gives_a_small_tree() -> None:
    text = viz.tree(chain(5000))
    lines = text.splitlines()
    assert len(text) < 30_000  # uncapped, the prefixes alone make about 100 MB
    assert sum("<- mul" in line for line in lines) == 51  # the output and 50 levels below it
    assert lines[-1].endswith("└── 1 [constant]")
    assert sum("... (max_depth=50 reached; max_depth=None shows all)" in x for x in lines) == 1


def test_tree_line_limit() -> None:
    lines = viz.tree(chain(300), max_depth=None, max_lines=100).splitlines()
    assert len(lines) == 101
    assert lines[-1] == "... (max_lines=100 reached; max_lines=None shows all)"
    assert viz.tree(chain(3), max_depth=0) == (
        "(1, 1) <- mul\n└── ... (max_depth=0 reached; max_depth=None shows all)"
    )


def test_tree_prints_a_shared_subgraph_once() -> None:
    x = mat([[1.0, -2.0]])
    x.name = "x"
    top = (x * 3.0).exp().tanh()  # shared by both sides of the diamond
    y = (top.relu() + top.sigmoid()).sum()
    assert viz.tree(y) == "\n".join(
        [
            "(1, 1) <- sum",
            "└── (1, 2) <- add",
            "    ├── (1, 2) <- relu",
            "    │   └── (1, 2) <- tanh #1",
            "    │       └── (1, 2) <- exp",
            "    │           └── (1, 2) <- mul",
            "    │               ├── x (1, 2) [parameter]",
            "    │               └── 3 [constant]",
            "    └── (1, 2) <- sigmoid",
            "        └── (1, 2) <- tanh (see above: #1)",
        ]
    )
    # a ladder of diamonds: 2**40 paths, drawn in 3 lines per level (mul, tanh, back-reference)
    z = x
    for _ in range(40):
        z = z.tanh()
        z = z * z
    assert len(viz.tree(z, max_depth=None).splitlines()) == 3 * 40 + 1


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"max_depth": -1}, ValueError, "tree: max_depth must be at least 0, got -1"),
        ({"max_lines": 0}, ValueError, "tree: max_lines must be at least 1, got 0"),
        ({"max_lines": 2.5}, TypeError, "tree: max_lines must be an int or None, got float"),
        ({"max_depth": True}, TypeError, "tree: max_depth must be an int or None, got bool"),
    ],
)
def test_tree_limits_are_checked(kwargs, error, message) -> None:
    with pytest.raises(error, match=re.escape(message)):
        viz.tree(chain(2), **kwargs)


def test_import_match_leaves_viz_for_later() -> None:
    """`import match` does not load viz (nor subprocess and shutil, which viz needs)."""
    code = (
        "import sys, match; "
        "print(sorted({'subprocess', 'shutil', 'match.tools.viz'} & set(sys.modules))); "
        "match.viz.tree; print('match.tools.viz' in sys.modules)"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("MATCH_ACCEL", None)  # match's own imports, not numpy's
    # -S: no site module, which may import shutil itself (through .pth files)
    done = subprocess.run(
        [sys.executable, "-S", "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == ["[]", "True"]
    assert viz is match.viz is match.tools.viz


def test_freed_graph_warns() -> None:
    loss, *_ = graph()
    loss.backward()
    with pytest.warns(UserWarning, match="retain_graph"):
        text = viz.to_dot(loss)
    assert "ellipse" not in text


def test_type_errors() -> None:
    with pytest.raises(TypeError, match="to_dot: expected a Matrix"):
        viz.to_dot([[1.0]])


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' is not installed")
def test_dot_accepts_the_output(tmp_path) -> None:
    loss, _, _, b = graph()
    loss.backward(retain_graph=True)
    text = viz.to_dot(loss, show_grad=True, params={"bias": b})
    done = subprocess.run(["dot", "-Tsvg"], input=text.encode(), capture_output=True)
    assert done.returncode == 0, done.stderr.decode()
    assert b"<svg" in done.stdout
    path = viz.render(loss, tmp_path / "graph.svg")
    assert path.read_text().lstrip().startswith(("<?xml", "<svg", "<!DOCTYPE"))
    png = viz.render(loss, tmp_path / "graph.png")
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_render_without_dot_explains(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    loss, *_ = graph()
    with pytest.raises(RuntimeError, match="install Graphviz.*apt install graphviz"):
        viz.render(loss, tmp_path / "graph.svg")


def test_viz_leaves_gradients_alone() -> None:
    loss, _, w, _ = graph()
    viz.to_dot(loss)
    viz.tree(loss)
    assert w._grad is None
    loss.backward()  # the graph is still intact
    assert w.grad.shape == (3, 2)
    assert match.is_grad_enabled()


def test_real_model_parameter_names() -> None:
    nn = match.nn
    if not all(hasattr(nn, n) for n in ("Sequential", "Linear", "ReLU")):
        pytest.skip("match.nn does not have Sequential/Linear/ReLU yet")
    match.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    out = model(mat(A, requires_grad=False)).sum()
    by_params = viz.to_dot(out, params=dict(model.named_parameters()))
    assert "0.weight (4, 3)" in by_params and "2.bias (1, 2)" in by_params
    viz.name_parameters(model)
    assert viz.to_dot(out) == by_params
    assert "0.weight (4, 3) [parameter]" in viz.tree(out)
