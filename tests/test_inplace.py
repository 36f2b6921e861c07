"""In-place safety: List2D versions, and backward refusing values changed after they were saved."""

from __future__ import annotations

import pytest

import match
from match import List2D, mat

A = [[0.3, -1.2, 0.7], [1.5, -0.4, -0.9]]
P = [[0.5, 1.7, 0.9], [2.2, 1.3, 0.35]]


# -- the version counter ------------------------------------------------------------------------


def test_new_values_start_at_version_zero() -> None:
    a = List2D.from_2d_list(A)
    assert a.version == 0
    assert (a + 1.0).version == 0 and a.copy().version == 0 and a.T.version == 0


@pytest.mark.parametrize(
    "change",
    [
        lambda a: a.fill_(2.0),
        lambda a: a.zeros_(),
        lambda a: a.ones_(),
        lambda a: a.copy_(List2D.from_2d_list(P)),
        lambda a: a.__setitem__((0, 1), 5.0),
        lambda a: a.__setitem__(1, List2D.from_2d_list([[1.0, 2.0, 3.0]])),
        lambda a: a.__setitem__((slice(None), 2), 0.0),
    ],
    ids=["fill_", "zeros_", "ones_", "copy_", "setitem_element", "setitem_row", "setitem_col"],
)
def test_in_place_methods_bump_the_version(change) -> None:
    a = List2D.from_2d_list(A)
    change(a)
    assert a.version == 1
    change(a)
    assert a.version == 2


def test_out_of_place_operations_do_not_bump() -> None:
    a = List2D.from_2d_list(A)
    _ = a + a, a * 2.0, a.exp(), a[0], a.reshape(3, 2), a.sum(0), -a
    assert a.version == 0


def test_failed_in_place_change_does_not_bump() -> None:
    a = List2D.from_2d_list(A)
    with pytest.raises(ValueError):
        a.copy_(List2D.from_2d_list([[1.0]]))
    assert a.version == 0 and a.tolist() == A


# -- backward checks the versions ---------------------------------------------------------------


def test_exp_output_changed_in_place_raises_naming_exp() -> None:
    x = mat(A)
    y = x.exp()
    y.data.zeros_()
    with pytest.raises(RuntimeError, match=r"'exp'.*changed in\s+place.*version 0 -> 1"):
        y.sum().backward()


@pytest.mark.parametrize(
    "op, make",
    [
        ("mul", lambda x: x * mat(P)),
        ("div", lambda x: x / mat(P)),
        ("pow", lambda x: x**2),
        ("matmul", lambda x: x @ mat(P).T),
        ("matmul", lambda x: x.linear(mat(P))),  # linear is composite: x @ W.T
        ("log", lambda x: x.abs().log()),
        ("sin", lambda x: x.sin()),
        ("relu", lambda x: x.relu()),
        ("tanh", lambda x: x.tanh()),
        ("sigmoid", lambda x: x.sigmoid()),
        ("softmax", lambda x: x.softmax()),
        ("div", lambda x: x.var()),  # var is composite: its last step is a division
    ],
)
def test_input_changed_in_place_raises_naming_the_op(op: str, make) -> None:
    x = mat(A)
    y = make(x)
    saved = y._saved[0]  # the first value this op saved for backward
    saved.fill_(0.5)
    with pytest.raises(RuntimeError, match=f"'{op}'"):
        y.sum().backward()


def test_leaf_data_changed_after_use_raises() -> None:
    x, w = mat(A), mat(P)
    loss = (x * w).sum()
    w.data[0, 0] = 10.0  # setitem is in place
    with pytest.raises(RuntimeError, match="'mul'"):
        loss.backward()


def test_copy_into_saved_value_raises() -> None:
    x = mat(A)
    y = x.sigmoid()
    y.data.copy_(List2D.from_2d_list(P))
    with pytest.raises(RuntimeError, match="'sigmoid'"):
        y.sum().backward()


def test_ops_that_save_nothing_do_not_complain() -> None:
    x, b = mat(A), mat(P)
    y = x + b
    x.data.fill_(1.0)
    b.data.fill_(2.0)
    y2 = (y - 1.0).sum(1).T.reshape(2, 1)
    y2.sum().backward()  # add, sub, sum, transpose, reshape keep no values
    assert x.grad.tolist() == [[1.0] * 3] * 2


def test_change_after_backward_is_fine() -> None:
    x = mat(A)
    y = x.exp()
    y.sum().backward()
    expected = x.grad.tolist()
    y.data.zeros_()  # the graph is gone: nothing can read the old value any more
    assert x.grad.tolist() == expected


def test_change_before_the_op_is_fine() -> None:
    x = mat(A)
    x.data.fill_(1.0)
    y = x.exp()
    y.sum().backward()
    assert x.grad.tolist()[0][0] == pytest.approx(2.718281828459045)


def test_replacing_data_is_not_in_place() -> None:
    # `p.data = new` (as optimizers may do) makes a new List2D and leaves the saved one intact
    x = mat(A)
    y = x * x
    x.data = x.data * 0.0
    y.sum().backward()
    assert x.grad.tolist() == [[2 * v for v in row] for row in A]


def test_no_grad_results_save_nothing() -> None:
    x = mat(A)
    with match.no_grad():
        y = x.exp()
    assert y._saved == ()
    y.data.zeros_()  # nothing to complain about later


def test_retain_graph_second_backward_also_checks() -> None:
    x = mat(A)
    y = x.tanh()
    s = y.sum()
    s.backward(retain_graph=True)
    y.data.fill_(0.0)
    with pytest.raises(RuntimeError, match="'tanh'"):
        s.backward()


# -- regressions: saved outputs and distinct gradient objects ----------------------------------


def test_pow_output_changed_in_place_raises() -> None:
    a, b = mat(P), mat(A)
    y = a**b  # d/db = a^b log(a) reads the output a^b
    y.data.fill_(0.0)
    with pytest.raises(RuntimeError, match="'pow'"):
        y.sum().backward()


def test_gradients_of_different_matrices_are_not_shared() -> None:
    a, b = mat(A), mat(P)
    (a + b).sum().backward()
    a.grad.fill_(7.0)  # e.g. clipping a gradient in place
    assert b.grad.tolist() == [[1.0] * 3] * 2


# -- gradients own their storage ----------------------------------------------------------------


@pytest.mark.parametrize("backend_name", ["python", "numpy"])
def test_gradients_never_share_storage(backend_name: str) -> None:
    """`a + b` hands one gradient to both a and b: changing one .grad in place must not change
    the other (each is copied before its first change in place)."""
    if backend_name not in match.accel.available():
        pytest.skip(f"{backend_name} is not installed")
    with match.accel.using(backend_name):
        a, b = mat([[1.0, 2.0]]), mat([[3.0, 4.0]])
        c = a + b
        c.sum().backward()
        a.grad.mul_(10)
        b.grad.add_(1.0)
        assert a.grad.tolist() == [[10.0, 10.0]]
        assert b.grad.tolist() == [[2.0, 2.0]]
        assert c.grad.tolist() == [[1.0, 1.0]]


# -- in-place arithmetic on a Matrix, with torch's rules -----------------------------------------


def test_sgd_by_hand_changes_the_model_parameters() -> None:
    """`p -= lr * p.grad` under no_grad changes the parameter object itself (it used to rebind
    the loop variable, leaving the model as it was)."""
    model = match.nn.Linear(3, 2)
    before = [p.tolist() for p in model.parameters()]
    ids = [id(p) for p in model.parameters()]
    model(match.ones(4, 3, requires_grad=False)).sum().backward()
    grads = [p.grad.tolist() for p in model.parameters()]
    with match.no_grad():
        for p in model.parameters():
            p -= 0.1 * p.grad
    assert [id(p) for p in model.parameters()] == ids
    for p, old, g in zip(model.parameters(), before, grads):
        expected = [[a - 0.1 * b for a, b in zip(ra, rg)] for ra, rg in zip(old, g)]
        assert p.tolist() == expected


def test_scaling_a_weight_in_place_keeps_it_a_trained_parameter() -> None:
    layer = match.nn.Linear(2, 2)
    weight = layer.weight
    with match.no_grad():
        layer.weight *= 0.1
    assert layer.weight is weight and isinstance(weight, match.nn.Parameter)
    assert dict(layer.named_parameters())["weight"] is weight
    optimizer = match.optim.SGD(layer.parameters(), lr=1.0)
    layer(match.ones(1, 2, requires_grad=False)).sum().backward()
    old = weight.tolist()
    optimizer.step()
    assert weight.tolist() != old


@pytest.mark.parametrize(
    "change",
    [
        lambda x: x.__iadd__(1.0),
        lambda x: x.__isub__(1.0),
        lambda x: x.__imul__(2.0),
        lambda x: x.__itruediv__(2.0),
        lambda x: x.add_(1.0),
        lambda x: x.clamp_(0.0, 1.0),
        lambda x: x.__setitem__((0, 0), 5.0),
    ],
    ids=["+=", "-=", "*=", "/=", "add_", "clamp_", "setitem"],
)
def test_in_place_on_a_leaf_that_requires_grad_raises_as_torch(change) -> None:
    x = mat(A)
    with pytest.raises(RuntimeError, match="leaf Matrix that requires grad"):
        change(x)
    assert x.tolist() == A


def test_in_place_on_a_graph_result_raises_instead_of_a_wrong_gradient() -> None:
    x = mat(A)
    y = x * 2.0
    with pytest.raises(RuntimeError, match=r"write x = x \+ y"):
        y += 1.0
    constant = mat(A, requires_grad=False)
    with pytest.raises(RuntimeError, match="does not record in-place"):
        constant += x  # the result would need a gradient to x


def test_in_place_writes_where_torch_writes() -> None:
    x = mat(A, requires_grad=False)
    same = x
    x += 1.0
    x *= mat([[2.0, 2.0, 2.0]], requires_grad=False)  # broadcast into x's shape
    x -= 0.5
    x /= 4.0
    assert x is same
    expected = [[((a + 1.0) * 2.0 - 0.5) / 4.0 for a in row] for row in A]
    assert x.tolist() == expected
    row = x[0]
    with pytest.raises(RuntimeError, match="does not fit"):
        row += x  # (1, 3) += (2, 3): torch's "output with shape ... doesn't match"
    w = mat(A)
    with match.no_grad():
        w.add_(mat(P, requires_grad=False), alpha=-0.5).clamp_(-1.0, 1.0)
    assert w.tolist() == [
        [max(-1.0, min(1.0, a - 0.5 * p)) for a, p in zip(ra, rp)] for ra, rp in zip(A, P)
    ]
    assert w.requires_grad and w.is_leaf


def test_in_place_change_of_a_saved_value_is_caught_by_backward() -> None:
    x = mat(A)
    h = mat(P, requires_grad=False)
    y = (x * h).sum()
    h *= 2.0  # mul saved h for x's gradient
    with pytest.raises(RuntimeError, match="'mul'"):
        y.backward()


def test_item_and_mask_assignment() -> None:
    x = mat(A, requires_grad=False)
    x[x < 0] = 0.0
    assert x.tolist() == [[max(a, 0.0) for a in row] for row in A]
    x[1] = mat([[7.0, 8.0, 9.0]], requires_grad=False)
    x[0, 2] = -1.0
    assert x.tolist() == [[0.3, 0.0, -1.0], [7.0, 8.0, 9.0]]
    with pytest.raises(RuntimeError, match="collect|does not record"):
        x[0] = mat([[1.0, 2.0, 3.0]])  # a value that needs a gradient
