"""Seed the usual mistakes into every exercise's closure and see whether the grader catches them.

For each exercise of `python -m match exercises` (each primitive's backward closure) this makes
mutants of the real source, one mistake each, by rewriting the closure's syntax tree:

- sign: an input's gradient negated;            - factor: an input's gradient doubled;
- missing: an input's `_accumulate` dropped;     - accumulate: `x.grad = ...` instead of it;
- broadcast: the gradient stored without summing it back to the input's shape, or a
  `broadcast_to` dropped;
- transpose: a `.T`, `matmul_t` or `t_matmul` replaced by the plain product;
- output for input / input for output (one-input ops): the op's output read where the closure
  reads its input, or the reverse.

A mutant whose gradients equal the real ones on other inputs than the grader's (an equivalent
mutant: relu reading its output instead of its input, a sum-back where nothing is broadcast) is
no mistake and is left out. Each remaining mutant is graded: it is caught when the score drops,
localized when its exercise is the only one failing, diagnosed when the diagnosis names its
kind. No torch or numpy needed.

    python scripts/seed_exercise_mistakes.py        # one line per mistake, then the totals
    python scripts/seed_exercise_mistakes.py -q     # the totals only
"""

from __future__ import annotations

import argparse
import ast
import compileall
import py_compile
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from match.exercises.cases import preset, trials_for  # noqa: E402
from match.exercises.check import close, grade, input_values, loaded, run_trial  # noqa: E402
from match.exercises.source import Closure, closures_of, discover  # noqa: E402

# What a diagnosis must start with, per kind of mistake.
KEYWORDS = {
    "sign": "sign",
    "factor": "factor",
    "missing": "missing",
    "accumulate": "accumulate",
    "broadcast": "broadcast",
    "transpose": "transpose",
    "output for input": "output for input",
    "input for output": "input for output",
}


@dataclass(frozen=True)
class Mistake:
    """One mutant: the exercise, the kind of mistake, what it touched, the module's new text."""

    exercise: str
    kind: str
    where: str
    module: str
    text: str


@dataclass
class Verdict:
    """How the grader did on one mistake."""

    mistake: Mistake
    caught: bool
    localized: bool
    diagnosed: bool
    diagnosis: str

    def line(self) -> str:
        """One line for the listing."""
        marks = "".join(
            m if ok else "-"
            for m, ok in (("C", self.caught), ("L", self.localized), ("D", self.diagnosed))
        )
        m = self.mistake
        return f"{marks}  {m.exercise:<34} {m.kind:<17} {m.where:<28} {self.diagnosis[:70]}"


# ---------------------------------------------------------------------------------------------
# Making mutants
# ---------------------------------------------------------------------------------------------


def _splice(text: str, edits: list[tuple[ast.AST, str]]) -> str:
    """The text with each node's source replaced (byte offsets, so any encoding is fine)."""
    data = text.encode("utf-8")
    starts = [0]
    for line in data.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))

    def offset(line: int, col: int) -> int:
        return starts[line - 1] + col

    spans = []
    for node, new in edits:
        a = offset(node.lineno, node.col_offset)
        b = offset(node.end_lineno or node.lineno, node.end_col_offset or 0)
        spans.append((a, b, new.encode("utf-8")))
    for a, b, new in sorted(spans, reverse=True):
        data = data[:a] + new + data[b:]
    return data.decode("utf-8")


def _closure_node(tree: ast.Module, closure: Closure) -> tuple[ast.FunctionDef, ast.FunctionDef]:
    """The enclosing function and the closure's `def backward`, found by the closure's lines."""
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            for inner in node.body:
                if (
                    isinstance(inner, ast.FunctionDef)
                    and inner.name == "backward"
                    and inner.lineno < closure.first <= (inner.end_lineno or 0)
                ):
                    return node, inner
    raise LookupError(f"no closure for {closure.name}")


def _src(node: ast.AST) -> str:
    return ast.unparse(node)


def _data_names(function: ast.FunctionDef, inputs: tuple[str, ...]) -> dict[str, str]:
    """Names bound to an input's data in the function (`x = self.data`, `a, b = self.data,
    rhs.data`): name -> the input."""
    found = {}
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
            pairs = (
                list(zip(target.elts, value.elts))
                if isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple)
                else [(target, value)]
            )
            for t, v in pairs:
                if (
                    isinstance(t, ast.Name)
                    and isinstance(v, ast.Attribute)
                    and v.attr == "data"
                    and _src(v.value) in inputs
                ):
                    found[t.id] = _src(v.value)
    return found


def mutants(text: str, closure: Closure, broadcasts: bool) -> Iterator[Mistake]:
    """The mistakes of one closure, each as the module's new text. `broadcasts`: the exercise
    has a trial that stretches an input (else a missing sum-back changes nothing)."""
    tree = ast.parse(text)
    function, inner = _closure_node(tree, closure)

    def mistake(kind: str, where: str, edits: list[tuple[ast.AST, str]]) -> Mistake:
        return Mistake(closure.name, kind, where, closure.module, _splice(text, edits))

    for node in ast.walk(inner):
        if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)):
            continue
        call = node.value
        if not (isinstance(call.func, ast.Attribute) and call.func.attr == "_accumulate"):
            continue
        x, e = _src(call.func.value), _src(call.args[0])
        yield mistake("sign", x, [(call, f"{x}._accumulate(-({e}))")])
        yield mistake("factor", x, [(call, f"{x}._accumulate(2.0 * ({e}))")])
        yield mistake("missing", x, [(node, "pass")])
        yield mistake("accumulate", x, [(node, f"{x}.grad = {e}")])
        if broadcasts:
            unsummed = f"{x}._grad = ({e}) if {x}._grad is None else {x}._grad + ({e})"
            yield mistake("broadcast", x, [(node, unsummed)])
    for node in ast.walk(inner):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            method, owner = node.func.attr, _src(node.func.value)
            if method == "broadcast_to":
                yield mistake("broadcast", f"{owner}.broadcast_to", [(node, owner)])
            if method in ("matmul_t", "t_matmul"):
                other = _src(node.args[0])
                yield mistake("transpose", f"{owner}.{method}", [(node, f"({owner} @ {other})")])
        if isinstance(node, ast.Attribute) and node.attr == "T":
            yield mistake("transpose", f"{_src(node.value)}.T", [(node, _src(node.value))])
    if len(closure.inputs) != 1:
        return
    call = next(
        n
        for n in ast.walk(function)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "_result"
    )
    value = call.args[1]
    data = _data_names(function, closure.inputs)
    reads = [n for n in ast.walk(inner) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)]
    for name in data:
        uses = [n for n in reads if n.id == name]
        if uses and not (isinstance(value, ast.Name) and value.id == name):
            yield mistake("output for input", name, [(n, f"({_src(value)})") for n in uses])
    if isinstance(value, ast.Name):
        uses = [n for n in reads if n.id == value.id]
        mine = [n for n, owner in data.items() if owner == closure.inputs[0]]
        instead = mine[0] if mine else f"{closure.inputs[0]}.data"
        if uses:
            yield mistake("input for output", value.id, [(n, instead) for n in uses])


def all_mistakes(package: Path) -> list[Mistake]:
    """Every mistake of every exercise of the package folder."""
    out = []
    for closure in discover(package):
        text = (package / closure.module).read_text(encoding="utf-8")
        trials = trials_for(closure.name, closure.function, closure.params)
        out += list(mutants(text, closure, any(t.broadcast for t in trials)))
    return out


# ---------------------------------------------------------------------------------------------
# Grading mutants
# ---------------------------------------------------------------------------------------------

ORACLE_DRAWS = (1, 2)  # other input values than the grader's: is the mutant really wrong?


def gradients(lib: Any, closure: Closure) -> list[Any]:
    """The exercise's gradients on the oracle's inputs, with and without preset gradients."""
    out: list[Any] = []
    for k, trial in enumerate(trials_for(closure.name, closure.function, closure.params)):
        for draw in ORACLE_DRAWS:
            values = input_values(trial, k, draw)
            for presets in (None, {s.name: preset(*s.shape) for s in trial.inputs}):
                run = run_trial(lib, trial, values, presets)
                error = run.error or run.forward_error
                out.append(type(error).__name__ if error else run.grads)
    return out


def same(a: list[Any], b: list[Any]) -> bool:
    """The oracle's gradients agree (errors compared by type)."""
    for x, y in zip(a, b):
        if isinstance(x, str) or isinstance(y, str):
            if x != y:
                return False
            continue
        for name in y:
            if not (x[name] is None and y[name] is None) and not close(x[name], y[name], 1e-9, 0):
                return False
    return True


def judge(package: Path) -> tuple[list[Verdict], int]:
    """Grade every mutant of the package; returns the verdicts and how many mutants were
    equivalent (left out)."""
    mistakes = all_mistakes(package)
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "match"
        shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__"))
        # checked-hash bytecode: unchanged modules load fast, a mutated one is recompiled
        compileall.compile_dir(
            str(copy), quiet=1, invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH
        )
        with loaded(Path(tmp)) as lib:
            right = {c.name: gradients(lib, c) for c in discover(copy)}
        verdicts, equivalent = [], 0
        for m in mistakes:
            path = copy / m.module
            original = path.read_text(encoding="utf-8")
            path.write_text(m.text, encoding="utf-8")
            try:
                with loaded(Path(tmp)) as lib:
                    closure = next(c for c in closures_of(m.text, m.module) if c.name == m.exercise)
                    if same(gradients(lib, closure), right[m.exercise]):
                        equivalent += 1
                        continue
                    results = grade(lib)
            finally:
                path.write_text(original, encoding="utf-8")
            failing = [r for r in results if not r.passed]
            mine = [r for r in failing if r.name == m.exercise]
            diagnosis = mine[0].diagnosis if mine else ""
            verdicts.append(
                Verdict(
                    m,
                    caught=bool(mine),
                    localized=[r.name for r in failing] == [m.exercise],
                    diagnosed=diagnosis.startswith(KEYWORDS[m.kind]),
                    diagnosis=diagnosis,
                )
            )
    return verdicts, equivalent


def totals(verdicts: list[Verdict], equivalent: int) -> str:
    """The summary line."""
    n = len(verdicts)
    caught = sum(v.caught for v in verdicts)
    localized = sum(v.localized for v in verdicts)
    diagnosed = sum(v.diagnosed for v in verdicts)
    exercises = len({v.mistake.exercise for v in verdicts})
    return (
        f"{n} seeded mistakes in {exercises} exercises ({equivalent} equivalent mutants left "
        f"out): caught {caught}/{n}, localized {localized}/{n}, diagnosed {diagnosed}/{n} "
        f"({diagnosed / max(n, 1):.0%})"
    )


def main(argv: list[str] | None = None) -> int:
    """Print the verdicts; exit 1 unless every mistake is caught and localized and at least 90%
    are diagnosed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-q", "--quiet", action="store_true", help="the totals only")
    args = parser.parse_args(argv)
    verdicts, equivalent = judge(ROOT / "match")
    if not args.quiet:
        for v in verdicts:
            print(v.line())
    print(totals(verdicts, equivalent))
    n = len(verdicts)
    ok = all(v.caught and v.localized for v in verdicts)
    return 0 if ok and sum(v.diagnosed for v in verdicts) >= 0.9 * n else 1


if __name__ == "__main__":
    sys.exit(main())
