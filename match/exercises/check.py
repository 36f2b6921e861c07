"""Grade the backward closures of a Match package, and name the likely mistake.

`grade(lib)` takes the `match` package to grade (a module object: a student's copy, or the real
one) and checks each exercise on its own: every trial of `cases.py` builds a graph of just that
op from leaf inputs, feeds its output a fixed gradient, and compares the gradients that reach
the inputs with the stored references of `reference.json` (made with torch by
`scripts/make_exercise_references.py`), or with finite differences of the op's forward when an
op has no stored reference yet. A leaf that already holds a gradient checks that the closure
adds to it. Pure Python, no torch or numpy: it runs in Pyodide too.

When a gradient is wrong, `diagnose` compares it with what the usual mistakes give: the sign
flipped, a constant factor, an input left out, the gradient overwritten instead of accumulated,
a transposed product, a broadcast input not summed back, the output used where the input
belongs or the reverse.
"""

from __future__ import annotations

import importlib
import json
import math
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from .cases import Rows, Trial, preset, trials_for, upstream
from .source import Closure, discover

HERE = Path(__file__).resolve().parent
REFERENCE = HERE / "reference.json"
MANIFEST = "manifest.json"  # in a student copy: the exercises it blanked, in order
RTOL, ATOL = 1e-6, 1e-9  # against torch's references (both float64)
FD_RTOL, FD_ATOL = 1e-4, 1e-6  # against finite differences
FD_STEP = 1e-6


@dataclass
class Run:
    """One trial run on the graded package: the leaves, the output, the gradients reached."""

    trial: Trial
    lib: Any
    leaves: dict[str, Any]
    constants: dict[str, Any]
    out: Any = None
    g: Any = None
    value: Rows | None = None
    grads: dict[str, Rows | None] = field(default_factory=dict)
    error: BaseException | None = None
    forward_error: BaseException | None = None


@dataclass
class Result:
    """The verdict on one exercise."""

    name: str
    passed: bool
    diagnosis: str = ""

    def line(self) -> str:
        """`PASS name` or `FAIL name: diagnosis`."""
        return f"PASS {self.name}" if self.passed else f"FAIL {self.name}: {self.diagnosis}"


# ---------------------------------------------------------------------------------------------
# Loading a package and listing its exercises
# ---------------------------------------------------------------------------------------------


def _ours(key: str) -> bool:
    return key == "match" or key.startswith("match.")


@contextmanager
def loaded(folder: Path) -> Iterator[ModuleType]:
    """The `match` package of `folder` (the folder that holds `match/`), imported fresh in this
    process; the modules that were loaded before come back afterwards. No bytecode is written
    into the folder."""
    folder = folder.resolve()
    saved = {k: m for k, m in sys.modules.items() if _ours(k)}
    for key in saved:
        del sys.modules[key]
    sys.path.insert(0, str(folder))
    bytecode = sys.dont_write_bytecode
    sys.dont_write_bytecode = True
    importlib.invalidate_caches()
    try:
        lib = importlib.import_module("match")
        where = Path(lib.__file__ or "").resolve().parent
        if where != folder / "match":
            raise RuntimeError(f"imported match from {where}, not from {folder / 'match'}")
        yield lib
    finally:
        for key in [k for k in sys.modules if _ours(k)]:
            del sys.modules[key]
        sys.modules.update(saved)
        sys.path.remove(str(folder))
        sys.dont_write_bytecode = bytecode


def exercises_of(lib: Any) -> list[Closure]:
    """The exercises to grade in package `lib`: those its manifest lists (a student copy), or
    every closure found in its source."""
    package = Path(lib.__file__).resolve().parent
    found = discover(package)
    manifest = package / "exercises" / MANIFEST
    if manifest.is_file():
        names = json.loads(manifest.read_text(encoding="utf-8"))["exercises"]
        by_name = {c.name: c for c in found}
        return [by_name[n] for n in names if n in by_name]
    return found


def references() -> dict[str, list[dict[str, Any]]]:
    """The stored torch values and gradients, per exercise and trial."""
    if not REFERENCE.is_file():
        return {}
    return json.loads(REFERENCE.read_text(encoding="utf-8"))["exercises"]


# ---------------------------------------------------------------------------------------------
# Running one trial
# ---------------------------------------------------------------------------------------------


def salt_of(trial_index: int, input_index: int, draw: int = 0) -> int:
    """The salt of an input's values: fixed per trial and input (draw > 0: other values)."""
    return 10 * trial_index + input_index + 1000 * draw


def input_values(trial: Trial, index: int, draw: int = 0) -> dict[str, Rows]:
    """The values of a trial's inputs and constants, by name."""
    specs = trial.inputs + trial.constants
    return {s.name: s.values(salt_of(index, k, draw)) for k, s in enumerate(specs)}


def run_trial(
    lib: Any, trial: Trial, values: dict[str, Rows], presets: dict[str, Rows] | None = None
) -> Run:
    """Build the trial's graph on `lib`, run backward with the fixed upstream gradient, and keep
    everything the diagnosis may need (the graph is retained)."""
    leaves = {s.name: lib.mat(values[s.name]) for s in trial.inputs}
    constants = {s.name: lib.mat(values[s.name], requires_grad=False) for s in trial.constants}
    run = Run(trial, lib, leaves, constants)
    try:
        run.out = eval(trial.match, {"match": lib, **leaves, **constants})  # noqa: S307
        run.value = run.out.data.tolist()
    except Exception as error:  # the forward is the student's too: report, never crash
        run.forward_error = error
        return run
    run.g = run.out.data.new_rows(upstream(*run.out.shape))
    for name, rows in (presets or {}).items():
        leaves[name].grad = leaves[name].data.new_rows(rows)
    try:
        run.out.backward(gradient=run.g, retain_graph=True)
    except Exception as error:
        run.error = error
    run.grads = {n: (m.grad.tolist() if m.grad is not None else None) for n, m in leaves.items()}
    return run


def forward_sum(lib: Any, trial: Trial, values: dict[str, Rows], g: Rows) -> float:
    """sum(g * op(values)), without a graph: what finite differences differentiate."""
    with lib.no_grad():
        names = {n: lib.mat(v, requires_grad=False) for n, v in values.items()}
        out = eval(trial.match, {"match": lib, **names}).data.tolist()  # noqa: S307
    return math.fsum(a * b for ra, rb in zip(g, out) for a, b in zip(ra, rb))


def finite_differences(lib: Any, trial: Trial, values: dict[str, Rows], g: Rows) -> list[Rows]:
    """Central differences of the forward: the gradient of each input, in order."""
    grads = []
    for spec in trial.inputs:
        rows = []
        for i, row in enumerate(values[spec.name]):
            out_row = []
            for j, v in enumerate(row):
                h = FD_STEP * max(1.0, abs(v))
                sums = []
                for step in (h, -h):
                    moved = {n: [list(r) for r in rs] for n, rs in values.items()}
                    moved[spec.name][i][j] = v + step
                    sums.append(forward_sum(lib, trial, moved, g))
                out_row.append((sums[0] - sums[1]) / (2 * h))
            rows.append(out_row)
        grads.append(rows)
    return grads


# ---------------------------------------------------------------------------------------------
# Comparing and diagnosing
# ---------------------------------------------------------------------------------------------


def shape(rows: Rows) -> tuple[int, int]:
    """(nrow, ncol) of nested lists."""
    return len(rows), len(rows[0]) if rows else 0


def close(got: Rows | None, want: Rows, rtol: float = RTOL, atol: float = ATOL) -> bool:
    """Same shape and every element within atol + rtol * |want| (nan matches nan)."""
    if got is None or shape(got) != shape(want):
        return False
    for rg, rw in zip(got, want):
        for a, b in zip(rg, rw):
            if math.isnan(a) or math.isnan(b):
                if not (math.isnan(a) and math.isnan(b)):
                    return False
            elif not abs(a - b) <= atol + rtol * abs(b):
                return False
    return True


def _map(f: Any, *mats: Rows) -> Rows:
    return [[f(*xs) for xs in zip(*rows)] for rows in zip(*mats)]


def _t(m: Rows) -> Rows:
    return [list(c) for c in zip(*m)]


def _mm(a: Rows, b: Rows) -> Rows:
    cols = _t(b)
    return [[math.fsum(x * y for x, y in zip(r, c)) for c in cols] for r in a]


def _flat(m: Rows) -> list[float]:
    return [x for r in m for x in r]


@dataclass
class Context:
    """What a diagnosis knows: the run, the input, the tolerance."""

    run: Run
    name: str  # the input's name in the trial
    label: str  # how the message names it (its name in the source)
    want: Rows  # the right gradient of this input
    rtol: float
    atol: float
    preset: Rows | None = None  # what the leaf held before (the accumulate check)

    def near(self, got: Rows | None, want: Rows) -> bool:
        """close() at this context's tolerance."""
        return close(got, want, self.rtol, self.atol)


def diagnose(ctx: Context) -> str:
    """The likely mistake behind a wrong gradient of one input, or 'wrong gradient'."""
    got, want, who = ctx.run.grads.get(ctx.name), ctx.want, ctx.label
    if got is None:
        return f"missing: no gradient reached {who} (one _accumulate per input)"
    if shape(got) != shape(want):
        if shape(got) == shape(want)[::-1] and shape(got)[0] != shape(got)[1]:
            return f"transpose: {who}'s gradient has shape {shape(got)}, {who} has {shape(want)}"
        return (
            f"broadcast: {who}'s gradient has shape {shape(got)} but {who} has shape "
            f"{shape(want)}; sum it back over the broadcast dimensions"
        )
    if ctx.preset is not None:
        fresh = _map(lambda w, p: w - p, want, ctx.preset)
        if ctx.near(got, fresh):
            return (
                f"accumulate: {who}'s gradient was overwritten, not accumulated (what it held "
                "before the backward is lost; add to it with _accumulate)"
            )
        return f"accumulate: {who}'s gradient is not added to what it held before"
    scale = max((abs(x) for x in _flat(want) if not math.isnan(x)), default=0.0)
    if scale > 0 and all(abs(x) <= ctx.atol + 1e-12 * scale for x in _flat(got)):
        return f"missing: {who}'s gradient is all zeros"
    if ctx.near(got, _map(lambda w: -w, want)):
        return f"sign: {who}'s gradient has the wrong sign"
    pairs = [(a, b) for a, b in zip(_flat(got), _flat(want)) if math.isfinite(a * b)]
    dot = math.fsum(a * b for a, b in pairs)
    norm = math.fsum(b * b for _, b in pairs)
    if norm > 0:
        factor = dot / norm
        if abs(factor - 1) > 1e-3 and ctx.near(got, _map(lambda w: factor * w, want)):
            return f"factor: {who}'s gradient is {factor:.4g} times the right one"
    if shape(got)[0] == shape(got)[1] and ctx.near(got, _t(want)):
        return f"transpose: {who}'s gradient is the right one transposed"
    if transposed(ctx, got):
        return (
            f"transpose: {who}'s gradient is a product of g and an input with the wrong one "
            "transposed (or on the wrong side)"
        )
    swap = swapped(ctx)
    if swap:
        return swap
    i, j = _first_difference(got, want, ctx)
    return (
        f"wrong gradient: {who}'s gradient differs from the reference at ({i}, {j}): "
        f"got {got[i][j]:.6g}, expected {want[i][j]:.6g}"
    )


def _first_difference(got: Rows, want: Rows, ctx: Context) -> tuple[int, int]:
    for i, (rg, rw) in enumerate(zip(got, want)):
        for j, (a, b) in enumerate(zip(rg, rw)):
            if not close([[a]], [[b]], ctx.rtol, ctx.atol):
                return i, j
    return 0, 0


def transposed(ctx: Context, got: Rows) -> bool:
    """True when the gradient is a product of g (or g^T) with an input (or its transpose),
    in either order, other than the right one: a matmul gradient transposed or on the wrong
    side."""
    run = ctx.run
    g = run.g.tolist()
    others = [m.data.tolist() for m in run.leaves.values()]
    grads = [g, _t(g)]
    factors = others + [_t(m) for m in others]
    for a in grads:
        for b in factors:
            for x, y in ((a, b), (b, a)):
                fits = shape(x)[1] == shape(y)[0] and (shape(x)[0], shape(y)[1]) == shape(got)
                if fits and ctx.near(got, _mm(x, y)):
                    return True
    return False


def swapped(ctx: Context) -> str:
    """A diagnosis when the gradient is what the closure gives with the op's output and its
    input exchanged, found by running the student's own closure with them exchanged, or (for
    an elementwise op) by the right derivative evaluated at the output instead of the input."""
    run = ctx.run
    if len(run.leaves) != 1 or run.out is None:
        return ""
    leaf = next(iter(run.leaves.values()))
    if leaf.shape != run.out.shape:
        return ""
    fixed = _rerun(run, leaf, run.out.data, leaf.data)
    if fixed is not None and ctx.near(fixed, ctx.want):
        return f"input for output: {ctx.label}'s gradient uses the input where the output belongs"
    fixed = _rerun(run, leaf, leaf.data, run.out.data)
    if fixed is not None and ctx.near(fixed, ctx.want):
        return f"output for input: {ctx.label}'s gradient uses the output where the input belongs"
    if run.trial.elementwise and at_output(ctx):
        return (
            f"output for input: {ctx.label}'s gradient is the derivative taken at the output; "
            "use the input there"
        )
    return ""


def _rerun(run: Run, leaf: Any, new: Any, old: Any) -> Rows | None:
    """The gradient the op's closure gives when every value it reads that is `old` (in its
    cells, or a leaf's data) is `new` instead; None when it cannot run."""
    closure = getattr(run.out, "_backward", None)
    cells = getattr(closure, "__closure__", None) or ()
    changed = []
    try:
        for cell in cells:
            try:
                content = cell.cell_contents
            except ValueError:
                continue
            if content is old:
                cell.cell_contents = new
                changed.append(cell)
        data = leaf.data
        if data is old:
            leaf.data = new
        if not changed and data is not old:
            return None
        saved, leaf._grad = leaf._grad, None
        try:
            closure(run.g)
            return leaf._grad.tolist() if leaf._grad is not None else None
        except Exception:
            return None
        finally:
            leaf._grad = saved
            leaf.data = data
    finally:
        for cell in changed:
            cell.cell_contents = old


def at_output(ctx: Context) -> bool:
    """For an elementwise op f: is the gradient g * f'(y), the derivative at the output y?"""
    run = ctx.run
    trial, lib = run.trial, run.lib
    if run.value is None:
        return False
    spec = trial.inputs[0]
    g = run.g.tolist()
    consts = {n: m.data.tolist() for n, m in run.constants.items()}
    slopes = []
    try:
        for sign in (1.0, -1.0):
            moved = [[y + sign * FD_STEP * max(1.0, abs(y)) for y in row] for row in run.value]
            with lib.no_grad():
                names = {n: lib.mat(v, requires_grad=False) for n, v in consts.items()}
                names[spec.name] = lib.mat(moved, requires_grad=False)
                slopes.append(eval(trial.match, {"match": lib, **names}).data.tolist())  # noqa: S307
    except Exception:
        return False
    derivative = _map(
        lambda up, down, y: (up - down) / (2 * FD_STEP * max(1.0, abs(y))),
        slopes[0],
        slopes[1],
        run.value,
    )
    if any(not math.isfinite(x) for x in _flat(derivative)):
        return False
    return close(ctx.run.grads.get(ctx.name), _map(lambda a, b: a * b, g, derivative), 1e-4, 1e-6)


# ---------------------------------------------------------------------------------------------
# Grading an exercise
# ---------------------------------------------------------------------------------------------


def _error_text(error: BaseException) -> str:
    text = str(error).splitlines()[0] if str(error) else ""
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def grade_exercise(lib: Any, closure: Closure, stored: list[dict[str, Any]] | None) -> Result:
    """PASS or FAIL with a diagnosis, for one exercise of package `lib`."""
    name = closure.name
    trials = trials_for(name, closure.function, closure.params)
    if not trials:
        return Result(name, False, "no check: add a case for it to match/exercises/cases.py")
    if stored is not None and len(stored) != len(trials):
        stored = None  # a case changed since the references were made: use the forward
    labels = list(closure.inputs) if closure.inputs else []
    plain = [k for k, t in enumerate(trials) if not t.broadcast]
    order = plain + ["accumulate"] + [k for k, t in enumerate(trials) if t.broadcast]
    for step in order:
        k = plain[0] if step == "accumulate" else step
        trial = trials[k]
        values = input_values(trial, k)
        first = run_trial(lib, trial, values)
        if first.forward_error is not None:
            return Result(name, False, f"the forward raised {_error_text(first.forward_error)}")
        if stored is not None:
            want, rtol, atol = stored[k]["grads"], RTOL, ATOL
            if not close(first.value, stored[k]["value"]):
                return Result(name, False, "the forward's value changed: only edit the backward")
        else:
            want = finite_differences(lib, trial, values, first.g.tolist())
            rtol, atol = FD_RTOL, FD_ATOL
        run, presets = first, None
        if step == "accumulate":
            specs = trial.inputs
            presets = {s.name: preset(*s.shape) for s in specs}
            run = run_trial(lib, trial, values, presets)
            want = [_map(lambda w, p: w + p, w, presets[s.name]) for w, s in zip(want, specs)]
        if run.error is not None:
            if isinstance(run.error, NotImplementedError):
                return Result(name, False, "not done yet: its backward raises NotImplementedError")
            kind = "broadcast" if trial.broadcast else "wrong gradient"
            return Result(name, False, f"{kind}: backward raised {_error_text(run.error)}")
        for n, spec in enumerate(trial.inputs):
            got = run.grads.get(spec.name)
            if not close(got, want[n], rtol, atol):
                label = labels[n] if n < len(labels) else spec.name
                if len(trial.inputs) > 1 and not closure.inputs:
                    label = f"input {n + 1}"
                pre = presets[spec.name] if presets else None
                context = Context(run, spec.name, label, want[n], rtol, atol, pre)
                return Result(name, False, diagnose(context))
    return Result(name, True)


def grade(lib: Any, only: list[str] | None = None) -> list[Result]:
    """Grade every exercise of package `lib` (or those named in `only`), in order."""
    stored = references()
    results = []
    for closure in exercises_of(lib):
        if only and closure.name not in only:
            continue
        try:
            result = grade_exercise(lib, closure, stored.get(closure.name))
        except Exception as error:  # a broken copy must still get a line per exercise
            result = Result(closure.name, False, f"the check itself failed: {_error_text(error)}")
        results.append(result)
    return results


def report(results: list[Result]) -> str:
    """One line per exercise, then `score: K/N`."""
    passed = sum(r.passed for r in results)
    return "\n".join([r.line() for r in results] + [f"score: {passed}/{len(results)}"])
