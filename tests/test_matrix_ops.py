"""Matrix ops beyond test.py's parity table, against torch float64, values and gradients.

First the ops at their edges (zero exponents, ties, nan, min above max, negative steps, dim
arguments, a gradient from another backend), each run on both backends in the same test
(switching with `match.accel.using`); then the torch-style methods and functions (size, view,
masked_fill, where, gather, keepdim, stack, multinomial, 1x1 numbers) on the active backend.
Special values swept through every op are in tests/test_special_values.py."""

from __future__ import annotations

import math
from collections.abc import Iterator

import pytest

import match
from match import Matrix
from tests.parity import assert_close, check_against_torch, random_rows, tensor

torch = pytest.importorskip("torch")
NAN, INF = math.nan, math.inf


@pytest.fixture(params=["python", "numpy"])
def backend(request: pytest.FixtureRequest) -> Iterator[str]:
    pytest.importorskip("numpy")  # both backends are compared, so each test needs numpy
    with match.accel.using(request.param):
        yield request.param


def grads(fn, *rows):  # type: ignore[no-untyped-def]
    """Value and gradients of fn in Match and torch, for comparison."""
    xs = [match.mat(r, requires_grad=True) for r in rows]
    ts = [torch.tensor(r, dtype=torch.float64, requires_grad=True) for r in rows]
    out_m, out_t = fn(*xs), fn(*ts)
    out_m.sum().backward()
    out_t.sum().backward()
    return out_m, out_t, [x.grad for x in xs], [t.grad for t in ts]


def assert_torch(fn, *rows) -> None:  # type: ignore[no-untyped-def]
    out_m, out_t, gm, gt = grads(fn, *rows)
    assert_close(out_m, out_t, what="value")
    for k, (a, b) in enumerate(zip(gm, gt)):
        assert_close(a, b, what=f"grad {k}")


@pytest.mark.parametrize(
    "base, exponent", [(0.0, 0.0), (0.0, 2.0), (0.0, 0.5), (2.0, 0.0), (-0.0, 3.0), (0.0, -1.0)]
)
def test_pow_gradients_at_base_and_exponent_zero(
    backend: str, base: float, exponent: float
) -> None:
    assert_torch(lambda a, b: a**b, [[base]], [[exponent]])


def test_negative_zero_and_minus_inf_powers_agree(backend: str) -> None:
    assert_torch(lambda a: a**-1.0, [[-0.0, 0.0]])
    # torch's scalar exponent 0.5 is a sqrt, so (-inf) ** 0.5 is nan; with a tensor exponent
    # torch takes IEEE pow, which gives inf. Match gives the same two answers (issue 26).
    minus_inf = torch.tensor([[-INF]], dtype=torch.float64)
    assert math.isnan((match.mat([[-INF]]) ** 0.5).item())
    assert math.isnan((minus_inf**0.5).item())
    out = match.mat([[-INF]]) ** match.mat([[0.5]])
    expected = torch.pow(minus_inf, torch.tensor([[0.5]], dtype=torch.float64))
    assert out.tolist() == expected.tolist() == [[INF]]


def test_var_backward_with_no_degrees_of_freedom_is_nan(backend: str) -> None:
    x = match.mat([[1.0, 2.0]], requires_grad=True)
    x.var(dim=0).sum().backward()
    assert all(math.isnan(v) for v in x.grad.tolist()[0])


@pytest.mark.parametrize("scale", [1e200, 1e-200])
def test_division_gradient_does_not_square_the_divisor(backend: str, scale: float) -> None:
    assert_torch(lambda a, b: a / b, [[scale, 3.0 * scale]], [[scale, 2.0 * scale]])


@pytest.mark.parametrize("op", ["max", "min"])
def test_full_reduction_ties_share_the_gradient(backend: str, op: str) -> None:
    assert_torch(lambda x: getattr(x, op)(), [[3.0, 1.0, 3.0], [1.0, 3.0, 1.0]])


@pytest.mark.parametrize("op", ["max", "min", "argmax", "argmin"])
def test_nan_propagates_like_torch(backend: str, op: str) -> None:
    rows = [[1.0, NAN, 2.0], [3.0, 0.0, NAN]]
    for dim in (None, 0, 1):
        m = getattr(match.mat(rows), op)(dim)
        if isinstance(m, tuple):  # max(dim): (values, indices)
            m = m[0] if op in ("max", "min") else m
        t = torch.tensor(rows, dtype=torch.float64)
        expected = getattr(t, op)() if dim is None else getattr(t, op)(dim=dim, keepdim=True)
        if isinstance(expected, tuple):
            expected = expected[0]
        assert_close(m, expected.to(torch.float64), what=f"{op}(dim={dim})")


def test_nan_through_relu_maximum_minimum(backend: str) -> None:
    assert_torch(lambda x: x.relu(), [[NAN, -1.0, 2.0]])
    for name in ("maximum", "minimum"):

        def pick(a, b, name=name):  # type: ignore[no-untyped-def]
            module = torch if isinstance(a, torch.Tensor) else match
            return getattr(module, name)(a, b)

        assert_torch(pick, [[NAN, 1.0, 2.0, 2.0]], [[1.0, NAN, 2.0, 1.0]])


def test_clamp_with_min_above_max_gives_max(backend: str) -> None:
    assert_torch(lambda x: x.clamp(2.0, 1.0), [[1.0, 2.0, 3.0]])


@pytest.mark.parametrize(
    "key",
    [
        (slice(None), slice(None, None, -1)),
        (slice(None), slice(2, None, -2)),
        (slice(None, None, -1), 0),
        slice(None, None, -2),
    ],
    ids=str,
)
def test_negative_steps_select_like_python_lists(backend: str, key: object) -> None:
    """Match supports negative steps (torch raises): rows and columns picked as list(...)[key]."""
    rows = [[float(3 * i + j) for j in range(3)] for i in range(3)]
    x = match.mat(rows, requires_grad=True)
    r, c = key if isinstance(key, tuple) else (key, slice(None))
    pick = lambda k, n: [k] if isinstance(k, int) else list(range(n))[k]  # noqa: E731
    expected = [[rows[i][j] for j in pick(c, 3)] for i in pick(r, 3)]
    out = x[key]
    assert out.tolist() == expected
    out.sum().backward()
    chosen = {(i, j) for i in pick(r, 3) for j in pick(c, 3)}
    assert x.grad.tolist() == [[float((i, j) in chosen) for j in range(3)] for i in range(3)]


def test_gather_and_index_copy_their_index_lists(backend: str) -> None:
    x = match.mat([[1.0, 2.0, 3.0]], requires_grad=True)
    index = [[0, 2]]
    y = x.gather(1, index)
    index[0][0] = 1
    y.sum().backward()
    assert x.grad.tolist() == [[1.0, 0.0, 1.0]]
    x = match.mat([[1.0], [2.0], [3.0]], requires_grad=True)
    rows = [0, 2]
    y = x[rows]
    rows[0] = 1
    y.sum().backward()
    assert x.grad.tolist() == [[1.0], [0.0], [1.0]]


@pytest.mark.parametrize("dim", [2, -3, 1.0, True, "a", [0]], ids=repr)
@pytest.mark.parametrize("op", ["sum", "mean", "var", "max", "argmin", "softmax"])
def test_one_dim_validator_names_the_op(backend: str, op: str, dim: object) -> None:
    with pytest.raises(ValueError, match=f"^{op}: dim must be None, 0, 1, -1 or -2"):
        getattr(match.ones(2, 2), op)(dim=dim)


def test_gradient_from_another_backend_is_refused_at_the_door(backend: str) -> None:
    other = "numpy" if backend == "python" else "python"
    x = match.ones(1, 2, requires_grad=True)
    y = x * 2.0
    with match.accel.using(other):
        foreign = match.ones(1, 2, requires_grad=False)
    with pytest.raises(RuntimeError, match="^backward: the gradient is on"):
        y.backward(gradient=foreign)
    with pytest.raises(RuntimeError, match="^grad: the gradient is on"):
        x.grad = foreign.data
    assert x.grad is None


@pytest.mark.parametrize("make", ["mat", "tensor"])
def test_a_flat_list_is_one_row_and_a_number_is_1x1(backend: str, make: str) -> None:
    """Issue 26: torch's 1-D tensor is a (1, n) row in Match, and a 0-d one is (1, 1); both
    track gradients like any other constructor's result, on the active backend."""
    row = getattr(match, make)([0.1, 0.2, 0.3])
    assert (row.shape, row.tolist(), row.data.backend) == ((1, 3), [[0.1, 0.2, 0.3]], backend)
    (row * row).sum().backward()
    assert row.grad is not None and row.grad.tolist() == [[0.2, 0.4, 0.6]]
    vector = torch.tensor([0.1, 0.2, 0.3], dtype=torch.float64)  # a 1-D tensor: the same row
    assert getattr(match, make)(vector).tolist() == row.tolist()
    one = getattr(match, make)(2.5)
    assert (one.shape, one.item(), one.requires_grad) == ((1, 1), 2.5, True)
    assert getattr(match, make)((1, 2), requires_grad=False).tolist() == [[1.0, 2.0]]


def test_from_2d_list_reads_a_flat_list_as_one_row(backend: str) -> None:
    assert match.List2D.from_2d_list([0.1, 0.2]).tolist() == [[0.1, 0.2]]


# -- torch-style methods and functions, on the active backend ------------------------------

X = random_rows(3, 4, seed=7)


def test_size_numel_dim() -> None:
    m = match.mat(X)
    assert m.numel() == 12 and m.size() == (3, 4) and m.size(1) == 4 and m.size(-2) == 3
    assert m.dim() == 2
    with pytest.raises(ValueError, match="size: dim"):
        m.size(2)


def test_view_flatten_clone_keep_gradients() -> None:
    check_against_torch(lambda m: m.view(2, 6) * 2, lambda t: t.view(2, 6) * 2, X)
    check_against_torch(lambda m: m.view((6, 2)), lambda t: t.view((6, 2)), X)
    check_against_torch(lambda m: m.flatten(), lambda t: t.flatten().reshape(1, -1), X)
    check_against_torch(lambda m: m.clone().exp(), lambda t: t.clone().exp(), X)
    neg_zero = match.mat([[-0.0, math.nan]]).clone().tolist()
    assert math.copysign(1.0, neg_zero[0][0]) == -1.0 and math.isnan(neg_zero[0][1])


def test_masked_fill_where_tril_triu() -> None:
    mask_rows = [[1.0, 0.0, 0.0, 1.0], [0.0, 1.0, 0.0, 0.0], [1.0, 1.0, 1.0, 0.0]]
    mask_t = torch.tensor(mask_rows, dtype=torch.float64).bool()
    check_against_torch(
        lambda m: m.masked_fill(match.mat(mask_rows, requires_grad=False), -math.inf).exp(),
        lambda t: t.masked_fill(mask_t, -math.inf).exp(),
        X,
    )
    check_against_torch(
        lambda m: m.masked_fill(m > 0.5, 0.0), lambda t: t.masked_fill(t > 0.5, 0.0), X
    )
    check_against_torch(
        lambda a, b: match.where(a > b, a, b), lambda a, b: torch.where(a > b, a, b), X, X[::-1]
    )
    check_against_torch(
        lambda a, b: a.where(a < 0, b * 2), lambda a, b: a.where(a < 0, b * 2), X, X[::-1]
    )
    for k in (-1, 0, 1, 2):
        check_against_torch(lambda m, k=k: m.tril(k), lambda t, k=k: t.tril(k), X)
        check_against_torch(lambda m, k=k: match.triu(m, k), lambda t, k=k: t.triu(k), X)
    causal = match.full(3, 3, -math.inf).triu(1)  # the causal mask of attention
    assert causal.tolist() == torch.full((3, 3), -math.inf).triu(1).tolist()


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_gather(dim: int) -> None:
    index = [[0, 3, 1], [2, 2, 0]] if dim != 0 else [[2, 0, 1, 1], [0, 0, 2, 1]]
    check_against_torch(
        lambda m: m.gather(dim, index),
        lambda t: t.gather(dim, torch.tensor(index)),
        X,
    )


def test_gather_errors_and_infinities() -> None:
    m = match.mat(X)
    with pytest.raises(IndexError, match="gather: index"):
        m.gather(1, [[4]])
    with pytest.raises(TypeError, match="gather: index must hold whole numbers"):
        m.gather(1, [[0.5]])
    with pytest.raises(ValueError, match="gather: dim"):
        m.gather(2, [[0]])
    logp = match.mat([[-math.inf, -0.5, -math.inf]])
    assert logp.gather(1, [[1]]).tolist() == [[-0.5]]  # an inf elsewhere does not become nan


def test_reductions_accept_keepdim() -> None:
    for name in ("sum", "mean", "max", "min"):
        check_against_torch(
            lambda m, n=name: (
                getattr(m, n)(dim=1, keepdim=True).values
                if n in ("max", "min")
                else getattr(m, n)(dim=1, keepdim=True)
            ),
            lambda t, n=name: (
                torch.amax(t, 1, keepdim=True)
                if n == "max"
                else torch.amin(t, 1, keepdim=True)
                if n == "min"
                else getattr(t, n)(dim=1, keepdim=True)
            ),
            X,
        )
    check_against_torch(
        lambda m: m.var(dim=0, keepdim=True), lambda t: t.var(dim=0, keepdim=True), X
    )


def test_positions_give_ints() -> None:
    m = match.mat(X)
    assert m.argmax(1).tolist() == tensor(X).argmax(1, keepdim=True).tolist()
    assert all(type(i) is int for row in m.argmax(1).tolist() for i in row)
    assert type(m.argmax().item()) is int and m.argmax().item() == tensor(X).argmax().item()
    assert m.argmin(0).tolist() == tensor(X).argmin(0, keepdim=True).tolist()
    assert match.arange(5).tolist() == [torch.arange(5).tolist()]
    assert match.arange(2, 11, 3).tolist() == [torch.arange(2, 11, 3).tolist()]
    assert match.arange(0, 1, 0.25).tolist() == [torch.arange(0, 1, 0.25).tolist()]
    assert match.arange(3).float().tolist() == [[0.0, 1.0, 2.0]]
    assert m.float() is m and m.double() is m
    with pytest.raises(ValueError, match="arange: .*empty"):
        match.arange(3, 1)


def test_in_place_fills() -> None:
    m = match.mat(X, requires_grad=False)
    assert m.fill_(2.5).tolist() == [[2.5] * 4] * 3 and m.zero_().tolist() == [[0.0] * 4] * 3
    p = match.mat(X)
    with pytest.raises(RuntimeError, match="fill_: .*no_grad"):
        p.fill_(1.0)
    with match.no_grad():
        p.normal_(1.0, 0.5)
        match.manual_seed(3)
        p.uniform_(-2.0, 2.0)
    values = [v for row in p.tolist() for v in row]
    assert all(-2.0 <= v < 2.0 for v in values)
    match.manual_seed(3)
    q = match.zeros(3, 4, requires_grad=False).uniform_(-2.0, 2.0)
    assert q.tolist() == p.tolist()  # repeatable under manual_seed


def test_stack_and_tensor() -> None:
    rows = [match.mat([r]) for r in X]
    check_against_torch(
        lambda a, b, c: match.stack([a, b, c]),
        lambda a, b, c: torch.stack([a[0], b[0], c[0]]),
        *([r] for r in X),
    )
    check_against_torch(
        lambda a, b: match.stack([a, b], dim=1),
        lambda a, b: torch.stack([a[0], b[0]], dim=1),
        [X[0]],
        [X[1]],
    )
    assert match.stack(rows).shape == (3, 4)
    with pytest.raises(ValueError, match="stack: expected rows"):
        match.stack([match.mat(X), rows[0]])
    assert match.tensor([[1, 2]]).tolist() == [[1.0, 2.0]]


def test_multinomial() -> None:
    probs = match.mat([[0.1, 0.0, 0.6, 0.3], [1.0, 1.0, 1.0, 1.0]], requires_grad=False)
    match.manual_seed(0)
    first = match.multinomial(probs, 3)
    match.manual_seed(0)
    assert match.multinomial(probs, 3).tolist() == first.tolist()  # seeded
    assert first.shape == (2, 3) and len(set(first.tolist()[1])) == 3  # no repeats
    assert sorted(first.tolist()[0]) == [0, 2, 3]  # a zero weight is never drawn
    with pytest.raises(ValueError, match="multinomial: fewer non-zero weights"):
        match.multinomial(probs, 4)  # as torch: not enough categories with weight
    counts = [0] * 4
    match.manual_seed(1)
    for i in match.multinomial(probs[0], 4000, replacement=True).tolist()[0]:
        counts[i] += 1
    assert counts[1] == 0 and abs(counts[2] / 4000 - 0.6) < 0.03
    with pytest.raises(ValueError, match="multinomial: cannot draw 5"):
        match.multinomial(probs, 5)
    with pytest.raises(ValueError, match="multinomial: each row"):
        match.multinomial(match.mat([[-1.0, 2.0]]), 1)


def test_truth_and_numbers_of_1x1() -> None:
    one = match.mat([[2.0]])
    assert bool(one) and not bool(match.mat([[0.0]])) and float(one) == 2.0 and int(one) == 2
    assert [10, 20, 30][match.mat([[1.0]])] == 20  # __index__
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(match.mat(X))
    a, b = match.mat([[1.0]]), match.mat([[3.0]])
    assert max(a, b) is b and [a, b].index(b) == 1


def test_numpy_scalar_on_the_left() -> None:
    np = pytest.importorskip("numpy")
    out = np.float64(2.0) * match.mat([[1.5]])
    assert isinstance(out, Matrix) and out.tolist() == [[3.0]]


@pytest.mark.parametrize("op", ["max", "min"])
def test_max_over_dim_returns_values_and_indices_as_torch(backend: str, op: str) -> None:
    """`x.max(1)[0]` is the values (it was the first row's maximum, which then broadcast)."""
    rows = random_rows(4, 5, seed=11)
    t = torch.tensor(rows, dtype=torch.float64)
    for dim in (0, 1, -1):
        values, indices = getattr(match.mat(rows), op)(dim)
        expected = getattr(t, op)(dim=dim, keepdim=True)
        assert_close(values, expected.values, what=f"{op}({dim}) values")
        assert indices.tolist() == rows_as_ints(expected.indices)
        assert getattr(match.mat(rows), op)(dim)[0].shape == values.shape
        assert getattr(match.mat(rows), op)(dim).values.shape == values.shape
    assert getattr(match.mat(rows), op)().shape == (1, 1)  # no dim: one 1x1 matrix
    check_against_torch(
        lambda m: getattr(m, op)(1)[0].sum() + getattr(m, op)(dim=0).values.sum(),
        lambda x: getattr(x, op)(1, keepdim=True)[0].sum() + getattr(x, op)(dim=0).values.sum(),
        rows,
    )


def rows_as_ints(t: object) -> list[list[int]]:
    """A torch tensor of positions as Match's 2D rows of ints."""
    return [[int(v) for v in row] for row in t.reshape(t.shape[0], -1).tolist()]


# -- torch's names for sorting, running sums, norms and pieces, on both backends -----------------
ROWS = random_rows(4, 5, seed=21)  # no ties, so every position is the one torch picks


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("largest", [True, False])
def test_topk_values_indices_and_gradient(backend: str, dim: int, largest: bool) -> None:
    k = 3
    values, indices = match.mat(ROWS).topk(k, dim=dim, largest=largest)
    expected = torch.tensor(ROWS).topk(k, dim=dim, largest=largest)
    assert_close(values, expected.values, what="topk values")
    assert indices.tolist() == rows_as_ints(expected.indices)
    assert indices.dtype is match.long and values.dtype is match.float64
    check_against_torch(
        lambda m: match.topk(m, k, dim, largest).values * 1.5,
        lambda x: torch.topk(x, k, dim, largest).values * 1.5,
        ROWS,
    )


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("descending", [False, True])
def test_sort_and_argsort_as_torch(backend: str, dim: int, descending: bool) -> None:
    values, indices = match.sort(match.mat(ROWS), dim=dim, descending=descending)
    expected = torch.tensor(ROWS).sort(dim=dim, descending=descending)
    assert_close(values, expected.values, what="sort values")
    assert indices.tolist() == rows_as_ints(expected.indices)
    assert match.mat(ROWS).argsort(dim, descending).tolist() == indices.tolist()
    assert match.argsort(match.mat(ROWS), dim, descending).tolist() == indices.tolist()
    check_against_torch(
        lambda m: m.sort(dim, descending)[0] * match.mat(ROWS, requires_grad=False),
        lambda x: x.sort(dim, descending)[0] * tensor(ROWS, requires_grad=False),
        ROWS,
    )


def test_sort_keeps_ties_in_order_and_puts_nan_last(backend: str) -> None:
    rows = [[2.0, 1.0, 2.0, NAN, 1.0]]
    for descending in (False, True):
        ours = match.mat(rows).sort(1, descending)
        theirs = torch.tensor(rows).sort(dim=1, descending=descending, stable=True)
        assert_close(ours.values, theirs.values, what="sort with ties and nan")
        assert ours.indices.tolist() == rows_as_ints(theirs.indices)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cumsum_as_torch(backend: str, dim: int) -> None:
    check_against_torch(lambda m: m.cumsum(dim), lambda x: x.cumsum(dim), ROWS)
    check_against_torch(lambda m: match.cumsum(m, dim), lambda x: torch.cumsum(x, dim), [[1.5]])
    rows = [[1.0, INF, -2.0, NAN, 3.0]]
    assert_close(match.mat(rows).cumsum(1), torch.tensor(rows).cumsum(1), what="cumsum inf")


@pytest.mark.parametrize("dim", [None, 0, 1])
@pytest.mark.parametrize("unbiased", [True, False])
def test_std_as_torch(backend: str, dim: int | None, unbiased: bool) -> None:
    keep = {} if dim is None else {"dim": dim, "keepdim": True}
    check_against_torch(
        lambda m: m.std(dim, unbiased=unbiased),
        lambda x: x.std(unbiased=unbiased, **keep),
        ROWS,
    )
    check_against_torch(
        lambda m: match.std(m, dim, correction=0),
        lambda x: torch.std(x, correction=0, **keep),
        ROWS,
    )


@pytest.mark.parametrize("p", [2, 1, 3.0, "fro", INF])
@pytest.mark.parametrize("dim", [None, 0, 1])
def test_norm_as_torch(backend: str, p: object, dim: int | None) -> None:
    if p == "fro" and dim is not None:
        pytest.skip("torch takes 'fro' over all elements only")
    keep = {} if dim is None else {"dim": dim, "keepdim": True}
    check_against_torch(lambda m: m.norm(p, dim), lambda x: x.norm(p, **keep), ROWS)
    check_against_torch(lambda m: match.norm(m, p, dim), lambda x: torch.norm(x, p, **keep), ROWS)


@pytest.mark.parametrize("dim", [0, 1])
@pytest.mark.parametrize("size", [1, 2, 3, "sizes"])
def test_split_as_torch(backend: str, dim: int, size: object) -> None:
    if size == "sizes":  # a list of sizes adding up to the whole
        size = [1, len(ROWS) - 1] if dim == 0 else [2, 1, len(ROWS[0]) - 3]
    ours, theirs = match.mat(ROWS).split(size, dim), torch.tensor(ROWS).split(size, dim)
    assert [p.shape for p in ours] == [tuple(p.shape) for p in theirs]

    def weighted(pieces: tuple[object, ...]) -> object:
        return sum((piece * (i + 1)).sum() for i, piece in enumerate(pieces))

    check_against_torch(
        lambda m: weighted(match.split(m, size, dim)),
        lambda x: weighted(torch.split(x, size, dim)).reshape(1, 1),
        ROWS,
    )


@pytest.mark.parametrize("dim", [0, 1])
@pytest.mark.parametrize("chunks", [1, 2, 3, 4])
def test_chunk_as_torch(backend: str, dim: int, chunks: int) -> None:
    ours, theirs = match.mat(ROWS).chunk(chunks, dim), torch.tensor(ROWS).chunk(chunks, dim)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert_close(a, b, what="chunk")
    check_against_torch(
        lambda m: match.chunk(m, chunks, dim)[-1] * 2.0,
        lambda x: torch.chunk(x, chunks, dim)[-1] * 2.0,
        ROWS,
    )


def test_squeeze_and_unsqueeze_as_torch_vectors(backend: str) -> None:
    column = [[0.5], [-1.5], [2.0]]
    for dim in (1, -1, None):
        check_against_torch(
            lambda m, d=dim: m.squeeze(d) * match.mat([[1.0, 2.0, 3.0]], requires_grad=False),
            lambda x, d=dim: (
                (x.squeeze() if d is None else x.squeeze(d)) * torch.tensor([1.0, 2.0, 3.0])
            ),
            column,
        )
    assert match.mat(ROWS).squeeze().shape == (4, 5) == match.mat(ROWS).squeeze(0).shape
    row = [[0.5, -1.5, 2.0]]
    for dim in (0, 1, -1, -2):
        ours, theirs = match.mat(row).unsqueeze(dim), torch.tensor(row[0]).unsqueeze(dim)
        assert ours.shape == tuple(theirs.shape)
        check_against_torch(
            lambda m, d=dim: match.unsqueeze(m, d) * 3.0,
            lambda x, d=dim: x.reshape(-1).unsqueeze(d) * 3.0,
            row,
        )
    with pytest.raises(ValueError, match="unsqueeze.*3-D"):
        match.mat(ROWS).unsqueeze(0)
    with pytest.raises(ValueError, match="unsqueeze: dim must be"):
        match.mat(row).unsqueeze(2)


def test_linspace_as_torch(backend: str) -> None:
    """torch's formula (from the start in the first half, from the end in the second), so the
    ends are exact; torch's vector kernel may round an inner point with a fused multiply-add,
    one unit in the last place away."""
    cases = [(-1.0, 1.0, 5), (0.0, 1.0, 7), (-math.pi, math.pi, 200), (3, -2, 11), (2.0, 5.0, 1)]
    for start, end, steps in cases:
        ours = match.linspace(start, end, steps)
        theirs = torch.linspace(start, end, steps, dtype=torch.float64)
        assert ours.shape == (1, steps) and ours.dim() == 1 and not ours.requires_grad
        assert_close(ours, theirs, rtol=1e-15, atol=1e-15, what="linspace")
        assert ours.tolist()[0][0] == theirs[0] and ours.tolist()[0][-1] == theirs[-1]


def test_randint_randperm_and_generators(backend: str) -> None:
    match.manual_seed(5)
    ids = match.randint(3, 9, (4, 6))
    assert ids.shape == (4, 6) and ids.dtype is match.long and not ids.requires_grad
    assert all(isinstance(i, int) and 3 <= i < 9 for row in ids.tolist() for i in row)
    assert match.randint(10, (32,)).shape == (1, 32)  # torch's 1-D: a row
    assert sorted(match.randperm(12).tolist()[0]) == list(range(12))
    assert match.randperm(12).dtype is match.long
    # a Generator draws on its own: the same seed gives the same numbers, the global state stays
    match.manual_seed(0)
    before = match.get_rng_state()
    draws = []
    for _ in range(2):
        g = match.Generator().manual_seed(2147483647)
        draws.append(
            [
                match.randn(3, 3, generator=g).tolist(),
                match.rand(2, generator=g).tolist(),
                match.randint(0, 27, (5,), generator=g).tolist(),
                match.randperm(7, generator=g).tolist(),
                match.multinomial(match.mat([[0.2, 0.8]]), 4, True, generator=g).tolist(),
            ]
        )
    assert draws[0] == draws[1]
    assert match.get_rng_state() == before
    match.manual_seed(2147483647)  # a Generator draws what the global one draws after its seed
    assert match.randn(3, 3).tolist() == draws[0][0]


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda: match.zeros(2, 2, dtype=match.float32), ValueError, "zeros: dtype=match.float32"),
        (lambda: match.randn(3, dtype=torch.float32), ValueError, "randn: dtype=match.float32"),
        (lambda: match.tensor([1.0], dtype="float16"), ValueError, "tensor: dtype=match.float16"),
        (lambda: match.ones(2, device="cuda"), RuntimeError, "ones: device 'cuda'"),
        (lambda: match.randint(0, 3, (2,), device="cuda:0"), RuntimeError, "randint: device"),
        (lambda: match.mat(ROWS).cuda(), RuntimeError, "cuda: device 'cuda'"),
        (lambda: match.mat(ROWS).to("cuda"), RuntimeError, "to: device 'cuda'"),
        (lambda: match.mat(ROWS).to(torch.device("cuda")), RuntimeError, "to: device 'cuda'"),
        (lambda: match.mat(ROWS).to(match.float32), ValueError, "to: dtype=match.float32"),
        (lambda: match.Generator(device="cuda"), RuntimeError, "Generator: device"),
        (lambda: match.zeros(2, dtype=match.long), RuntimeError, "zeros: only float"),
    ],
)
def test_dtype_and_device_errors_say_what_to_write(
    backend: str, call: object, error: type, words: str
) -> None:
    with pytest.raises(error, match=words) as raised:
        call()  # type: ignore[operator]
    assert any(w in str(raised.value) for w in ("float64", "cpu", "requires_grad=False"))


def test_float64_and_the_cpu_pass(backend: str) -> None:
    m = match.zeros(2, 3, dtype=match.float64, device="cpu")
    assert m.dtype is match.float64 and str(m.device) == "cpu" and not m.is_cuda
    assert m.to("cpu") is m and m.to(torch.float64) is m and m.cpu() is m
    assert m.to(match.long).dtype is match.long
    assert match.tensor([[1, 2]], dtype=torch.int64, requires_grad=False).tolist() == [[1, 2]]
    assert m.type() == "match.DoubleTensor" and m.long().type() == "match.LongTensor"


def test_grad_and_data_take_torchs_methods(backend: str) -> None:
    """`.grad.norm()`, `.grad.zero_()`, `.data.clone()`, `p.data -= lr * p.grad` and
    `p.data.add_(p.grad, alpha=-lr)` give torch's numbers and change the same parameter."""
    ours, theirs = match.mat(ROWS), tensor(ROWS)
    ((ours * ours).tanh().sum()).backward()
    (theirs * theirs).tanh().sum().backward()
    for p in (2, 1, 3.0, INF):
        assert_close(ours.grad.norm(p), theirs.grad.norm(p), what=f"grad.norm({p})")
    assert f"{ours.grad.norm():.6f}" == f"{theirs.grad.norm():.6f}"
    assert ours.grad.abs().max().item() == theirs.grad.abs().max().item()
    kept, kept_t = ours.data.clone(), theirs.data.clone()
    ours.data -= 0.1 * ours.grad
    theirs.data -= 0.1 * theirs.grad
    ours.data.add_(ours.grad, alpha=-0.05)
    theirs.data.add_(theirs.grad, alpha=-0.05)
    assert_close(ours, theirs, what="p.data -= lr * p.grad")
    assert_close(kept, kept_t, what="clone kept the values before")
    ours.grad.zero_()
    theirs.grad.zero_()
    assert_close(ours.grad, theirs.grad, what="zero_")
    assert ours.grad.numel() == theirs.grad.numel() and ours.grad.size() == tuple(theirs.grad.shape)


def test_one_dimensional_idioms_as_rows(backend: str) -> None:
    """`view(-1)` is the (1, n) row and keeps positions, `m[:, [j]]` is column j, `v[ix] = x`
    writes elements of a row, `x.grad.data` is the gradient; and `pred.argmax(1) == y` with a
    (1, n) row of labels raises instead of broadcasting to (n, n)."""
    check_against_torch(lambda m: m.view(-1) * 2.0, lambda x: x.view(-1) * 2.0, ROWS)
    check_against_torch(lambda m: m.reshape(20), lambda x: x.reshape(20), ROWS)
    targets = match.tensor([[1, 0], [2, 1]], dtype=match.long, requires_grad=False)
    assert targets.view(-1).dtype is match.long and targets.view(-1).tolist() == [[1, 0, 2, 1]]
    check_against_torch(lambda m: m[:, [-1]] + m[:, [0]], lambda x: x[:, [-1]] + x[:, [0]], ROWS)
    logits, theirs = match.mat([ROWS[0]], requires_grad=False), torch.tensor(ROWS[0])
    with match.no_grad():
        logits[match.tensor([0, 3], dtype=match.long)] = -INF
    theirs[torch.tensor([0, 3])] = -INF
    assert_close(logits, theirs, what="v[ix] = value")
    x = match.mat(ROWS)
    (x * x).sum().backward()
    assert x.grad.data is x.grad
    pred = match.mat(ROWS, requires_grad=False)
    y = match.tensor([1, 0, 4, 2], dtype=match.long)
    with pytest.raises(ValueError, match=r"eq: .*argmax\(1\).squeeze\(1\) == y"):
        pred.argmax(1) == y  # noqa: B015
    hits = (pred.argmax(1).squeeze(1) == y).type(match.float64).sum().item()
    expected = (torch.tensor(ROWS).argmax(1) == torch.tensor([1, 0, 4, 2])).sum().item()
    assert hits == expected
