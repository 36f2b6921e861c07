"""Functions that make new matrices (leaves of the graph): `mat`, `zeros`, `randn`, ...

Each returns a Matrix that tracks gradients unless `requires_grad=False`, on the active backend
(see `match.accel`), except `*_like`, which follow their input's backend.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import Any

from .checks import check_flag, check_number, check_positive_int, is_int, is_number, plain_scalar
from .list2d import List2D, rng
from .matrix import Matrix, positions
from .shapes import Number, check_size, size_args
from .torch_surface import check_device, check_dtype


def _sizes(size: tuple[Any, ...], op: str) -> tuple[Any, Any, bool]:
    """(nrow, ncol, vector) from f(n, m), f((n, m)) or f(n): torch's 1-D f(n) is a (1, n) row
    that says it stands for a vector (its `dim()` is 1)."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    if len(size) == 1:
        return 1, size[0], True
    nrow, ncol = size_args(size, op)
    return nrow, ncol, False


def _made(
    m: Matrix, op: str, dtype: Any = None, device: Any = None, vector: bool = False
) -> Matrix:
    """m, checked against torch's dtype= and device= (float64 and the CPU only; an integer
    dtype makes positions, which need whole values and no gradient)."""
    check_device(device, op)
    if check_dtype(dtype, op):
        if m.requires_grad:
            raise RuntimeError(
                f"{op}: only float matrices can require gradients (as in torch); pass "
                "requires_grad=False with an integer dtype"
            )
        if any(not float(x).is_integer() for row in m.data.tolist() for x in row):
            raise ValueError(f"{op}: an integer dtype needs whole numbers; use round() first")
        m._integer = True
    m._vector = vector
    return m


def _generator(generator: Any, op: str) -> random.Random:
    """The random.Random to draw from: a Generator's own, or Match's (see manual_seed)."""
    if generator is None:
        return rng()
    if not isinstance(generator, Generator):
        raise TypeError(
            f"{op}: generator must be a match.Generator, got {type(generator).__name__}"
        )
    return generator._random


class Generator:
    """A random generator of one's own, as torch.Generator: `g = match.Generator().manual_seed(
    2147483647)`, then `match.randn(27, 27, generator=g)`. It draws what Match's global
    generator draws after the same seed (never torch's numbers)."""

    def __init__(self, device: Any = "cpu") -> None:
        """A generator seeded from the system, on the CPU."""
        check_device(device, "Generator")
        self._random = random.Random()

    def manual_seed(self, seed: int) -> Generator:
        """Seed it; returns the generator (so it chains, as in torch)."""
        seed = plain_scalar(seed)
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise TypeError(f"Generator.manual_seed: the seed must be an int, got {seed!r:.20}")
        self._random.seed(seed)
        return self


def mat(
    values: Sequence[Sequence[Number]],
    requires_grad: bool = True,
    dtype: Any = None,
    device: Any = None,
    *,
    name: str | None = None,
) -> Matrix:
    """A Matrix holding a copy of nested lists of numbers: `mat([[1, 2], [3, 4]])`.
    `dtype=match.long` makes positions (class labels, indices): no gradient, ints in tolist.
    `name` labels it in `match.viz` and `match.tools.trace_backward` (`name="w"`)."""
    if name is not None and not isinstance(name, str):
        raise TypeError(f"mat: name must be a str or None, got {type(name).__name__}")
    if check_dtype(dtype, "mat") and requires_grad is True:
        requires_grad = False  # labels: torch's integer tensors never require grad
    out = _made(_from_values(values, requires_grad, "mat"), "mat", dtype, device)
    out.name = name
    return out


def tensor(
    values: Sequence[Sequence[Number]],
    requires_grad: bool = True,
    dtype: Any = None,
    device: Any = None,
) -> Matrix:
    """torch's name for `mat`, for code ported from PyTorch (errors say tensor)."""
    if check_dtype(dtype, "tensor") and requires_grad is True:
        requires_grad = False
    return _made(_from_values(values, requires_grad, "tensor"), "tensor", dtype, device)


def _from_values(values: Any, requires_grad: bool, op: str) -> Matrix:
    """mat and tensor: a copy of a Matrix, a List2D, nested lists, a numpy array or a torch
    tensor; errors name op. As in torch, bools are numbers here (True is 1.0), a flat list
    or 1D array is one row (torch's 1D vector: Match keeps vectors as (1, n) rows) and a
    number or 0-d array is a (1, 1) matrix."""
    check_flag(requires_grad, op, "requires_grad")
    if isinstance(values, Matrix):
        values = values.data
    if isinstance(values, List2D):
        return Matrix(values.copy(), requires_grad=requires_grad)
    if hasattr(values, "tolist") and not isinstance(values, (list, tuple)):
        values = values.tolist()  # a numpy array or torch tensor, of any dtype
    if isinstance(values, (int, float)):
        values = [[values]]
    elif (
        isinstance(values, (list, tuple))
        and values
        and not isinstance(values[0], (list, tuple))
        and getattr(values[0], "ndim", 0) == 0  # rows that are 1D arrays go to check_rows
    ):
        values = [values]
    if isinstance(values, (list, tuple)):
        values = [_bools_as_floats(row) for row in values]
    return Matrix(List2D.from_2d_list(values, op), requires_grad=requires_grad)


def _bools_as_floats(row: Any) -> Any:
    """A row with its bools as 1.0 and 0.0 (torch.tensor([[True, 1.0]]) is float)."""
    if isinstance(row, (list, tuple)) and any(isinstance(x, bool) for x in row):
        return [float(x) if isinstance(x, bool) else x for x in row]
    return row


def arange(
    start: Number,
    end: Number | None = None,
    step: Number = 1,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Matrix:
    """The row [start, start + step, ...] up to, not including, end, as a (1, n) matrix;
    `arange(5)` is 0 .. 4. With int arguments `tolist()` gives ints, as torch."""
    if end is None:
        start, end = 0, start
    start, end, step = (
        check_number(v, "arange", what)
        for v, what in ((start, "start"), (end, "end"), (step, "step"))
    )
    if step == 0 or not all(map(math.isfinite, (start, end, step))):
        raise ValueError(f"arange: need finite start, end and a non-zero step, got {step}")
    count = max(0, math.ceil((end - start) / step))
    if count == 0:
        raise ValueError(f"arange: the range [{start}, {end}) with step {step} is empty")
    row = List2D.from_2d_list([[start + i * step for i in range(count)]], "arange")
    whole = all(float(v).is_integer() for v in (start, step))
    out = positions(row) if whole and dtype is None else Matrix(row, requires_grad=requires_grad)
    return _made(out, "arange", dtype, device, vector=True)


def multinomial(
    probs: Matrix, num_samples: int, replacement: bool = False, generator: Any = None
) -> Matrix:
    """num_samples category positions per row of `probs` (non-negative weights, need not sum to
    1), drawn with Match's generator (see `manual_seed`); without replacement a category is
    drawn at most once per row. Returns an (nrow, num_samples) matrix of positions."""
    if not isinstance(probs, Matrix):
        raise TypeError(f"multinomial: probs must be a Matrix, got {type(probs).__name__}")
    num_samples = check_positive_int(num_samples, "multinomial", "num_samples")
    check_flag(replacement, "multinomial", "replacement")
    rows = probs.tolist()
    if not replacement and num_samples > probs.ncol:
        raise ValueError(
            f"multinomial: cannot draw {num_samples} samples without replacement from "
            f"{probs.ncol} categories"
        )
    for row in rows:
        if not all(math.isfinite(p) and p >= 0 for p in row) or sum(row) <= 0:
            raise ValueError(
                "multinomial: each row of probs must be finite, non-negative weights with a "
                f"positive sum, got {row!r:.80}"
            )
    choices = _generator(generator, "multinomial").choices
    samples = []
    for row in rows:
        weights, drawn = list(row), []
        for _ in range(num_samples):
            pick = choices(range(len(weights)), weights)[0]
            drawn.append(float(pick))
            if not replacement:
                weights[pick] = 0.0  # drawn once: never again in this row
                if sum(weights) <= 0 and len(drawn) < num_samples:
                    raise ValueError("multinomial: fewer non-zero weights than num_samples")
        samples.append(drawn)
    return positions(probs.data.new_rows(samples))


def full(
    *args: Any,
    fill_value: Number = 0.0,
    requires_grad: bool = True,
    dtype: Any = None,
    device: Any = None,
) -> Matrix:
    """An (nrow, ncol) Matrix filled with one value: `full(2, 3, 7.0)`, `full((2, 3), 7.0)` (as
    torch) or `full(2, 3, fill_value=7.0)`."""
    check_flag(requires_grad, "full", "requires_grad")
    count = 1 if args and isinstance(args[0], (tuple, list)) else 2
    size, rest = args[:count], args[count:]
    if len(rest) > 1:
        raise TypeError(f"full: expected a size and a fill value, got {args!r:.60}")
    if rest:
        fill_value = rest[0]
    nrow, ncol, vector = _sizes(size, "full")
    out = Matrix(List2D.full(nrow, ncol, fill_value, "full"), requires_grad=requires_grad)
    return _made(out, "full", dtype, device, vector)


def zeros(*size: Any, requires_grad: bool = True, dtype: Any = None, device: Any = None) -> Matrix:
    """An (nrow, ncol) Matrix of zeros; `zeros(n)` is a (1, n) row, torch's 1-D `zeros(n)`."""
    check_flag(requires_grad, "zeros", "requires_grad")
    nrow, ncol, vector = _sizes(size, "zeros")
    out = Matrix(List2D.full(nrow, ncol, 0.0, "zeros"), requires_grad=requires_grad)
    return _made(out, "zeros", dtype, device, vector)


def ones(*size: Any, requires_grad: bool = True, dtype: Any = None, device: Any = None) -> Matrix:
    """An (nrow, ncol) Matrix of ones; `ones(n)` is a (1, n) row, torch's 1-D `ones(n)`."""
    check_flag(requires_grad, "ones", "requires_grad")
    nrow, ncol, vector = _sizes(size, "ones")
    out = Matrix(List2D.full(nrow, ncol, 1.0, "ones"), requires_grad=requires_grad)
    return _made(out, "ones", dtype, device, vector)


def randn(
    *size: Any,
    requires_grad: bool = True,
    generator: Any = None,
    dtype: Any = None,
    device: Any = None,
) -> Matrix:
    """Samples of the standard normal distribution (repeatable after `manual_seed`); `randn(n)` is a
    (1, n) row. With `generator=` it draws from that Generator."""
    return _samples(size, "randn", requires_grad, generator, dtype, device)


def rand(
    *size: Any,
    requires_grad: bool = True,
    generator: Any = None,
    dtype: Any = None,
    device: Any = None,
) -> Matrix:
    """Samples of the uniform distribution on [0, 1) (repeatable after manual_seed); `rand(n)` is a
    (1, n) row. With `generator=` it draws from that Generator."""
    return _samples(size, "rand", requires_grad, generator, dtype, device)


def _samples(
    size: tuple[Any, ...], op: str, requires_grad: bool, generator: Any, dtype: Any, device: Any
) -> Matrix:
    """randn's or rand's samples (op says which), from Match's generator or `generator`."""
    check_flag(requires_grad, op, "requires_grad")
    nrow, ncol, vector = _sizes(size, op)
    if generator is None:
        value = List2D.randn(nrow, ncol) if op == "randn" else List2D.rand(nrow, ncol)
    else:
        check_size(nrow, ncol, op)
        source = _generator(generator, op)
        draw = (lambda: source.gauss(0.0, 1.0)) if op == "randn" else source.random
        value = List2D.from_2d_list([[draw() for _ in range(ncol)] for _ in range(nrow)])
    return _made(Matrix(value, requires_grad=requires_grad), op, dtype, device, vector)


def eye(n: int, requires_grad: bool = True, dtype: Any = None, device: Any = None) -> Matrix:
    """The (n, n) identity matrix."""
    check_flag(requires_grad, "eye", "requires_grad")
    return _made(Matrix(List2D.eye(n), requires_grad=requires_grad), "eye", dtype, device)


def _like(m: Any, value: float, op: str, requires_grad: bool, **kw: Any) -> Matrix:
    """A constant Matrix of m's shape on m's backend; errors name op (zeros_like, ones_like)."""
    check_flag(requires_grad, op, "requires_grad")
    if not isinstance(m, Matrix):
        raise TypeError(f"{op}: expected a Matrix, got {type(m).__name__}")
    out = Matrix(m.data.new_full(*m.shape, value), requires_grad=requires_grad)
    return _made(out, op, kw.get("dtype"), kw.get("device"), m._vector)


def zeros_like(
    m: Matrix, requires_grad: bool = True, dtype: Any = None, device: Any = None
) -> Matrix:
    """Zeros of m's shape, on m's backend."""
    return _like(m, 0.0, "zeros_like", requires_grad, dtype=dtype, device=device)


def ones_like(
    m: Matrix, requires_grad: bool = True, dtype: Any = None, device: Any = None
) -> Matrix:
    """Ones of m's shape, on m's backend."""
    return _like(m, 1.0, "ones_like", requires_grad, dtype=dtype, device=device)


def full_like(
    m: Matrix, fill_value: Number, requires_grad: bool = True, dtype: Any = None, device: Any = None
) -> Matrix:
    """fill_value in m's shape, on m's backend."""
    value = check_number(fill_value, "full_like", "fill_value")
    return _like(m, value, "full_like", requires_grad, dtype=dtype, device=device)


def randn_like(m: Matrix, requires_grad: bool = True, generator: Any = None) -> Matrix:
    """Standard normal samples in m's shape (drawn as `randn` draws them)."""
    _like(m, 0.0, "randn_like", False)
    out = randn(*m.shape, requires_grad=requires_grad, generator=generator)
    return Matrix(out.data.to_backend(m.data.backend), requires_grad=requires_grad)


def rand_like(m: Matrix, requires_grad: bool = True, generator: Any = None) -> Matrix:
    """Uniform samples on [0, 1) in m's shape."""
    _like(m, 0.0, "rand_like", False)
    out = rand(*m.shape, requires_grad=requires_grad, generator=generator)
    return Matrix(out.data.to_backend(m.data.backend), requires_grad=requires_grad)


def randint(
    low: int,
    high: Any = None,
    size: Any = None,
    generator: Any = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Matrix:
    """Positions drawn uniformly from low .. high - 1 (`randint(high, size)` from 0), as torch's
    randint: `randint(0, n, (32,))` is a (1, 32) row (torch's 1-D), `(4, 3)` a matrix. Drawn
    with Match's generator (or `generator=`), so never torch's numbers."""
    if size is None:
        low, high, size = 0, low, high
    low, high = plain_scalar(low), plain_scalar(high)
    for value, what in ((low, "low"), (high, "high")):
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(f"randint: {what} must be an int, got {type(value).__name__}")
    if high <= low:
        raise ValueError(f"randint: need low < high, got {low} and {high}")
    if not isinstance(size, (tuple, list)) or not 1 <= len(size) <= 2:
        raise TypeError(
            f"randint: size must be a tuple of one or two sizes, such as (32,), got {size!r:.40}"
        )
    nrow, ncol, vector = _sizes(tuple(size), "randint")
    check_size(nrow, ncol, "randint")
    draw = _generator(generator, "randint").randrange
    rows = [[float(draw(low, high)) for _ in range(ncol)] for _ in range(nrow)]
    out = positions(List2D.from_2d_list(rows, "randint"))
    if dtype is not None and not check_dtype(dtype, "randint"):
        out = Matrix(out.data, requires_grad=requires_grad)  # dtype=match.float64: floats
    return _made(out, "randint", None, device, vector)


def randperm(n: int, generator: Any = None, dtype: Any = None, device: Any = None) -> Matrix:
    """0 .. n - 1 in a random order, as a (1, n) row of positions."""
    n = plain_scalar(n)
    check_size(1, n, "randperm")
    order = list(range(n))
    _generator(generator, "randperm").shuffle(order)
    out = positions(List2D.from_2d_list([[float(i) for i in order]], "randperm"))
    return _made(out, "randperm", dtype or "int64", device, vector=True)


def linspace(
    start: Number,
    end: Number,
    steps: int,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Matrix:
    """steps evenly spaced numbers from start to end (both included), as a (1, steps) row,
    computed as torch computes them: from the start in the first half and from the end in
    the second, so that the last is exactly end."""
    start, end = check_number(start, "linspace", "start"), check_number(end, "linspace", "end")
    steps = plain_scalar(steps)
    if not isinstance(steps, int) or isinstance(steps, bool) or steps < 1:
        raise ValueError(f"linspace: steps must be a positive int, got {steps!r}")
    step = (end - start) / (steps - 1) if steps > 1 else 0.0
    half = steps // 2 if steps > 1 else 1  # one step is the start, as in torch
    row = [start + i * step if i < half else end - (steps - 1 - i) * step for i in range(steps)]
    out = Matrix(List2D.from_2d_list([row], "linspace"), requires_grad=requires_grad)
    return _made(out, "linspace", dtype, device, vector=True)


# -- the generator's state ---------------------------------------------------------------------
# torch.get_rng_state returns a byte tensor; Match's state is JSON-ready (match.save stores it),
# so that a checkpoint can hold it and a resumed run draws the same dropout masks and batches.

_MT_WORDS = 624  # the Mersenne Twister's state: 624 32-bit words, then a position in them


def get_rng_state() -> dict[str, Any]:
    """The state of Match's random generator (the one `manual_seed` seeds), as a dict of plain
    numbers: save it in a checkpoint and give it to `set_rng_state` to draw the same numbers
    again (torch's get_rng_state)."""
    version, internal, gauss_next = rng().getstate()
    return {"version": version, "internal": list(internal), "gauss_next": gauss_next}


def set_rng_state(state: Any) -> None:
    """Restore what `get_rng_state` returned (also after `match.save` / `match.load`), or a
    `random.Random().getstate()` tuple. Checks everything first: a TypeError or ValueError
    names what is wrong, and the generator is left as it was."""
    op = "set_rng_state"
    if isinstance(state, tuple) and len(state) == 3:
        state = dict(zip(("version", "internal", "gauss_next"), state))
    if not isinstance(state, dict) or set(state) != {"version", "internal", "gauss_next"}:
        raise TypeError(
            f"{op}: expected what get_rng_state returned, a dict with 'version', 'internal' "
            f"and 'gauss_next', got {type(state).__name__} {state!r:.60}"
        )
    if state["version"] != 3 or isinstance(state["version"], bool):
        raise ValueError(f"{op}: unknown generator state version {state['version']!r:.20}")
    words = state["internal"]
    if not isinstance(words, (list, tuple)) or len(words) != _MT_WORDS + 1:
        raise ValueError(f"{op}: 'internal' must be a list of {_MT_WORDS + 1} ints")
    for i, word in enumerate(words):
        if not is_int(word):
            raise TypeError(f"{op}: 'internal'[{i}] must be an int, got {type(word).__name__}")
        top = _MT_WORDS if i == _MT_WORDS else 2**32 - 1
        if not 0 <= word <= top:
            raise ValueError(f"{op}: 'internal'[{i}] is {word}, outside 0..{top}")
    gauss_next = state["gauss_next"]
    if gauss_next is not None and (not is_number(gauss_next)):
        raise TypeError(f"{op}: 'gauss_next' must be None or a number, got {gauss_next!r:.30}")
    gauss_next = None if gauss_next is None else float(gauss_next)
    rng().setstate((3, tuple(words), gauss_next))
