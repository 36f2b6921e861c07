"""`match.tools.trace_backward` and `python -m match backprop`: backward recorded step by step,
with the same gradients as plain `backward()`, on the active backend (the suite runs again with
MATCH_ACCEL=numpy)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import match
from match import nn
from match.tools import BackwardTrace, trace_backward
from match.tools.backprop import EXAMPLES, ProgramError, trace_program

ROOT = Path(__file__).resolve().parent.parent


def _neuron() -> tuple[match.Matrix, list[match.Matrix]]:
    x = match.mat([[1.0, 2.0]], requires_grad=False)
    w = match.mat([[0.5], [-0.25]])
    b = match.mat([[0.1]])
    w.name, b.name = "w", "b"
    return (((x @ w + b).sigmoid() - 1.0) ** 2).sum(), [w, b]


def _shared() -> tuple[match.Matrix, list[match.Matrix]]:
    x = match.mat([[1.5, -0.5]])
    y = x * x
    return (y * y + y).sum(), [x]


def _broadcast() -> tuple[match.Matrix, list[match.Matrix]]:
    h = match.mat([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], requires_grad=False)
    bias = match.mat([[0.5, -0.5]])
    return (h + bias).tanh().sum(), [bias]


def _mlp() -> tuple[match.Matrix, list[match.Matrix]]:
    match.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 3))
    x = match.randn(5, 2, requires_grad=False)
    loss = nn.functional.cross_entropy(model(x), [0, 1, 2, 1, 0])
    return loss, list(model.parameters())


def _checkpointed() -> tuple[match.Matrix, list[match.Matrix]]:
    match.manual_seed(1)
    block = nn.Sequential(nn.Linear(3, 3), nn.Tanh())
    x = match.randn(2, 3)
    return match.checkpoint(block, x).sum(), [x, *block.parameters()]


PROGRAMS: dict[str, Callable[[], tuple[match.Matrix, list[match.Matrix]]]] = {
    "neuron": _neuron,
    "shared": _shared,
    "broadcast": _broadcast,
    "mlp": _mlp,
    "checkpoint": _checkpointed,
}


@pytest.mark.parametrize("name", PROGRAMS)
def test_leaf_gradients_equal_plain_backward_exactly(name: str) -> None:
    loss, leaves = PROGRAMS[name]()
    loss.backward()
    expected = [m.grad.tolist() for m in leaves]
    loss, leaves = PROGRAMS[name]()
    trace = trace_backward(loss)
    assert isinstance(trace, BackwardTrace)
    assert [m.grad.tolist() for m in leaves] == expected
    assert not any("_accumulate" in vars(m) for m in leaves)  # the recorders are gone
    with pytest.raises(RuntimeError, match="already freed"):
        loss.backward()  # freed, as plain backward frees it


def _plus(a: list[list[float]], b: list[list[float]]) -> list[list[float]]:
    return [[x + y for x, y in zip(ra, rb)] for ra, rb in zip(a, b)]


def _minus(a: list[list[float]], b: list[list[float]]) -> list[list[float]]:
    return [[x - y for x, y in zip(ra, rb)] for ra, rb in zip(a, b)]


@pytest.mark.parametrize("name", PROGRAMS)
def test_summed_updates_give_each_leafs_gradient(name: str) -> None:
    loss, leaves = PROGRAMS[name]()
    trace = trace_backward(loss, retain_graph=True)
    by_id = {node["id"]: node for node in trace.nodes}
    totals: dict[int, list[list[float]]] = {}
    for step in trace.steps:
        for update in step["updates"]:
            before = update["before"]
            if before is None:
                assert update["input"] not in totals  # None only before the first accumulate
                delta = update["after"]
            else:
                assert before == totals[update["input"]]  # each update starts where one ended
                delta = _minus(update["after"], before)
            shape = by_id[update["input"]]["shape"]
            zeros = [[0.0] * shape[1] for _ in range(shape[0])]
            totals[update["input"]] = _plus(totals.get(update["input"], zeros), delta)
    leaf_ids = [n["id"] for n in trace.nodes if n["leaf"] and n["requires_grad"]]
    assert sorted(trace.gradients()) == sorted(i for i in leaf_ids if i in totals)
    for node_id, rows in trace.gradients().items():
        flat = [x for row in rows for x in row]
        assert [x for row in totals[node_id] for x in row] == pytest.approx(flat, abs=1e-12)
    # every leaf that got a gradient is in the trace, with its gradient as the last "after"
    grads = sorted(m.grad.tolist() for m in leaves if m.grad is not None and m.is_leaf)
    if name != "checkpoint":  # checkpoint's inner backward adds to its parameters directly
        assert sorted(trace.gradients().values()) == grads


@pytest.mark.parametrize("name", PROGRAMS)
def test_steps_come_in_reverse_topological_order(name: str) -> None:
    loss, _ = PROGRAMS[name]()
    trace = trace_backward(loss)
    by_id = {node["id"]: node for node in trace.nodes}
    position = {step["node"]: k for k, step in enumerate(trace.steps)}
    assert len(position) == len(trace.steps)  # each closure runs once
    assert trace.steps[0]["node"] == trace.nodes[-1]["id"]  # the loss first, seeded with ones
    assert trace.steps[0]["grad"] == [[1.0] * loss.shape[1]] * loss.shape[0]
    for step in trace.steps:
        node = by_id[step["node"]]
        assert step["op"] == node["op"] and not node["leaf"]
        for input_id in node["inputs"]:
            assert input_id < node["id"]  # ids follow the forward pass
            if input_id in position:  # an input's step comes after every node that used it
                assert position[input_id] > position[step["node"]]
        for update in step["updates"]:
            assert update["input"] in node["inputs"]
            assert by_id[update["input"]]["requires_grad"]


def test_nodes_describe_the_graph() -> None:
    x = match.mat([[1.0, 2.0]], requires_grad=False)
    w = match.mat([[0.5], [-0.25]])
    x.name, w.name = "x", "w"
    loss = (x @ w).sum()
    trace = trace_backward(loss)
    assert trace.nodes == [
        {
            "id": 0,
            "op": "",
            "name": "x",
            "shape": [1, 2],
            "value": [[1.0, 2.0]],
            "inputs": [],
            "leaf": True,
            "requires_grad": False,
        },
        {
            "id": 1,
            "op": "",
            "name": "w",
            "shape": [2, 1],
            "value": [[0.5], [-0.25]],
            "inputs": [],
            "leaf": True,
            "requires_grad": True,
        },
        {
            "id": 2,
            "op": "matmul",
            "name": None,
            "shape": [1, 1],
            "value": [[0.0]],
            "inputs": [0, 1],
            "leaf": False,
            "requires_grad": True,
        },
        {
            "id": 3,
            "op": "sum",
            "name": None,
            "shape": [1, 1],
            "value": [[0.0]],
            "inputs": [2],
            "leaf": False,
            "requires_grad": True,
        },
    ]
    # matmul's step: only w requires grad, so x gets no update
    (matmul,) = [s for s in trace.steps if s["op"] == "matmul"]
    assert [u["input"] for u in matmul["updates"]] == [1]
    assert matmul["updates"][0] == {
        "input": 1,
        "before": None,
        "after": [[1.0], [2.0]],
        "sent": [[1.0], [2.0]],
    }
    assert "# d(A @ B)/dA = G @ B^T" in matmul["source"]
    assert matmul["source"].startswith("def backward(g")  # dedented
    assert len(trace) == 2 and repr(trace) == "<BackwardTrace: 4 nodes, 2 steps>"


def test_a_shared_input_gets_one_update_per_accumulate() -> None:
    y = match.mat([[3.0]])
    loss = (y * y).sum()
    trace = trace_backward(loss)
    mul = trace.steps[1]
    assert mul["op"] == "mul"
    assert [(u["input"], u["before"], u["after"]) for u in mul["updates"]] == [
        (0, None, [[3.0]]),
        (0, [[3.0]], [[6.0]]),
    ]
    assert y.grad.tolist() == [[6.0]]


def test_a_broadcast_input_receives_the_sum() -> None:
    loss, (bias,) = _broadcast()
    trace = trace_backward(loss)
    add = trace.steps[-1]
    (update,) = add["updates"]
    assert len(update["sent"]) == 3 and len(update["after"]) == 1
    column_sums = [sum(col) for col in zip(*update["sent"])]
    assert update["after"][0] == pytest.approx(column_sums)
    assert "summed back to (1, 2)" in trace.text()


def test_leaves_accumulate_and_retain_graph_keeps_it() -> None:
    w = match.mat([[2.0]])
    loss = (w * 3.0).sum()
    trace_backward(loss, retain_graph=True)
    again = trace_backward(loss)
    (update,) = again.steps[-1]["updates"]
    assert update["before"] == [[3.0]] and update["after"] == [[6.0]]
    assert w.grad.tolist() == [[6.0]]


def test_the_seed_and_gradient_argument() -> None:
    x = match.mat([[1.0, 2.0]])
    y = x * 2.0
    trace = trace_backward(y, gradient=match.mat([[1.0, -1.0]], requires_grad=False))
    assert trace.steps[0]["grad"] == [[1.0, -1.0]]
    assert x.grad.tolist() == [[2.0, -2.0]]


def test_a_leaf_loss_has_no_steps() -> None:
    w = match.mat([[2.0]])
    trace = trace_backward(w)
    assert trace.steps == [] and w.grad.tolist() == [[1.0]]
    assert "no backward steps" in trace.text()


def test_errors_name_trace_backward() -> None:
    with pytest.raises(TypeError, match="trace_backward: expected a Matrix"):
        trace_backward([[1.0]])  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match="trace_backward: .* does not require grad"):
        trace_backward(match.mat([[1.0]], requires_grad=False))
    x = match.mat([[1.0]])
    loss = (x * x).sum()
    with pytest.raises(ValueError, match="trace_backward: gradient shape"):
        trace_backward(loss, gradient=match.zeros(2, 2))
    assert "_accumulate" not in vars(x)
    trace_backward(loss)
    with pytest.raises(RuntimeError, match="trace_backward: the graph .* already freed"):
        trace_backward(loss)
    y = match.mat([[1.0, 2.0]])
    z = y.exp()
    z.data.zeros_()
    with pytest.raises(RuntimeError, match="trace_backward: a value saved by 'exp'"):
        trace_backward(z.sum())
    assert "_accumulate" not in vars(y)


def test_no_hook_and_no_recorder_outlive_the_trace() -> None:
    from match.grad_mode import step_hook

    loss, leaves = _neuron()
    trace_backward(loss)
    assert step_hook() is None
    loss, leaves = _neuron()
    loss.backward()  # plain backward afterwards: nothing recorded, same result
    assert leaves[0].grad is not None


def test_to_json_is_strict_json_of_nodes_and_steps() -> None:
    loss, _ = _mlp()
    trace = trace_backward(loss)
    data = json.loads(trace.to_json())
    assert data == {"nodes": trace.nodes, "steps": trace.steps}
    x = match.mat([[float("inf"), 1.0]])
    text = trace_backward((x * 2.0).sum()).to_json()
    assert '"inf"' in text and "Infinity" not in text
    json.loads(text, parse_constant=lambda c: pytest.fail(f"not strict JSON: {c}"))


def test_text_and_html_views() -> None:
    loss, _ = _neuron()
    trace = trace_backward(loss)
    text = str(trace)
    assert text == trace.text()
    assert text.startswith("step 1 of 6: sum #")
    assert "gradient arriving: [[1]]" in text
    assert "# d sigmoid(x)/dx = s (1 - s)" in text
    assert "grad before: none yet" in text
    assert "leaf gradients:" in text and "w (leaf) #1 (2, 1)" in text
    assert trace.step_text(0) == text.split("\n\n")[0]
    page = trace._repr_html_()
    assert page.count("<details") == 6 and "<details open>" in page
    assert "d sigmoid(x)/dx" in page and "<script" not in page


def test_trace_program_runs_code_and_names_its_matrices() -> None:
    trace, namespace = trace_program("x = match.mat([[2.0]])\nloss = (x * x).sum()\n")
    assert namespace["x"].grad.tolist() == [[4.0]]
    assert trace.nodes[0]["name"] == "x" and trace.nodes[-1]["name"] == "loss"
    for code, message in [
        ("x = 1", "defines no `loss`"),
        ("loss = 1 / 0", "ZeroDivisionError: division by zero"),
        ("loss = 3", "must be a Matrix"),
        ("loss = match.mat([[1.0]], requires_grad=False)", "does not require grad"),
        ("def f(:", "SyntaxError"),
    ]:
        with pytest.raises(ProgramError, match=message) as raised:
            trace_program(code)
        assert "\n" not in str(raised.value)


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_example_traces(name: str) -> None:
    trace, namespace = trace_program(EXAMPLES[name])
    assert trace.steps and trace.gradients()
    assert all(n["name"] for n in trace.nodes if n["leaf"] and n["requires_grad"])
    assert trace.nodes[-1]["name"] == "loss"


def test_tools_load_it_on_first_use() -> None:
    code = "import sys, match; print('match.tools.backprop' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.stdout.strip() == "False", done.stderr
    assert match.tools.trace_backward is trace_backward


# ---------------------------------------------------------------------------------------------
# python -m match backprop
# ---------------------------------------------------------------------------------------------


def _command(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))  # MATCH_ACCEL is kept: both backends
    return subprocess.run(
        [sys.executable, "-m", "match", "backprop", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_command_prints_each_step() -> None:
    done = _command("x = match.mat([[1.5, -0.5]])\ny = x * x\nloss = (y * y + y).sum()")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith("step 1 of 4: loss (sum) #4 (1, 1)")
    assert "gradient arriving: [[5.5, 1.5]]" in out  # y's: three uses added up
    assert "# d(a * b)/da = b, d(a * b)/db = a" in out
    assert "grad before: [[3.25, 1.25]]" in out and "grad after:  [[5.5, 1.5]]" in out
    assert "x (leaf) #0 (1, 2): [[16.5, -1.5]]" in out
    assert done.stderr == ""


def test_the_command_runs_an_example() -> None:
    done = _command("--example", "broadcast")
    assert done.returncode == 0, done.stderr
    assert "summed back to (1, 2) (it was broadcast)" in done.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["x = 1"], "the code defines no `loss`"),
        (["loss = 1 / 0"], "the code failed: ZeroDivisionError: division by zero"),
        (["raise SystemExit(3)"], "the code failed: SystemExit: 3"),
        ([], "give either CODE or --example NAME"),
        (["--example", "nope"], "invalid choice: 'nope'"),
    ],
)
def test_the_command_fails_in_one_line(args: list[str], message: str) -> None:
    done = _command(*args)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("python -m match backprop: error: ")


def test_main_dispatches_backprop(capsys: Any) -> None:
    from match.__main__ import main

    assert main(["backprop", "x = match.mat([[2.0]])\nloss = (x * 3.0).sum()"]) == 0
    assert "x (leaf) #0 (1, 1): [[3]]" in capsys.readouterr().out


def test_a_leaf_named_by_mat_keeps_its_name_in_the_trace() -> None:
    w = match.mat([[1.0, 2.0]], name="w")
    trace = match.tools.trace_backward((w * w).sum())
    assert [n["name"] for n in trace.nodes if n["leaf"]] == ["w"]
    with pytest.raises(TypeError, match="mat: name must be a str"):
        match.mat([[1.0]], name=3)
