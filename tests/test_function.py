"""match.Function (custom ops), match.checkpoint, match.grad and match.value_and_grad."""

from __future__ import annotations

import pytest

import match
from match import Function, List2D, Matrix, checkpoint, grad, gradcheck, mat, value_and_grad

from .parity import assert_close

A = [[0.3, -1.2, 0.7], [1.5, -0.4, -0.9]]
B = [[-0.6, 0.8], [1.1, 0.2], [-1.3, 0.45]]


class Cube(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3.0 * x * x


class ScaledMatmul(Function):
    """(a @ b) * scale, with a number argument passing through to forward."""

    @staticmethod
    def forward(ctx, a, b, scale):
        ctx.save_for_backward(a, b)
        ctx.scale = scale
        return (a @ b) * scale

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        g = g * ctx.scale
        return g @ b.T, a.T @ g


# -- Function ---------------------------------------------------------------------------------


def test_function_forward_and_graph() -> None:
    x = mat(A)
    y = Cube.apply(x)
    assert isinstance(y, Matrix) and y.op == "Cube" and y.requires_grad
    assert_close(y, [[v**3 for v in row] for row in A])
    y.sum().backward()
    assert_close(x.grad, [[3 * v * v for v in row] for row in A])


def test_function_matches_builtin_ops_and_gradcheck() -> None:
    a, b = mat(A), mat(B)
    ScaledMatmul.apply(a, b, 0.5).tanh().sum().backward()
    a2, b2 = mat(A), mat(B)
    ((a2 @ b2) * 0.5).tanh().sum().backward()
    assert_close(a.grad, a2.grad)
    assert_close(b.grad, b2.grad)
    assert gradcheck(
        lambda x, y: ScaledMatmul.apply(x, y, 2.0), mat(A), mat(B), raise_exception=True
    )
    assert gradcheck(Cube.apply, mat(A), raise_exception=True)


def test_function_in_a_larger_graph_accumulates() -> None:
    x = mat(A)
    (Cube.apply(x) + x * 2.0).sum().backward()
    assert_close(x.grad, [[3 * v * v + 2 for v in row] for row in A])


def test_function_needs_input_grad_and_none_gradient() -> None:
    seen = {}

    class Mul(Function):
        @staticmethod
        def forward(ctx, a, b):
            seen["needs"] = ctx.needs_input_grad
            ctx.save_for_backward(a, b)
            return a * b

        @staticmethod
        def backward(ctx, g):
            a, b = ctx.saved_tensors
            return g * b, None

    a, c = mat(A), mat(A, requires_grad=False)
    Mul.apply(a, c).sum().backward()
    assert seen["needs"] == (True, False)
    assert_close(a.grad, A)


def test_function_torch_style_gradient_per_argument() -> None:
    class Scale(Function):
        @staticmethod
        def forward(ctx, x, k):
            ctx.k = k
            return x * k

        @staticmethod
        def backward(ctx, g):
            return g * ctx.k, None  # one per argument, None for the number

    x = mat(A)
    Scale.apply(x, 3.0).sum().backward()
    assert_close(x.grad, [[3.0] * 3] * 2)


def test_function_wrong_gradient_shape_names_the_function() -> None:
    class Bad(Function):
        @staticmethod
        def forward(ctx, x):
            return x.sum(1)

        @staticmethod
        def backward(ctx, g):
            return g  # (2, 1), not the input's (2, 3)

    y = Bad.apply(mat(A))
    with pytest.raises(ValueError, match=r"Bad\.backward.*\(2, 1\).*\(2, 3\)"):
        y.sum().backward()


def test_function_wrong_gradient_count() -> None:
    class Two(Function):
        @staticmethod
        def forward(ctx, a, b):
            return a + b

        @staticmethod
        def backward(ctx, g):
            return g

    with pytest.raises(ValueError, match="Two.backward returned 1 gradient"):
        Two.apply(mat(A), mat(A)).sum().backward()


def test_function_forward_must_return_values() -> None:
    class NoValue(Function):
        @staticmethod
        def forward(ctx, x):
            return 1.0

    with pytest.raises(TypeError, match="NoValue.forward must return a List2D"):
        NoValue.apply(mat(A))


def test_function_under_no_grad_and_constants() -> None:
    with match.no_grad():
        y = Cube.apply(mat(A))
    assert not y.requires_grad and y.is_leaf
    assert not Cube.apply(mat(A, requires_grad=False)).requires_grad


def test_function_saved_value_changed_in_place() -> None:
    x = mat(A)
    y = Cube.apply(x)
    x.data.fill_(1.0)
    with pytest.raises(RuntimeError, match="Cube"):
        y.sum().backward()


def test_function_not_implemented() -> None:
    class Empty(Function):
        pass

    with pytest.raises(NotImplementedError):
        Empty.apply(mat(A))


# -- checkpoint -------------------------------------------------------------------------------


def _mlp_params(depth: int, width: int) -> list[tuple[Matrix, Matrix]]:
    match.manual_seed(3)
    return [
        (match.randn(width, width) * (1.0 / width**0.5), match.randn(1, width))
        for _ in range(depth)
    ]


def _leafify(params):
    return [(Matrix(w.data.copy()), Matrix(b.data.copy())) for w, b in params]


def test_checkpoint_same_gradients_as_plain() -> None:
    params = _leafify(_mlp_params(4, 5))
    params_ck = _leafify(params)
    x0 = [[0.1 * (i - j) for j in range(5)] for i in range(3)]

    def block(h, w, b):
        return h.linear(w, b).tanh()

    x = mat(x0)
    h = x
    for w, b in params:
        h = block(h, w, b)
    (h * h).sum().backward()

    xc = mat(x0)
    h = xc
    for w, b in params_ck:
        h = checkpoint(block, h, w, b)
    assert h.op == "checkpoint"
    (h * h).sum().backward()

    assert_close(xc.grad, x.grad)
    for (w, b), (wc, bc) in zip(params, params_ck):
        assert_close(wc.grad, w.grad)
        assert_close(bc.grad, b.grad)


def test_checkpoint_keeps_no_intermediate_graph() -> None:
    x, w = mat(A), mat(B)
    out = checkpoint(lambda a, b: ((a @ b).tanh() * 2.0).exp(), x, w)
    assert out._inputs == (x, w)  # only the inputs: the intermediate graph was not kept
    out.sum().backward()
    x2, w2 = mat(A), mat(B)
    ((x2 @ w2).tanh() * 2.0).exp().sum().backward()
    assert_close(x.grad, x2.grad)
    assert_close(w.grad, w2.grad)


def test_checkpoint_finds_module_parameters() -> None:
    class Layer:
        def __init__(self) -> None:
            self.w = mat(B)

        def parameters(self):
            return [self.w]

        def __call__(self, x):
            return (x @ self.w).sigmoid()

    layer = Layer()
    x = mat(A, requires_grad=False)  # no input requires grad: the parameters carry it
    out = checkpoint(layer, x)
    assert out.requires_grad
    out.sum().backward()
    w2 = mat(B)
    (mat(A, requires_grad=False) @ w2).sigmoid().sum().backward()
    assert_close(layer.w.grad, w2.grad)


def test_checkpoint_replays_randomness() -> None:
    def noisy(a):
        return a * match.rand(*a.shape, requires_grad=False)

    x = mat(A)
    out = checkpoint(noisy, x)
    match.rand(5, 5)  # move the generator on between forward and backward
    out.sum().backward()
    mask = [[o / v for o, v in zip(ro, rv)] for ro, rv in zip(out.tolist(), A)]
    assert_close(x.grad, mask)


def test_checkpoint_gradcheck_and_errors() -> None:
    assert gradcheck(
        lambda a, b: checkpoint(lambda p, q: (p @ q).tanh(), a, b),
        mat(A),
        mat(B),
        raise_exception=True,
    )
    with pytest.raises(TypeError, match="must return a Matrix"):
        checkpoint(lambda a: 3, mat(A))
    with pytest.raises(TypeError, match=r"checkpoint: fn must be callable .*got 3 \(int\)"):
        match.checkpoint(3)
    with pytest.raises(TypeError, match=r"checkpoint: fn must be callable .*got 'a' \(str\)"):
        checkpoint("a", mat(A))


def test_checkpoint_detects_inputs_changed_in_place() -> None:
    x = mat(A)
    out = checkpoint(lambda a: a.exp(), x)
    x.data.fill_(0.0)
    with pytest.raises(RuntimeError, match="checkpoint"):
        out.sum().backward()


# -- grad and value_and_grad ------------------------------------------------------------------


def loss(a: Matrix, b: Matrix) -> Matrix:
    return (a @ b).tanh().sum()


def test_grad_matches_backward() -> None:
    a, b = mat(A), mat(B)
    loss(a, b).backward()
    ga = grad(loss)(mat(A), mat(B))
    assert isinstance(ga, List2D)
    assert_close(ga, a.grad)
    ga2, gb2 = grad(loss, argnums=(0, 1))(mat(A), mat(B))
    assert_close(ga2, a.grad)
    assert_close(gb2, b.grad)
    gb = grad(loss, argnums=1)(mat(A), B)  # nested lists work too
    assert_close(gb, b.grad)
    assert_close(grad(loss, argnums=-1)(mat(A), B), b.grad)
    ga3, gb3 = grad(loss, argnums=(0, 1))(A, B)
    assert_close(ga3, a.grad)


def test_value_and_grad() -> None:
    value, g = value_and_grad(lambda x: (x * x).sum())(mat(A))
    assert value == pytest.approx(sum(v * v for row in A for v in row))
    assert_close(g, [[2 * v for v in row] for row in A])


def test_grad_leaves_callers_gradients_alone() -> None:
    a, b = mat(A), mat(B)
    a.grad = List2D.from_2d_list([[1.0] * 3] * 2)
    outside = b * 1.0  # a non-leaf from another graph, used inside fn
    g = grad(lambda x: (x @ outside).sum())(a)
    assert a.grad.tolist() == [[1.0] * 3] * 2  # untouched
    assert b._grad is None and outside._grad is None
    assert_close(g, [[sum(row) for row in B]] * 2)
    outside.sum().backward()  # the other graph was not freed
    assert_close(b.grad, [[1.0, 1.0]] * 3)


def test_grad_shares_data_and_works_under_no_grad() -> None:
    a = mat(A)
    with match.no_grad():
        g = grad(lambda x: x.exp().sum())(a)
    assert_close(g, a.exp().tolist())


def test_grad_of_unused_argument_is_zero() -> None:
    g = grad(lambda x, y: (y * 2.0).sum())(mat(A), mat(A))
    assert g.tolist() == [[0.0] * 3] * 2


def test_grad_errors() -> None:
    with pytest.raises(ValueError, match=r"1x1 Matrix.*\(2, 3\)"):
        grad(lambda x: x * 2.0)(mat(A))
    with pytest.raises(ValueError, match="1x1 Matrix.*float"):
        grad(lambda x: 1.0)(mat(A))
    with pytest.raises(ValueError, match="out of range"):
        grad(loss, argnums=2)(mat(A), mat(B))
    with pytest.raises(TypeError, match="argnums"):
        grad(loss, argnums="a")(mat(A), mat(B))
    with pytest.raises(TypeError, match="argument 0"):
        grad(loss)(3.0, mat(B))
