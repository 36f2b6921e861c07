"""The PyTorch-parity suite for Match's core (List2D and Matrix).

Every forward value and every gradient is compared with torch in float64 at rtol 1e-7. Run with
`python -m pytest` (everything) or `python -m unittest test` (this file). Tests that need torch
are skipped where torch is not installed; the others (semantics, errors, the two dot-product
paths) run everywhere.
"""

from __future__ import annotations

import logging
import math
import subprocess
import sys
import unittest

import match
from bench.bench_core import TextbookKernels
from match import List2D, Matrix
from match.backend.python import PythonKernels, dot_rows_portable
from tests.parity import (
    assert_close,
    check_against_torch,
    random_rows,
    rows_of,
    tensor,
    torch,
)

needs_torch = unittest.skipIf(torch is None, "torch is not installed")

# Shape pairs that exercise every 2D broadcasting case.
BROADCAST_SHAPES = [
    ((3, 4), (3, 4)),
    ((3, 4), (1, 4)),
    ((3, 4), (3, 1)),
    ((3, 4), (1, 1)),
    ((1, 4), (3, 4)),
    ((3, 1), (3, 4)),
    ((1, 1), (3, 4)),
    ((1, 4), (3, 1)),
    ((3, 1), (1, 4)),
]


def positive(nrow: int, ncol: int, seed: int) -> list[list[float]]:
    """Values in [0.5, 2]: safe for log, sqrt, division and fractional powers."""
    return random_rows(nrow, ncol, seed, 0.5, 2.0)


@needs_torch
class TestArithmetic(unittest.TestCase):
    """+ - * / ** with every broadcasting case, numbers on either side, matmul, transpose."""

    def test_binary_ops_broadcast(self) -> None:
        ops = {
            "add": lambda a, b: a + b,
            "sub": lambda a, b: a - b,
            "mul": lambda a, b: a * b,
            "div": lambda a, b: a / b,
            "pow": lambda a, b: a**b,
            "maximum": None,
            "minimum": None,
        }
        for k, (name, fn) in enumerate(ops.items()):
            for sa, sb in BROADCAST_SHAPES:
                with self.subTest(op=name, shapes=(sa, sb)):
                    a, b = positive(*sa, seed=k), positive(*sb, seed=k + 50)
                    if fn is None:
                        mfn = getattr(match, name)
                        tfn = getattr(torch, name)
                        check_against_torch(mfn, tfn, a, b, what=name)
                    else:
                        check_against_torch(fn, fn, a, b, what=name)

    def test_numbers_on_either_side(self) -> None:
        x = random_rows(3, 4, seed=1)
        xp = positive(3, 4, seed=2)
        cases = [
            ("x + 2", lambda m: m + 2, x),
            ("2 + x", lambda m: 2 + m, x),
            ("x - 1.5", lambda m: m - 1.5, x),
            ("1.5 - x", lambda m: 1.5 - m, x),
            ("x * -3", lambda m: m * -3, x),
            ("-3 * x", lambda m: -3 * m, x),
            ("x / 4", lambda m: m / 4, x),
            ("4 / x", lambda m: 4 / m, xp),
            ("x ** 2", lambda m: m**2, x),
            ("x ** 3", lambda m: m**3, x),
            ("x ** 0.5", lambda m: m**0.5, xp),
            ("x ** -1", lambda m: m**-1, xp),
            ("2 ** x", lambda m: 2**m, x),
            ("-x", lambda m: -m, x),
        ]
        for text, fn, rows in cases:
            with self.subTest(text):
                check_against_torch(fn, fn, rows, what=text)

    def test_matmul_transpose_linear(self) -> None:
        a, b = random_rows(3, 5, 1), random_rows(5, 2, 2)
        check_against_torch(lambda x, y: x @ y, lambda x, y: x @ y, a, b, what="matmul")
        check_against_torch(lambda x: x.T, lambda x: x.T, a, what="transpose")
        w, bias = random_rows(4, 5, 3), random_rows(1, 4, 4)
        check_against_torch(
            lambda x, w_, b_: x.linear(w_, b_),
            lambda x, w_, b_: torch.nn.functional.linear(x, w_, b_.reshape(-1)).reshape(3, 4),
            a,
            w,
            bias,
            what="linear",
        )
        check_against_torch(
            lambda x, w_: x.linear(w_),
            lambda x, w_: torch.nn.functional.linear(x, w_),
            a,
            w,
            what="linear without bias",
        )
        check_against_torch(lambda x, y: x @ y.T, lambda x, y: x @ y.T, a, w, what="x @ w.T")

    def test_shared_input(self) -> None:
        x = random_rows(2, 3, 9)
        check_against_torch(lambda m: m * m + m / (m + 3), lambda t: t * t + t / (t + 3), x)


@needs_torch
class TestElementwise(unittest.TestCase):
    """Unary functions and clamp, values and gradients."""

    def test_unary(self) -> None:
        x = random_rows(4, 3, seed=3)
        x = [[v if abs(v) > 0.05 else 0.3 for v in row] for row in x]  # away from kinks
        xp = positive(4, 3, seed=4)
        ops = [
            ("exp", x),
            ("log", xp),
            ("log1p", xp),
            ("sqrt", xp),
            ("abs", x),
            ("tanh", x),
            ("sigmoid", x),
            ("relu", x),
            ("sin", x),
            ("cos", x),
            ("erf", x),
        ]
        for name, rows in ops:
            with self.subTest(name):
                check_against_torch(
                    lambda m, n=name: getattr(m, n)(),
                    lambda t, n=name: getattr(torch, n)(t),
                    rows,
                    what=name,
                )

    def test_softplus(self) -> None:
        rows = [[-30.0, -1.5, 0.0, 0.7, 25.0]]
        check_against_torch(lambda m: m.softplus(), torch.nn.functional.softplus, rows)

    def test_leaky_relu_and_clamp(self) -> None:
        x = [[-1.5, -0.2, 0.3, 2.0], [0.7, -3.0, 1.1, -0.6]]
        for slope in (0.01, 0.2):
            check_against_torch(
                lambda m, s=slope: m.leaky_relu(s),
                lambda t, s=slope: torch.nn.functional.leaky_relu(t, s),
                x,
                what="leaky_relu",
            )
        for lo, hi in ((-1.0, 1.0), (None, 0.5), (-0.5, None)):
            with self.subTest(min=lo, max=hi):
                check_against_torch(
                    lambda m, a=lo, b=hi: m.clamp(a, b),
                    lambda t, a=lo, b=hi: torch.clamp(t, a, b),
                    x,
                )

    def test_extreme_values_match_torch(self) -> None:
        x = [[1000.0, -1000.0, 0.0, 1e-300]]
        for name in ("exp", "sigmoid", "tanh", "abs"):
            assert_close(getattr(match.mat(x), name)(), getattr(torch, name)(tensor(x)))
        z = [[0.0, -1.0, 4.0]]
        assert_close(match.mat(z).log(), torch.log(tensor(z)), what="log at 0 and below")
        assert_close(match.mat(z).sqrt(), torch.sqrt(tensor(z)), what="sqrt below 0")
        assert_close(match.mat([[1.0, -1.0, 0.0]]) / 0, tensor([[1.0, -1.0, 0.0]]) / 0)
        assert_close(match.mat(z) ** 0.5, tensor(z) ** 0.5, what="fractional power below 0")
        assert_close(match.mat(z) ** -1, tensor(z) ** -1, what="0 ** -1")


@needs_torch
class TestReductions(unittest.TestCase):
    """sum mean max min var over None/0/1; argmax/argmin; softmax and log_softmax."""

    def test_reductions(self) -> None:
        x = random_rows(4, 5, seed=5)
        for name in ("sum", "mean", "max", "min", "var"):
            for dim in (None, 0, 1):
                with self.subTest(op=name, dim=dim):

                    def tfn(t: object, n: str = name, d: int | None = dim) -> object:
                        if d is None:
                            return getattr(torch, n)(t).reshape(1, 1)
                        out = getattr(torch, n)(t, dim=d, keepdim=True)
                        return out.values if n in ("max", "min") else out

                    def mfn(m: object, n: str = name, d: int | None = dim) -> object:
                        out = getattr(m, n)(d)
                        return out.values if n in ("max", "min") and d is not None else out

                    check_against_torch(mfn, tfn, x)

    def test_var_correction(self) -> None:
        x = random_rows(3, 4, seed=6)
        check_against_torch(
            lambda m: m.var(1, correction=0),
            lambda t: torch.var(t, dim=1, keepdim=True, correction=0),
            x,
        )

    def test_argmax_argmin(self) -> None:
        x = random_rows(4, 5, seed=7)
        t = tensor(x, requires_grad=False)
        for dim in (None, 0, 1):
            m = match.mat(x)
            if dim is None:
                assert_close(m.argmax(), t.argmax().reshape(1, 1).double())
                assert_close(m.argmin(), t.argmin().reshape(1, 1).double())
            else:
                assert_close(m.argmax(dim), t.argmax(dim, keepdim=True).double())
                assert_close(m.argmin(dim), t.argmin(dim, keepdim=True).double())
            self.assertFalse(m.argmax(dim).requires_grad)

    def test_softmax_log_softmax(self) -> None:
        x = random_rows(3, 4, seed=8)
        for dim in (0, 1):
            for name in ("softmax", "log_softmax"):
                with self.subTest(op=name, dim=dim):
                    check_against_torch(
                        lambda m, n=name, d=dim: getattr(m, n)(d),
                        lambda t, n=name, d=dim: getattr(torch, n)(t, d),
                        x,
                    )

    def test_softmax_is_stable(self) -> None:
        x = [[1000.0, -1000.0, 999.0], [-1000.0, -999.0, -1000.0]]
        for name in ("softmax", "log_softmax"):
            for dim in (0, 1):
                out = getattr(match.mat(x), name)(dim)
                self.assertTrue(all(math.isfinite(v) for row in out.tolist() for v in row))
                check_against_torch(
                    lambda m, n=name, d=dim: getattr(m, n)(d),
                    lambda t, n=name, d=dim: getattr(torch, n)(t, d),
                    x,
                )


@needs_torch
class TestShapeAndIndexing(unittest.TestCase):
    """reshape, every indexing form, cat."""

    def test_reshape(self) -> None:
        x = random_rows(3, 4, seed=10)
        for shape in ((2, 6), (12, 1), (1, 12), (6, -1), (-1, 3)):
            with self.subTest(shape=shape):
                check_against_torch(
                    lambda m, s=shape: m.reshape(*s), lambda t, s=shape: t.reshape(*s), x
                )

    def test_indexing(self) -> None:
        x = random_rows(5, 4, seed=11)
        keys = [
            (2, lambda t: t[2:3]),
            (-1, lambda t: t[4:5]),
            ((1, 3), lambda t: t[1:2, 3:4]),
            (slice(1, 4), lambda t: t[1:4]),
            ((slice(None), 2), lambda t: t[:, 2:3]),
            ((slice(0, 5, 2), slice(1, 3)), lambda t: t[0:5:2, 1:3]),
            ([0, 3, 0, 4], lambda t: t[[0, 3, 0, 4]]),
        ]
        for key, tfn in keys:
            with self.subTest(key=key):
                check_against_torch(lambda m, k=key: m[k], tfn, x)

    def test_cat(self) -> None:
        a, b, c = random_rows(2, 3, 12), random_rows(4, 3, 13), random_rows(2, 1, 14)
        check_against_torch(
            lambda x, y: match.cat([x, y], 0), lambda x, y: torch.cat([x, y], 0), a, b
        )
        check_against_torch(
            lambda x, y: match.cat([x, y, x], dim=1), lambda x, y: torch.cat([x, y, x], 1), a, c
        )


@needs_torch
class TestComposite(unittest.TestCase):
    """A small network's loss, end to end, against torch."""

    def test_mlp_loss(self) -> None:
        x, w1, b1 = random_rows(6, 4, 20), random_rows(5, 4, 21), random_rows(1, 5, 22)
        w2, b2, y = random_rows(3, 5, 23), random_rows(1, 3, 24), random_rows(6, 3, 25)

        def net(
            x_: object, w1_: object, b1_: object, w2_: object, b2_: object, y_: object
        ) -> object:
            h = (x_ @ w1_.T + b1_).tanh()
            out = (h @ w2_.T + b2_).sigmoid()
            return ((out - y_) ** 2).mean().reshape(1, 1)

        check_against_torch(net, net, x, w1, b1, w2, b2, y)

    def test_cross_entropy_by_hand(self) -> None:
        logits = random_rows(4, 3, 30)
        onehot = [[1.0 if j == i % 3 else 0.0 for j in range(3)] for i in range(4)]
        check_against_torch(
            lambda z, o: -(z.log_softmax(1) * o).sum(1).mean(),
            lambda z, o: -(z.log_softmax(1) * o).sum(1).mean().reshape(1, 1),
            logits,
            onehot,
        )


class TestComparisons(unittest.TestCase):
    """Comparisons give 0/1 matrices that track no gradient."""

    def test_values(self) -> None:
        a = match.mat([[1.0, 2.0, 3.0]])
        b = match.mat([[2.0], [1.0]])
        self.assertEqual((a > 2).tolist(), [[0.0, 0.0, 1.0]])
        self.assertEqual((a >= 2).tolist(), [[0.0, 1.0, 1.0]])
        self.assertEqual((a < b).tolist(), [[1.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
        self.assertEqual((a <= b).tolist(), [[1.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
        self.assertEqual((a == b).tolist(), [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
        self.assertEqual((a != 2).tolist(), [[1.0, 0.0, 1.0]])
        self.assertFalse((a > 0).requires_grad)
        self.assertEqual(len({a, b}), 2)  # still hashable


class TestGraphSemantics(unittest.TestCase):
    """requires_grad rules, no_grad, detach, accumulation, retain_graph, freeing, deep chains."""

    def test_requires_grad_rules(self) -> None:
        a = match.randn(2, 2)
        c = match.randn(2, 2, requires_grad=False)
        self.assertTrue(a.requires_grad)
        self.assertFalse(c.requires_grad)
        self.assertTrue((a + c).requires_grad)
        self.assertFalse((c * 2).requires_grad)
        with match.no_grad():
            d = a * 2
        self.assertFalse(d.requires_grad)
        self.assertEqual(d._inputs, ())

        @match.no_grad()
        def double(m: Matrix) -> Matrix:
            return m * 2

        self.assertFalse(double(a).requires_grad)
        self.assertTrue(match.is_grad_enabled())
        self.assertFalse(a.detach().requires_grad)
        self.assertIs(a.detach().data, a.data)

    def test_grad_starts_as_none_and_accumulates(self) -> None:
        x = match.mat([[1.0, 2.0]])
        self.assertIsNone(x.grad)  # as in torch: None until a backward writes it
        self.assertIsNone(x.grad)  # reading it changed nothing
        (x * 3).sum().backward()
        (x * 3).sum().backward()
        self.assertEqual(x.grad.tolist(), [[6.0, 6.0]])
        x.zero_grad(set_to_none=False)
        self.assertEqual(x.grad.tolist(), [[0.0, 0.0]])
        x.zero_grad()
        self.assertIsNone(x.grad)

    def test_constants_get_no_gradient(self) -> None:
        x = match.mat([[1.0, 2.0]])
        c = match.mat([[3.0, 4.0]], requires_grad=False)
        (x * c).sum().backward()
        self.assertEqual(x.grad.tolist(), [[3.0, 4.0]])
        self.assertIsNone(c.grad)

    def test_intermediate_gradients(self) -> None:
        x = match.mat([[1.0, -2.0]])
        y = x * 3
        z = (y**2).sum()
        z.backward()
        self.assertEqual(y.grad.tolist(), [[6.0, -12.0]])  # dz/dy = 2y
        self.assertEqual(x.grad.tolist(), [[18.0, -36.0]])

    def test_backward_twice_needs_retain_graph(self) -> None:
        x = match.mat([[1.0, 2.0]])
        loss = (x * x).sum()
        loss.backward(retain_graph=True)
        loss.backward()
        self.assertEqual(x.grad.tolist(), [[4.0, 8.0]])
        with self.assertRaisesRegex(RuntimeError, "retain_graph=True"):
            loss.backward()

    def test_gradient_seed(self) -> None:
        x = match.mat([[1.0, 2.0]])
        (x * 2).backward(match.mat([[10.0, 100.0]]))
        self.assertEqual(x.grad.tolist(), [[20.0, 200.0]])
        y = match.mat([[1.0, 2.0]])
        (y * 2).backward()  # ones as the seed
        self.assertEqual(y.grad.tolist(), [[2.0, 2.0]])

    def test_deep_chain_needs_no_recursion(self) -> None:
        x = match.mat([[1.0]])
        y = x
        for _ in range(100_000):
            y = y + 1.0
        y.backward()
        self.assertEqual(x.grad.item(), 1.0)
        self.assertEqual(y.item(), 100_001.0)

    def test_diamond_graph(self) -> None:
        x = match.mat([[2.0]])
        a, b = x * 3, x * 5
        (a * b).backward()  # d(15 x^2)/dx = 30 x
        self.assertEqual(x.grad.item(), 60.0)

    def test_manual_seed(self) -> None:
        match.manual_seed(7)
        a, b = match.randn(3, 2).tolist(), match.rand(2, 2).tolist()
        match.manual_seed(7)
        self.assertEqual(match.randn(3, 2).tolist(), a)
        self.assertEqual(match.rand(2, 2).tolist(), b)
        self.assertTrue(all(0.0 <= v < 1.0 for row in b for v in row))

    def test_constructors(self) -> None:
        self.assertEqual(match.zeros(2, 3).tolist(), [[0.0] * 3] * 2)
        self.assertEqual(match.ones((2, 1)).tolist(), [[1.0], [1.0]])
        self.assertEqual(match.full(1, 2, 7).tolist(), [[7.0, 7.0]])
        self.assertEqual(match.full(1, 2, fill_value=3).tolist(), [[3.0, 3.0]])
        self.assertEqual(match.eye(2).tolist(), [[1.0, 0.0], [0.0, 1.0]])
        m = match.mat([[1, 2]])
        self.assertEqual(match.zeros_like(m).shape, (1, 2))
        self.assertEqual(match.ones_like(m, requires_grad=False).requires_grad, False)
        self.assertIsInstance(m.tolist()[0][0], float)
        for make in (match.zeros, match.ones, match.randn, match.rand):
            self.assertFalse(make(2, 2, requires_grad=False).requires_grad)

    def test_item_tolist_repr(self) -> None:
        m = match.mat([[1.5]])
        self.assertEqual(m.item(), 1.5)
        r = repr(match.mat([[1.0, 2.0]]) + 1)
        self.assertIn("[2.0, 3.0]", r)
        self.assertIn("shape=(1, 2)", r)
        self.assertIn("op=add", r)
        self.assertIn("...", repr(match.zeros(10, 10)))

    def test_trace_logs_each_step(self) -> None:
        x = match.mat([[1.0, 2.0]])
        loss = (x.sigmoid() * 2).sum()
        with self.assertLogs("match.trace", level="INFO") as logs, match.trace():
            loss.backward()
        text = "\n".join(logs.output)
        for op in ("sum", "mul", "sigmoid"):
            self.assertIn(op, text)
        self.assertIn("(1, 2)", text)


class TestOriginalAPI(unittest.TestCase):
    """The original Match README's API keeps working."""

    def test_list2d_api(self) -> None:
        a = List2D(2, 3, 0.5)
        self.assertEqual(a.tolist(), [[0.5] * 3] * 2)
        self.assertEqual(a.shape, (2, 3))
        b = List2D.from_2d_list([[1, 2, 3], [4, 5, 6]])
        self.assertEqual((a + b).vals[1][2], 6.5)
        self.assertEqual(b.T.shape, (3, 2))
        self.assertEqual(b.relu().tolist(), b.tolist())
        b.ones_()
        self.assertEqual(b.tolist(), [[1.0] * 3] * 2)
        b.zeros_()
        self.assertEqual(b.tolist(), [[0.0] * 3] * 2)
        self.assertEqual(List2D(2, 2, [[1, 2], [3, 4]]).tolist(), [[1.0, 2.0], [3.0, 4.0]])

    def test_training_loop(self) -> None:
        class Net(match.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.linear1 = match.nn.Linear(3, 4)
                self.relu = match.nn.ReLU()
                self.linear2 = match.nn.Linear(4, 1)
                self.sigmoid = match.nn.Sigmoid()

            def forward(self, x: Matrix) -> Matrix:
                return self.sigmoid(self.linear2(self.relu(self.linear1(x))))

        match.manual_seed(0)
        net = Net()
        x = match.randn(8, 3)
        y = match.mat([[float(i % 2)] for i in range(8)])
        loss_fn = match.nn.MSELoss()
        losses = []
        for _ in range(30):
            loss = loss_fn(net(x), y)
            net.zero_grad()
            loss.backward()
            for param in net.parameters():
                param.data = param.data - 0.5 * param.grad
            losses.append(loss.item())
        self.assertLess(losses[-1], losses[0])
        self.assertEqual(net.linear1.W.shape, (4, 3))
        self.assertEqual(len(net.parameters()), 4)


class TestBadInput(unittest.TestCase):
    """Misuse raises a clear exception that names the op and the shapes or types."""

    def check(self, error: type[Exception], pattern: str, fn: object) -> None:
        with self.assertRaisesRegex(error, pattern):
            fn()  # type: ignore[operator]

    def test_shapes(self) -> None:
        a, b = match.randn(2, 3), match.randn(3, 2)
        for op, fn in [
            ("add", lambda: a + b),
            ("sub", lambda: a - b),
            ("mul", lambda: a * b),
            ("div", lambda: a / b),
            ("pow", lambda: a**b),
            ("maximum", lambda: match.maximum(a, b)),
        ]:
            self.check(ValueError, rf"{op}: shapes \(2, 3\) and \(3, 2\)", fn)
        self.check(ValueError, r"matmul: cannot multiply \(2, 3\) by \(2, 3\)", lambda: a @ a)
        self.check(
            ValueError, r"linear: cannot multiply|matmul_t: cannot multiply", lambda: a.linear(a.T)
        )
        self.check(ValueError, r"cat: .*\(2, 3\) and \(3, 2\)", lambda: match.cat([a, b], 0))
        self.check(ValueError, r"reshape: cannot reshape \(2, 3\)", lambda: a.reshape(4, 2))
        self.check(ValueError, r"item: .*\(2, 3\)", lambda: a.item())
        self.check(
            ValueError,
            r"backward: gradient shape \(1, 1\)",
            lambda: (a * 2).backward(match.ones(1, 1)),
        )

    def test_construction(self) -> None:
        self.check(ValueError, "ragged rows", lambda: match.mat([[1, 2], [3]]))
        self.check(ValueError, "non-empty", lambda: match.mat([]))
        self.check(ValueError, "row 0", lambda: match.mat([[]]))
        self.check(TypeError, "str", lambda: match.mat([[1, "2"]]))
        self.check(TypeError, "sizes must be ints", lambda: match.zeros(2.0, 3))
        self.check(ValueError, "at least 1", lambda: match.ones(0, 3))
        self.check(ValueError, r"expected \(2, 2\)", lambda: List2D(2, 2, [[1.0, 2.0]]))

    def test_types_dims_indices(self) -> None:
        a = match.randn(2, 3)
        self.check(TypeError, "add: unsupported operand type str", lambda: a + "x")
        self.check(TypeError, "matmul: expected a Matrix, got list", lambda: a @ [[1.0]])
        self.check(ValueError, "sum: dim must be None, 0, 1, -1 or -2, got 2", lambda: a.sum(2))
        self.check(ValueError, "softmax: dim", lambda: a.softmax(2))
        self.check(IndexError, "row index 2 is out of range for size 2", lambda: a[2])
        self.check(IndexError, "column index 5", lambda: a[0, 5])
        self.check(IndexError, "row index 9", lambda: a[[0, 9]])
        self.check(IndexError, "selects nothing", lambda: a[5:])
        self.check(TypeError, "cat: expected Matrix", lambda: match.cat([a, 1.0]))
        self.check(ValueError, "clamp: give at least one", lambda: a.clamp())

    def test_backward_misuse(self) -> None:
        c = match.ones(1, 1, requires_grad=False)
        self.check(RuntimeError, "does not require grad", lambda: c.backward())
        x = match.mat([[1.0]])
        y = x.exp()
        y.backward()
        self.check(RuntimeError, "retain_graph=True", lambda: y.backward())

    def test_no_assert_statements(self) -> None:
        # Validation must survive `python -O`: run a misuse under -O and expect the same error.
        code = (
            "import match\ntry:\n    match.randn(2, 3) @ match.randn(2, 3)\n"
            "except ValueError as e:\n    print(e)\n"
        )
        out = subprocess.run(
            [sys.executable, "-O", "-c", code], capture_output=True, text=True, check=True
        ).stdout
        self.assertIn("matmul: cannot multiply", out)


class TestKernels(unittest.TestCase):
    """The pure-Python kernels against textbook loops, including both dot-product paths."""

    textbook_matmul = staticmethod(TextbookKernels().matmul)

    def test_dot_paths_agree(self) -> None:
        a, b = random_rows(7, 5, 40), random_rows(5, 6, 41)
        expected = self.textbook_matmul(a, b)
        cols = list(zip(*b))
        assert_close(dot_rows_portable(a, cols), expected, rtol=1e-12, what="portable")
        if hasattr(math, "sumprod"):
            from match.backend.python import dot_rows_sumprod

            assert_close(dot_rows_sumprod(a, cols), expected, rtol=1e-12, what="sumprod")

    def test_products_without_transposes(self) -> None:
        k = PythonKernels()
        a, b, c = random_rows(3, 4, 42), random_rows(5, 4, 43), random_rows(3, 2, 44)
        bt = [list(r) for r in zip(*b)]
        assert_close(k.matmul_t(a, b), self.textbook_matmul(a, bt), rtol=1e-12)
        at = [list(r) for r in zip(*a)]
        assert_close(k.t_matmul(a, c), self.textbook_matmul(at, c), rtol=1e-12)

    def test_safe_fallbacks(self) -> None:
        m = List2D.from_2d_list([[0.0, -1.0, 1.0]])
        self.assertEqual(m.log().vals[0][0], -math.inf)
        self.assertTrue(math.isnan(m.log().vals[0][1]))
        self.assertEqual(m.exp().vals[0][2], math.e)
        self.assertEqual(List2D.from_2d_list([[1000.0]]).exp().vals, [[math.inf]])
        self.assertEqual((List2D.from_2d_list([[2.0]]) / 0).vals, [[math.inf]])
        self.assertEqual(rows_of(List2D.from_2d_list([[-8.0]]) ** 3), [[-512.0]])
        trig = List2D.from_2d_list([[math.inf, 0.0]])
        self.assertTrue(math.isnan(trig.sin().tolist()[0][0]))
        self.assertEqual(trig.cos().tolist()[0][1], 1.0)

    def test_list2d_in_place_bumps_version(self) -> None:
        m = List2D.from_2d_list([[1.0, 2.0], [3.0, 4.0]])
        v = m.version
        m[0, 1] = 9.0
        m[1] = List2D.from_2d_list([[5.0, 6.0]])
        self.assertEqual(m.tolist(), [[1.0, 9.0], [5.0, 6.0]])
        m.fill_(2.0)
        self.assertEqual(m.version, v + 3)


class TestLogging(unittest.TestCase):
    """The trace is silent when off."""

    def test_trace_off_by_default(self) -> None:
        x = match.mat([[1.0]])
        logger = logging.getLogger("match.trace")
        with self.assertNoLogs(logger, level="INFO"):
            (x * 2).backward()


if __name__ == "__main__":
    unittest.main()
