"""What each exercise's check runs: small fixed inputs, one op, and the same call in torch.

Each trial is one expression that makes a graph of just the exercise's op from leaf inputs, so
that grading it exercises that op's closure and no other. `match` names the package being graded
(a student's copy) and `torch` torch itself, in the maintainer's script that stores the reference
gradients (`scripts/make_exercise_references.py`). The inputs are made by a fixed formula, not a
random generator, so the grader and that script always agree on them.

A new primitive that is a Matrix method of one input (`x.atan()`) needs nothing here: it gets
`default_trials`. Any other new primitive gets an entry in `CASES`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

Rows = list[list[float]]


@dataclass(frozen=True)
class Input:
    """A leaf of a trial: its name in the expressions, its shape and where its values lie."""

    name: str
    shape: tuple[int, int]
    low: float = -1.5
    high: float = 1.5
    nonzero: bool = False  # keep |value| >= 0.2 (abs, relu: no kink at a test point)
    rows: tuple[tuple[float, ...], ...] | None = None  # fixed values instead of the formula

    def values(self, salt: int) -> Rows:
        """The input's values: `rows`, or an irregular but fixed spread over [low, high]."""
        if self.rows is not None:
            return [list(r) for r in self.rows]
        nrow, ncol = self.shape
        out = []
        for i in range(nrow):
            row = []
            for j in range(ncol):
                k = i * ncol + j + 1
                frac = (k * 0.7548776662466927 + salt * 0.5698402909980532) % 1.0
                v = self.low + (self.high - self.low) * frac
                if self.nonzero and abs(v) < 0.2:
                    v = 0.2 + abs(v) if v >= 0 else -0.2 - abs(v)
                row.append(round(v, 6))
            out.append(row)
        return out


@dataclass(frozen=True)
class Trial:
    """One graph of one op: `inputs` get gradients (in the order of `_result`'s inputs),
    `constants` do not. `broadcast`: an input is stretched (graded after the accumulate check).
    `elementwise`: one input, each output element depends on its own input element only."""

    match: str
    torch: str
    inputs: tuple[Input, ...]
    constants: tuple[Input, ...] = ()
    broadcast: bool = False
    elementwise: bool = False
    salt: int = field(default=0)


def upstream(nrow: int, ncol: int) -> Rows:
    """The gradient fed to the op's output: mixed signs, no zeros, no two alike in a row."""
    return [
        [
            (1.0 if (i + j) % 3 else -1.0) * round(0.5 + ((i * ncol + j) * 0.6180339887) % 1.0, 6)
            for j in range(ncol)
        ]
        for i in range(nrow)
    ]


def preset(nrow: int, ncol: int) -> Rows:
    """What a leaf's gradient holds before the accumulate check's backward."""
    return Input("p", (nrow, ncol), -1.0, 1.0, nonzero=True).values(salt=77)


def _x(shape: tuple[int, int] = (3, 2), low: float = -1.5, high: float = 1.5, **kw: bool) -> Input:
    return Input("x", shape, low, high, **kw)


def _unary(method: str, torch: str, low: float, high: float, nonzero: bool = False) -> list[Trial]:
    x = _x((3, 2), low, high, nonzero=nonzero)
    return [Trial(f"x.{method}()", torch, (x,), elementwise=True)]


def _binary(symbol: str, torch: str, b_low: float = -1.5, a_low: float = -1.5) -> list[Trial]:
    def pair(sa: tuple[int, int], sb: tuple[int, int]) -> tuple[Input, Input]:
        return Input("a", sa, a_low, 1.5), Input("b", sb, b_low, 1.5)

    expr = f"a {symbol} b"
    return [
        Trial(expr, torch, pair((3, 2), (3, 2))),
        Trial(expr, torch, pair((3, 2), (1, 2)), broadcast=True),
        Trial(expr, torch, pair((3, 1), (3, 2)), broadcast=True),
    ]


_COND = Input("c", (3, 2), rows=((1.0, 0.0), (0.0, 1.0), (1.0, 1.0)))
_TIES_A = ((0.5, -1.0), (2.0, 0.3), (-0.7, 1.1))
_TIES_B = ((0.5, 0.2), (-1.0, 0.9), (0.4, 1.1))
_BCE = "binary_cross_entropy"
_BCE_LOGITS = "binary_cross_entropy_with_logits"
_PROB = Input("x", (3, 2), 0.35, 0.65)  # bce of these stays below 1 (see the swap check)
_TARGET = Input("t", (3, 2), 0.35, 0.65)

CASES: dict[str, list[Trial]] = {
    "add": _binary("+", "a + b"),
    "mul": _binary("*", "a * b"),
    "div": _binary("/", "a / b", b_low=0.5),
    "pow": _binary("**", "a ** b", a_low=0.5),
    "neg": [Trial("-x", "-x", (_x(),))],
    "matmul": [
        Trial("a @ b", "a @ b", (Input("a", (3, 3)), Input("b", (3, 3)))),
        Trial("a @ b", "a @ b", (Input("a", (2, 3)), Input("b", (3, 4)))),
    ],
    "transpose": [Trial("x.T", "x.T", (_x((3, 3)),)), Trial("x.T", "x.T", (_x((2, 3)),))],
    "exp": _unary("exp", "x.exp()", -1.0, 1.0),
    "log": _unary("log", "x.log()", 1.2, 2.5),
    "log1p": _unary("log1p", "x.log1p()", 0.2, 0.9),
    "sqrt": _unary("sqrt", "x.sqrt()", 0.3, 2.0),
    "abs": _unary("abs", "x.abs()", -1.5, 1.5, nonzero=True),
    "tanh": _unary("tanh", "x.tanh()", -2.0, 2.0),
    "sigmoid": _unary("sigmoid", "x.sigmoid()", -2.0, 2.0),
    "relu": _unary("relu", "x.relu()", -1.5, 1.5, nonzero=True),
    "sin": _unary("sin", "x.sin()", -1.5, 1.5),
    "cos": _unary("cos", "x.cos()", -1.5, 1.5),
    "erf": _unary("erf", "x.erf()", -1.5, 1.5),
    "sum": [
        Trial("x.sum()", "x.sum().reshape(1, 1)", (_x(),)),
        Trial("x.sum(0)", "x.sum(0, keepdim=True)", (_x(),)),
        Trial("x.sum(1)", "x.sum(1, keepdim=True)", (_x(),)),
    ],
    "max": [
        Trial("x.max()", "x.max().reshape(1, 1)", (_x(),)),
        Trial("x.max(0).values", "x.max(0, keepdim=True).values", (_x(),)),
        Trial("x.min(1).values", "x.min(1, keepdim=True).values", (_x(),)),
    ],
    "softmax": [
        Trial("x.softmax(1)", "x.softmax(1)", (_x((2, 3)),)),
        Trial("x.softmax(0)", "x.softmax(0)", (_x((2, 3)),)),
    ],
    "log_softmax": [
        Trial("x.log_softmax(1)", "x.log_softmax(1)", (_x((2, 3)),)),
        Trial("x.log_softmax(0)", "x.log_softmax(0)", (_x((2, 3)),)),
    ],
    "reshape": [
        Trial("x.reshape(3, 2)", "x.reshape(3, 2)", (_x((2, 3)),)),
        Trial("x.reshape(1, 6)", "x.reshape(1, 6)", (_x((2, 3)),)),
    ],
    "index": [
        Trial("x[[0, 2, 0]]", "x[[0, 2, 0]]", (_x((4, 3)),)),
        Trial("x[:, 1]", "x[:, 1:2]", (_x((4, 3)),)),
        Trial("x[1, 2]", "x[1:2, 2:3]", (_x((4, 3)),)),
    ],
    "cat": [
        Trial(
            "match.cat([a, b], 0)",
            "torch.cat([a, b], 0)",
            (Input("a", (2, 2)), Input("b", (1, 2))),
        ),
        Trial(
            "match.cat([a, b], 1)",
            "torch.cat([a, b], 1)",
            (Input("a", (2, 1)), Input("b", (2, 3))),
        ),
    ],
    "where": [
        Trial(
            "match.where(c, a, b)",
            "torch.where(c > 0, a, b)",
            (Input("a", (3, 2)), Input("b", (3, 2))),
            (_COND,),
        ),
        Trial(
            "match.where(c, a, b)",
            "torch.where(c > 0, a, b)",
            (Input("a", (3, 2)), Input("b", (1, 2))),
            (_COND,),
            broadcast=True,
        ),
        Trial(
            "match.where(c, a, b)",
            "torch.where(c > 0, a, b)",
            (Input("a", (1, 2)), Input("b", (3, 2))),
            (_COND,),
            broadcast=True,
        ),
    ],
    "maximum": [
        Trial(
            "match.maximum(a, b)",
            "torch.maximum(a, b)",
            (Input("a", (3, 2), rows=_TIES_A), Input("b", (3, 2), rows=_TIES_B)),
        ),
        Trial(
            "match.minimum(a, b)",
            "torch.minimum(a, b)",
            (Input("a", (3, 2), rows=_TIES_A), Input("b", (3, 2), rows=_TIES_B)),
        ),
        Trial(
            "match.maximum(a, b)",
            "torch.maximum(a, b)",
            (Input("a", (3, 2)), Input("b", (1, 2))),
            broadcast=True,
        ),
        Trial(
            "match.maximum(a, b)",
            "torch.maximum(a, b)",
            (Input("a", (3, 1)), Input("b", (3, 2))),
            broadcast=True,
        ),
    ],
    _BCE: [
        Trial(
            f"match.nn.functional.{_BCE}(x, t, reduction='none')",
            f"torch.nn.functional.{_BCE}(x, t, reduction='none')",
            (_PROB,),
            (_TARGET,),
            elementwise=True,
        )
    ],
    _BCE_LOGITS: [
        Trial(
            f"match.nn.functional.{_BCE_LOGITS}(x, t, reduction='none')",
            f"torch.nn.functional.{_BCE_LOGITS}(x, t, reduction='none')",
            (_x(),),
            (_TARGET,),
            elementwise=True,
        ),
        Trial(
            f"match.nn.functional.{_BCE_LOGITS}(x, t, reduction='none', pos_weight=w)",
            f"torch.nn.functional.{_BCE_LOGITS}(x, t, reduction='none', pos_weight=w)",
            (_x(),),
            (_TARGET, Input("w", (1, 2), 0.5, 3.0)),
            elementwise=True,
        ),
    ],
}


def default_trials(method: str, name: str) -> list[Trial]:
    """The check of a new one-input Matrix method: `x.method()` on values in [0.2, 0.9], a
    domain most elementwise functions accept, against `torch.name`."""
    return [Trial(f"x.{method}()", f"torch.{name}(x)", (_x((3, 2), 0.2, 0.9),), elementwise=True)]


def trials_for(name: str, function: str, params: tuple[str, ...]) -> list[Trial]:
    """The trials of an exercise: its entry in CASES, or the default for a new one-input Matrix
    method; [] when neither applies (the grader then says a case is missing)."""
    if name in CASES:
        return CASES[name]
    owner, _, method = function.rpartition(".")
    if owner == "Matrix" and params == ("self",) and not method.startswith("_"):
        return default_trials(method, name)
    return []
