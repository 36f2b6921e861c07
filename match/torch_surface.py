"""torch's names on a Matrix, for programs ported from PyTorch: in-place arithmetic, `topk`,
`sort`, `cumsum`, dtypes and devices, and the other methods a torch program reaches for.

`TorchMethods` is a base class of `Matrix` (see `matrix.py`), kept apart so that `matrix.py`
stays the short list of the operations autodiff is built from. Nothing here has a backward of
its own: every method is a composite of Matrix operations, or changes no graph at all.

The rules of the 2D translation (the README's "Coming from PyTorch"): a 1-D torch result is a
(1, n) row, integer tensors (`dtype=match.long`, `argmax`, `randint`) are matrices of positions
whose `tolist()` gives ints, and every value is float64 on the CPU.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, NamedTuple

from .checks import check_number, plain_scalar
from .grad_mode import is_grad_enabled, no_grad
from .shapes import check_dim

if TYPE_CHECKING:
    from .matrix import Matrix


# -- dtypes and devices ----------------------------------------------------------------------


class dtype:
    """A torch dtype name. Match computes in float64 only: float64 (`match.double`) is its one
    float dtype, and int64 (`match.long`) marks matrices of positions (class labels, indices)."""

    def __init__(self, name: str, is_floating_point: bool) -> None:
        """A dtype named name (float64, int64, ...)."""
        self.name, self.is_floating_point = name, is_floating_point

    def __repr__(self) -> str:
        return f"match.{self.name}"


float64 = dtype("float64", True)
float32 = dtype("float32", True)
float16 = dtype("float16", True)
bfloat16 = dtype("bfloat16", True)
int64 = dtype("int64", False)
int32 = dtype("int32", False)
bool_ = dtype("bool", False)
DTYPES = {
    "float64": float64,
    "double": float64,
    "float32": float32,
    "float": float32,
    "float16": float16,
    "half": float16,
    "bfloat16": bfloat16,
    "int64": int64,
    "long": int64,
    "int32": int32,
    "int": int32,
    "bool": bool_,
}


def check_dtype(value: Any, op: str) -> bool:
    """Whether `dtype=value` asks for positions (an integer dtype); None and float64 ask for
    floats. float32 and the other floats raise: Match would silently compute in float64."""
    if value is None:
        return False
    if isinstance(value, str):
        value = DTYPES.get(value.removeprefix("torch.").removeprefix("match."), value)
    if not isinstance(value, dtype):
        name = getattr(value, "__name__", None) or str(value)  # torch.float32, np.float32
        value = DTYPES.get(name.rsplit(".", 1)[-1], value)
    if value is float64:
        return False
    if value in (int64, int32):
        return True
    raise ValueError(
        f"{op}: dtype={value!r} is not available: Match computes in float64 only. Drop dtype= "
        "(or write dtype=match.float64), and run torch with "
        "torch.set_default_dtype(torch.float64) to compare"
    )


class device:
    """torch's device, for porting: Match runs on the CPU ('cpu'); `match.device('cuda')` can be
    made, but moving a matrix or a model there raises (see `check_device`)."""

    def __init__(self, type: Any = "cpu", index: int | None = None) -> None:
        """device('cpu'), device('cuda'), device('cuda:0'), or a device."""
        text = str(type.type if isinstance(type, device) else type)
        self.type, _, number = text.partition(":")
        self.index = int(number) if number else index

    def __eq__(self, other: object) -> bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        return f"device(type='{self.type}')"


def check_device(value: Any, op: str) -> None:
    """None and the CPU pass; any other device raises, saying what to do instead."""
    if value is None or str(device(value)) == "cpu" or str(value).startswith("cpu"):
        return
    raise RuntimeError(
        f"{op}: device {str(value)!r} is not available: Match runs on the CPU. Write "
        "device = 'cuda' if match.cuda.is_available() else 'cpu' (it is 'cpu'), or use "
        "match.accel.use('cupy') to run every matrix's arithmetic on a GPU"
    )


class ValuesIndices(NamedTuple):
    """What torch's `max(dim)`, `min(dim)`, `topk` and `sort` return: values and their positions
    (`values, indices = m.max(1)`, or `m.max(1).values`, `m.max(1)[0]`)."""

    values: Matrix
    indices: Matrix


_SYMBOLS = {"add": "+", "sub": "-", "mul": "*", "div": "/", "truediv": "/", "pow": "**"}


class TorchMethods:
    """torch's Matrix methods beyond the operations of `matrix.py` (a base class of Matrix)."""

    __slots__ = ()

    # -- in place -------------------------------------------------------------------------------
    # torch's rules: under no_grad, or on a matrix that tracks no gradient, the values are
    # written into the same Matrix (so a parameter stays the module's and the optimizer's); a
    # leaf that requires grad raises, as in torch. On a result of an operation, while recording,
    # Match raises too: its graph links matrices, so it cannot send the gradient of the values
    # before the change to the operations that already used them.
    def _check_in_place(self: Any, op: str, *operands: Any) -> None:
        if not is_grad_enabled():
            return
        if self.requires_grad and self.is_leaf:
            raise RuntimeError(
                f"{op}: a leaf Matrix that requires grad is used in an in-place operation (torch "
                "raises the same); change parameters under `with match.no_grad():`"
            )
        if self.requires_grad or any(getattr(m, "requires_grad", False) for m in operands):
            name = op.split()[0].strip("_")  # iadd, add, clamp, ...
            symbol = _SYMBOLS.get(name, _SYMBOLS.get(name[1:], "op"))
            raise RuntimeError(
                f"{op}: Match does not record in-place changes in the graph (this matrix is the "
                f"result of '{self.op or 'a constant'}' and gradients are being recorded); "
                f"write x = x {symbol} y, a new matrix, instead"
            )

    def _write(self: Any, op: str, value: Matrix) -> Any:
        """Put value's values into this Matrix (same object, a new version of its data)."""
        if value.shape != self.shape:
            raise RuntimeError(
                f"{op}: the result has shape {value.shape}, which does not fit in this "
                f"{self.shape} matrix (an in-place result keeps its matrix's shape)"
            )
        self.data.set_(value.data if value.data is not self.data else value.data.copy())
        return self

    def _in_place(self: Any, op: str, compute: Any, *operands: Any) -> Any:
        self._check_in_place(op, *operands)
        with no_grad():
            return self._write(op, compute())

    def __iadd__(self, other: Any) -> Any:
        return self._in_place("__iadd__ (+=)", lambda: self + other, other)

    def __isub__(self, other: Any) -> Any:
        return self._in_place("__isub__ (-=)", lambda: self - other, other)

    def __imul__(self, other: Any) -> Any:
        return self._in_place("__imul__ (*=)", lambda: self * other, other)

    def __itruediv__(self, other: Any) -> Any:
        return self._in_place("__itruediv__ (/=)", lambda: self / other, other)

    def __ipow__(self, other: Any) -> Any:
        return self._in_place("__ipow__ (**=)", lambda: self**other, other)

    def add_(self, other: Any, alpha: float = 1.0) -> Any:
        """self += alpha * other, in place (see `__iadd__` for when it may)."""
        return self._in_place("add_", lambda: self + other * alpha, other)

    def sub_(self, other: Any, alpha: float = 1.0) -> Any:
        """self -= alpha * other, in place."""
        return self._in_place("sub_", lambda: self - other * alpha, other)

    def mul_(self, other: Any) -> Any:
        """self *= other, in place."""
        return self._in_place("mul_", lambda: self * other, other)

    def div_(self, other: Any) -> Any:
        """self /= other, in place."""
        return self._in_place("div_", lambda: self / other, other)

    def pow_(self, exponent: Any) -> Any:
        """self **= exponent, in place."""
        return self._in_place("pow_", lambda: self**exponent, exponent)

    def clamp_(self, min: Any = None, max: Any = None) -> Any:
        """Limit every element to [min, max], in place (WGAN's weight clipping)."""
        return self._in_place("clamp_", lambda: self.clamp(min, max))

    def copy_(self, src: Any) -> Any:
        """Copy src's values (a Matrix, List2D or number, broadcast to this shape), in place."""
        from .matrix import Matrix

        self._check_in_place("copy_", src)
        with no_grad():
            if not isinstance(src, Matrix):
                src = self._operand(src, "copy_")
            return self._write("copy_", src + self.__zeros_like_constant())

    def __zeros_like_constant(self: Any) -> Matrix:
        """A constant of zeros of this shape (what broadcasting a copy_ source adds to)."""
        from .matrix import Matrix

        return Matrix(self.data.new_full(*self.shape, 0.0), requires_grad=False)

    def __setitem__(self: Any, key: Any, value: Any) -> None:
        """m[key] = value, in place: rows, elements, slices, `m[mask] = v` with a 0/1 mask of m's
        shape (`x[x < 0] = 0`), and rows picked by a matrix of positions."""
        from .matrix import Matrix, where

        self._check_in_place("setitem (m[key] = value)", value)
        with no_grad():
            if isinstance(key, Matrix) and not key._integer and key.shape == self.shape:
                self._write("setitem", where(key, value, self))
                return
            if isinstance(key, Matrix) and self.nrow == 1:  # v[ix] = value: elements of a row
                picked = set(torch_key(key, (key.numel(), 1), "setitem"))
                flags = [[1.0 if j in picked else 0.0 for j in range(self.ncol)]]
                self._write("setitem", where(Matrix(self.data.new_rows(flags), False), value, self))
                return
            data = self.data.copy()
            data[torch_key(key, self.shape, "setitem")] = (
                value.data if isinstance(value, Matrix) else value
            )
            self.data.set_(data)

    # -- torch's return types -------------------------------------------------------------------
    def topk(self: Any, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> Any:
        """The k largest (or smallest) elements along dim with their positions, largest first:
        `(values, indices)`, as torch. Ties keep their order (torch's order among ties is its
        kernel's); nan counts as the largest, as in torch."""
        k = plain_scalar(k)
        size = self.shape[check_dim(dim, "topk", False)]
        if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= size:
            raise ValueError(f"topk: k must be an int in 1 .. {size}, got {k!r}")
        values, indices = self.sort(dim, descending=largest)
        keep = slice(0, k)
        if check_dim(dim, "topk", False) == 1:
            return ValuesIndices(values[:, keep], _positions(indices[:, keep]))
        return ValuesIndices(values[keep], _positions(indices[keep]))

    def sort(self: Any, dim: int = -1, descending: bool = False, stable: bool = False) -> Any:
        """Each row (dim=1, the default -1) or column sorted, with the positions each value came
        from: `(values, indices)`. The values are gathered, so gradients flow back to the
        elements they came from. Ties keep their order; nan sorts as the largest (as torch)."""
        from .matrix import Matrix

        dim = check_dim(dim, "sort", False)
        if dim == 0:
            values, indices = self.T.sort(1, descending)
            return ValuesIndices(values.T, _positions(indices.T))

        def key(x: float) -> tuple[bool, float]:
            return (math.isnan(x), x) if not descending else (not math.isnan(x), -x)

        order = [sorted(range(len(row)), key=lambda j, r=row: key(r[j])) for row in self.tolist()]
        indices = Matrix(self.data.new_rows([[float(j) for j in row] for row in order]), False)
        return ValuesIndices(self.gather(1, indices), _positions(indices))

    def argsort(self: Any, dim: int = -1, descending: bool = False) -> Any:
        """The positions that sort self along dim (`sort(...).indices`)."""
        return self.sort(dim, descending).indices

    # -- composites under torch's names ---------------------------------------------------------
    def pow(self: Any, exponent: Any) -> Any:
        """self ** exponent (torch's method form)."""
        return self**exponent

    def sign(self: Any) -> Any:
        """-1, 0 or 1 by the sign of each element; a constant (its gradient is 0 everywhere
        but at 0, where torch also gives 0)."""
        from .matrix import Matrix

        return Matrix(self.data.sign(), requires_grad=False)

    def square(self: Any) -> Any:
        """self * self."""
        return self * self

    def cumsum(self: Any, dim: int) -> Any:
        """Running sums along dim, added left to right as torch adds them (one slice and one
        addition per position, so an inf stays where it is instead of meeting a 0)."""
        from .matrix import cat

        dim = check_dim(dim, "cumsum", False)
        if dim == 0:
            return self.T.cumsum(1).T
        parts = [self[:, 0]]
        for j in range(1, self.ncol):
            parts.append(parts[-1] + self[:, j])
        return parts[0] if len(parts) == 1 else cat(parts, 1)

    def std(
        self: Any,
        dim: int | None = None,
        unbiased: bool | None = None,
        keepdim: bool = True,
        correction: int | None = None,
    ) -> Any:
        """Standard deviation, sqrt(var), unbiased (correction 1) unless unbiased=False."""
        if correction is None:
            correction = 0 if unbiased is False else 1
        correction = check_number(correction, "std", "correction")
        return self.var(check_dim(dim, "std"), correction=correction).sqrt()

    def log10(self: Any) -> Any:
        """Base-10 logarithm, log(x) / log(10)."""
        return self.log() / math.log(10.0)

    def log2(self: Any) -> Any:
        """Base-2 logarithm, log(x) / log(2)."""
        return self.log() / math.log(2.0)

    def norm(self: Any, p: Any = 2, dim: int | None = None, keepdim: bool = True) -> Any:
        """The p-norm of all elements (1x1) or along dim: (sum |x|^p)^(1/p); p=2 by default."""
        p = plain_scalar(p)
        if p == "fro":
            p = 2
        if not isinstance(p, (int, float)) or isinstance(p, bool) or p <= 0:
            raise ValueError(f"norm: p must be a positive number, 'fro' or inf, got {p!r}")
        if p == math.inf:
            return self.abs().max() if dim is None else self.abs().max(dim).values
        if p == 2:
            return (self * self).sum(dim).sqrt()
        return (self.abs() ** p).sum(dim) ** (1.0 / p)

    def transpose(self: Any, dim0: int, dim1: int) -> Any:
        """The transpose (`transpose(0, 1)`, `transpose(-2, -1)`); the same dim twice is self."""
        a, b = check_dim(dim0, "transpose", False), check_dim(dim1, "transpose", False)
        return self if a == b else self.T

    def t(self: Any) -> Any:
        """The transpose."""
        return self.T

    def split(self: Any, split_size: Any, dim: int = 0) -> tuple[Any, ...]:
        """Pieces of split_size rows (dim=0) or columns (dim=1), the last maybe smaller; or a
        list of sizes. Each piece is a slice, so gradients flow back."""
        dim = check_dim(dim, "split", False)
        total = self.shape[dim]
        split_size = plain_scalar(split_size)
        if isinstance(split_size, int) and not isinstance(split_size, bool) and split_size > 0:
            sizes = [min(split_size, total - i) for i in range(0, total, split_size)]
        elif isinstance(split_size, (list, tuple)) and sum(split_size) == total:
            sizes = list(split_size)
        else:
            raise ValueError(
                f"split: split_size must be a positive int or sizes adding up to {total}, "
                f"got {split_size!r}"
            )
        starts = [sum(sizes[:i]) for i in range(len(sizes))]
        pieces = [slice(s, s + n) for s, n in zip(starts, sizes)]
        return tuple(self[piece] if dim == 0 else self[:, piece] for piece in pieces)

    def chunk(self: Any, chunks: int, dim: int = 0) -> tuple[Any, ...]:
        """chunks pieces of equal size (the last maybe smaller), as torch.chunk."""
        size = self.shape[check_dim(dim, "chunk", False)]
        chunks = plain_scalar(chunks)
        if not isinstance(chunks, int) or isinstance(chunks, bool) or chunks < 1:
            raise ValueError(f"chunk: chunks must be a positive int, got {chunks!r}")
        return self.split(-(-size // chunks), dim)

    def squeeze(self: Any, dim: int | None = None) -> Any:
        """torch's squeeze in 2D: an (n, 1) column becomes the (1, n) row that stands for
        torch's 1-D result (squeeze(1), squeeze(-1) or squeeze()); a row stays a row."""
        if dim is not None and check_dim(dim, "squeeze", False) == 0:
            return self
        return self.T if self.ncol == 1 and self.nrow > 1 else self

    def unsqueeze(self: Any, dim: int) -> Any:
        """torch's unsqueeze of a 1-D vector (Match's (1, n) row): unsqueeze(0) is the row,
        unsqueeze(1) or (-1) the (n, 1) column. Anything else would be 3-D and raises."""
        dim = plain_scalar(dim)
        if self.nrow != 1:
            raise ValueError(
                f"unsqueeze: a {self.shape} matrix would become 3-D; Match's matrices are 2D "
                "(unsqueeze works on (1, n) rows, Match's 1-D vectors)"
            )
        if dim in (0, -2):
            return self
        if dim in (1, -1):
            return self.T
        raise ValueError(f"unsqueeze: dim must be 0, 1, -1 or -2, got {dim!r}")

    def expand(self: Any, *sizes: Any) -> Any:
        """self broadcast to sizes (-1 keeps a size), as a new matrix."""
        from .shapes import size_args

        nrow, ncol = size_args(sizes, "expand")
        nrow, ncol = (self.nrow if nrow == -1 else nrow), (self.ncol if ncol == -1 else ncol)
        if self.nrow not in (1, nrow) or self.ncol not in (1, ncol):
            raise ValueError(
                f"expand: a {self.shape} matrix cannot expand to ({nrow}, {ncol}): only a size "
                "of 1 grows, as in torch (match.cat([m, m], 0) repeats a matrix)"
            )
        return self + self.data.new_full(nrow, ncol, 0.0)

    def contiguous(self: Any) -> Any:
        """self: Match's matrices are always contiguous."""
        return self

    def nelement(self: Any) -> int:
        """The number of elements (torch's other name for numel)."""
        return self.numel()

    @property
    def ndim(self: Any) -> int:
        """The number of dimensions, as `dim()`."""
        return self.dim()

    def retain_grad(self: Any) -> None:
        """Nothing to do: results of operations already keep their latest gradient."""

    # -- dtypes, devices, numpy -----------------------------------------------------------------
    @property
    def dtype(self: Any) -> dtype:
        """match.int64 for positions (argmax, randint, dtype=match.long), else match.float64."""
        return int64 if self._integer else float64

    @property
    def device(self: Any) -> device:
        """Always the CPU (the backend, numpy or cupy, is chosen with `match.accel`)."""
        return device("cpu")

    @property
    def is_cuda(self: Any) -> bool:
        """False: Match's matrices live on the CPU."""
        return False

    def to(self: Any, *args: Any, **kwargs: Any) -> Any:
        """torch's `to(device)`, `to(dtype)`, `to(other)`: the CPU and float64 give self, an
        integer dtype gives `long()`; a GPU device or another float dtype raises."""
        from .matrix import Matrix

        integer = self._integer
        for value in (*args, kwargs.get("device"), kwargs.get("dtype")):
            if isinstance(value, Matrix):
                integer = value._integer
            elif isinstance(value, (dtype, type)) or "float" in str(value) or "int" in str(value):
                integer = check_dtype(value, "to")
            else:
                check_device(value, "to")
        if integer and not self._integer:
            return self.long()
        return self.float() if not integer else self

    def cpu(self: Any) -> Any:
        """self: Match runs on the CPU."""
        return self

    def cuda(self: Any, *args: Any, **kwargs: Any) -> Any:
        """Raises: Match runs on the CPU (see `to`)."""
        check_device("cuda", "cuda")

    def type(self: Any, dtype: Any = None) -> Any:
        """Without an argument, torch's type name ('match.DoubleTensor', 'match.LongTensor');
        with one, the matrix converted to that dtype."""
        if dtype is None:
            return "match.LongTensor" if self._integer else "match.DoubleTensor"
        name = str(getattr(dtype, "__name__", dtype))
        if "LongTensor" in name or "IntTensor" in name:
            return self.long()
        if "DoubleTensor" in name:
            return self.double()
        if name.endswith("Tensor"):  # FloatTensor, HalfTensor, BoolTensor ...
            check_dtype(float32 if "Float" in name else name, "type")
        return self.to(dtype)

    def long(self: Any) -> Any:
        """Positions (torch's int64): the values rounded toward zero, no gradient."""
        from .matrix import positions

        rows = [[float(math.trunc(x)) for x in row] for row in self.data.tolist()]
        return positions(self.data.new_rows(rows))

    def __format__(self: Any, spec: str) -> str:
        """f"{loss:.4f}" formats a 1x1 matrix's number; a larger one formats only with no spec."""
        if self.shape == (1, 1):
            return format(self.item(), spec)
        if spec:
            raise TypeError(
                f"format: only a 1x1 matrix takes a format spec ({spec!r}), got {self.shape}; "
                "format m.item() or m.tolist()"
            )
        return repr(self)


def check_positions_compare(a: Matrix, b: Any, op: str) -> None:
    """Refuse `pred.argmax(1) == y` where pred.argmax(1) is Match's (n, 1) column and y a (1, n)
    row of labels: torch compares two 1-D vectors, Match would broadcast to (n, n) and count
    the wrong thing silently."""
    if not (getattr(a, "_integer", False) and getattr(b, "_integer", False)):
        return
    shapes = {a.shape, b.shape}
    n = max(a.shape[0], a.shape[1])
    if n > 1 and shapes == {(n, 1), (1, n)}:
        raise ValueError(
            f"{op}: comparing {a.shape} positions with {b.shape} positions would broadcast to "
            f"({n}, {n}), where torch compares two 1-D vectors; torch's argmax(1) is Match's "
            "(n, 1) column: write pred.argmax(1).squeeze(1) == y (two (1, n) rows)"
        )


def vector(m: Matrix | None) -> Any:
    """m marked as a torch vector, a (1, n) row whose `dim()` is 1 (a bias, a norm's weight)."""
    if m is not None:
        m._vector = True
    return m


def _positions(m: Matrix) -> Matrix:
    """m (the selected positions of a positions matrix) marked as positions again."""
    m._integer = True
    return m


def torch_index(m: Matrix, key: Matrix) -> Matrix:
    """m[key] for a Matrix key that is not rows of m: a 0/1 mask of m's shape picks elements
    (`x[x > 0]`, as a (1, count) row, torch's 1-D result), and positions index the elements
    of a (1, n) row, Match's torch vector (`Y[ix]`)."""
    if key.shape == m.shape and not key._integer:
        picked = [i for i, x in enumerate(key.data.reshape(-1, 1).tolist()) if x[0]]
        if not picked:
            raise IndexError("index: the mask selects nothing (Match has no empty matrices)")
        out = m.reshape(-1, 1)[picked].T
    else:
        out = m.T[key].T
    out._integer = m._integer
    return out


def torch_key(key: Any, shape: tuple[int, int], op: str) -> Any:
    """An index as torch programs write it, in Match's terms: a matrix of positions (a (1, n)
    row or (n, 1) column) becomes a list of rows, `...` becomes `:`, and `None` is allowed where
    it keeps the result 2D (`v[None]`). Other keys pass through. A key that would make a 3-D
    result (`C[X]` with an (N, k) matrix of positions) raises, saying what to write."""
    from .matrix import Matrix

    parts = list(key) if isinstance(key, tuple) else [key]
    if any(part is Ellipsis for part in parts):
        i = next(i for i, part in enumerate(parts) if part is Ellipsis)
        fill = [slice(None)] * (2 - (len(parts) - 1 - sum(p is None for p in parts)))
        parts = parts[:i] + fill + parts[i + 1 :]
    if any(part is None for part in parts):
        if shape[0] == 1 and parts in ([None], [None, slice(None)]):
            return slice(None), slice(None)
        raise IndexError(
            f"{op}: None in an index adds a dimension, and Match's matrices are 2D; use "
            "m.unsqueeze(1) or m.T for a column, m.reshape(n, m) for other shapes"
        )
    if len(parts) == 2 and isinstance(parts[1], list):  # m[:, [j]], nanoGPT's v[:, [-1]]
        if len(parts[1]) != 1 or not isinstance(plain_scalar(parts[1][0]), int):
            raise IndexError(
                f"{op}: columns take an int, a slice or a list of one int (m[:, [j]]); for "
                f"several columns write m.T[{parts[1]!r:.40}].T"
            )
        j = plain_scalar(parts[1][0])
        parts[1] = slice(j, j + 1 if j != -1 else None)
    for i, part in enumerate(parts):
        if isinstance(part, Matrix):
            if not part._integer and any(
                not float(x).is_integer() for row in part.tolist() for x in row
            ):
                raise IndexError(
                    f"{op}: a matrix used as an index must hold positions (ints), got "
                    f"{part.shape} of floats; a 0/1 mask of the matrix's shape selects "
                    "elements: m[mask]"
                )
            if part.nrow != 1 and part.ncol != 1:
                raise IndexError(
                    f"{op}: indexing by a {part.shape} matrix of positions would be 3-D in "
                    "torch; Match's matrices are 2D: write m[X.flatten()].view(X.shape[0], -1) "
                    "(each row of X's picks side by side), or index one row of X at a time"
                )
            parts[i] = [int(x) for row in part.tolist() for x in row]
    return tuple(parts) if len(parts) > 1 else parts[0]


__all__ = [
    "TorchMethods",
    "ValuesIndices",
    "check_device",
    "check_positions_compare",
    "check_dtype",
    "device",
    "dtype",
    "torch_index",
    "torch_key",
    "vector",
]
