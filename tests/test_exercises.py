"""`python -m match exercises`: student copies with blanked closures, and the offline grader."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

import match
from match.exercises import check as grader
from match.exercises.cases import CASES, trials_for
from match.exercises.make import make
from match.exercises.source import closure_text, discover, fill, statement_lines

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "match"
CLOSURES = discover(PACKAGE)
NAMES = [c.name for c in CLOSURES]


def _script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _python(
    *args: str, cwd: Path = ROOT, path: Path | None = ROOT, accel: bool = True
) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    env.pop("PYTHONPATH", None)
    if not accel:
        env.pop("MATCH_ACCEL", None)
    if path is not None:
        env["PYTHONPATH"] = str(path)
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A student copy with every exercise blanked."""
    folder = tmp_path_factory.mktemp("class") / "alice"
    make(PACKAGE, folder)
    return folder


# ---------------------------------------------------------------------------------------------
# The exercises found in the source
# ---------------------------------------------------------------------------------------------


def test_every_primitive_closure_is_an_exercise_in_reading_order() -> None:
    assert len(CLOSURES) >= 28
    assert len(set(NAMES)) == len(NAMES)
    for name in ("sigmoid", "mul", "div", "matmul", "pow", "sum", "softmax", "where", "cat"):
        assert name in NAMES
    modules = [c.module for c in CLOSURES]
    assert modules[0] == "matrix.py" and modules == sorted(modules, key=modules.index)
    in_matrix = [c.first for c in CLOSURES if c.module == "matrix.py"]
    assert in_matrix == sorted(in_matrix)
    assert {c.level for c in CLOSURES} == {1, 2, 3}
    by_name = {c.name: c for c in CLOSURES}
    assert by_name["max"].aliases == ("min",) and by_name["maximum"].aliases == ("minimum",)
    assert by_name["mul"].receivers == ("self", "rhs")


def test_every_exercise_has_a_check_and_a_stored_reference() -> None:
    stored = grader.references()
    for c in CLOSURES:
        trials = trials_for(c.name, c.function, c.params)
        assert trials, c.name
        assert len(stored[c.name]) == len(trials), c.name
    assert set(CASES) <= set(NAMES)


def test_a_new_primitive_becomes_an_exercise_by_itself(tmp_path: Path) -> None:
    """A method in the closure shape, with no case and no stored reference: the default check,
    against finite differences."""
    project = tmp_path / "project"
    make(PACKAGE, project, only=["neg"])  # any copy; then put back neg and add a primitive
    path = project / "match" / "matrix.py"
    text = path.read_text(encoding="utf-8")
    neg = next(c for c in CLOSURES if c.name == "neg")
    text = fill(text, "matrix.py", {"neg": closure_text(_matrix_text(), neg)})
    assert text == _matrix_text()
    square = '''
    def square(self) -> Matrix:
        """x * x, elementwise."""
        x = self.data

        def backward(g: List2D) -> None:
            # d x^2/dx = 2 x
            self._accumulate(g * x * 2.0)

        return _result("square", x * x, (self,), backward, saved=(x,))
'''
    end = 'return _result("neg", -self.data, (self,), backward)\n'
    path.write_text(text.replace(end, end + square), encoding="utf-8")
    (project / "match" / "exercises" / "manifest.json").unlink()
    found = [c.name for c in discover(project / "match")]
    assert found[found.index("neg") + 1] == "square"
    with grader.loaded(project) as lib:
        results = {r.name: r for r in grader.grade(lib)}
    assert all(r.passed for r in results.values()), grader.report(list(results.values()))
    path.write_text(path.read_text().replace("g * x * 2.0", "g * x"), encoding="utf-8")
    with grader.loaded(project) as lib:
        (result,) = grader.grade(lib, only=["square"])
    assert result.line().startswith("FAIL square: factor"), result.line()
    blanked = make(project / "match", tmp_path / "student", only=["square"])
    assert [c.name for c in blanked.exercises] == ["square"]


def _matrix_text() -> str:
    return (PACKAGE / "matrix.py").read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# check on the real source
# ---------------------------------------------------------------------------------------------


def test_the_real_source_scores_full_marks_in_process() -> None:
    results = grader.grade(match)
    assert [r.name for r in results] == NAMES
    assert all(r.passed for r in results), grader.report(results)
    assert grader.report(results).splitlines()[-1] == f"score: {len(NAMES)}/{len(NAMES)}"


def test_check_from_the_command_line_grades_the_current_folder() -> None:
    run = _python("-m", "match", "exercises", "check", path=None)
    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    assert lines[:-1] == [f"PASS {n}" for n in NAMES]
    assert lines[-1] == f"score: {len(NAMES)}/{len(NAMES)}"


def test_check_needs_neither_torch_nor_numpy(copy: Path) -> None:
    code = (
        "import sys\n"
        "sys.modules['numpy'] = None; sys.modules['torch'] = None\n"
        "from match.__main__ import main\n"
        "sys.exit(main(['exercises', 'check', '.', sys.argv[1]]))\n"
    )
    run = _python("-c", code, str(copy), accel=False)
    assert run.returncode == 1, run.stderr
    scores = run.stdout.split("== scores")[1].split()
    assert scores == [f"{len(NAMES)}/{len(NAMES)}", ".", f"0/{len(NAMES)}", str(copy)]


# ---------------------------------------------------------------------------------------------
# make
# ---------------------------------------------------------------------------------------------


def test_make_prints_the_count_and_where_to_start(tmp_path: Path) -> None:
    run = _python("-m", "match", "exercises", "make", str(tmp_path / "bob"))
    assert run.returncode == 0, run.stderr
    first, start = run.stdout.splitlines()[:2]
    assert first == f"{len(NAMES)} exercises in {tmp_path / 'bob' / 'match'}"
    assert start.startswith(f"start with exercise 1, {NAMES[0]}: the TODO in ")
    again = _python("-m", "match", "exercises", "make", str(tmp_path / "bob"))
    assert again.returncode == 2
    assert "python -m match exercises make: error:" in again.stderr
    assert "already exists" in again.stderr


def test_the_copy_imports_and_every_closure_raises_a_named_todo(copy: Path) -> None:
    code = (
        "import match\n"
        "x = match.mat([[0.5, 2.0]])\n"
        "try:\n"
        "    x.exp().sum().backward()\n"
        "except NotImplementedError as e:\n"
        "    print(e)\n"
    )
    run = _python("-c", code, cwd=copy.parent, path=copy)
    assert run.returncode == 0, run.stderr
    number = NAMES.index("sum") + 1
    assert run.stdout.strip() == f"exercise {number} (sum): write this backward"
    for k, c in enumerate(discover(copy / "match"), start=1):
        body = closure_text((copy / "match" / c.module).read_text(encoding="utf-8"), c)
        assert c.stub and f"# TODO exercise {k} ({c.name}):" in body, body
        assert f'NotImplementedError("exercise {k} ({c.name})' in body
    run = _python("-m", "match", "exercises", "check", cwd=copy, path=None)
    lines = run.stdout.splitlines()
    assert run.returncode == 1
    assert lines[-1] == f"score: 0/{len(NAMES)}"
    assert lines[0] == f"FAIL {NAMES[0]}: not done yet: its backward raises NotImplementedError"


def test_the_copy_holds_no_answer_anywhere(copy: Path) -> None:
    files = [p for p in copy.rglob("*") if p.is_file()]
    assert not [p for p in files if p.suffix in (".pyc", ".pyo") or "__pycache__" in p.parts]
    texts = {p: p.read_bytes().decode("utf-8", "replace") for p in files}
    assert not (copy / "README.md").exists()
    for c in CLOSURES:
        body = closure_text((PACKAGE / c.module).read_text(encoding="utf-8"), c)
        for line in statement_lines(body):
            if re.fullmatch(r"if \w+\.requires_grad:", line):  # a guard, not an answer
                continue
            hits = [str(p) for p, t in texts.items() if line in t]
            assert not hits, f"{c.name}: {line!r} in {hits}"


def test_stubs_plus_the_closures_rebuild_the_source_exactly(copy: Path) -> None:
    for module in sorted({c.module for c in CLOSURES}):
        original = (PACKAGE / module).read_text(encoding="utf-8")
        bodies = {c.name: closure_text(original, c) for c in CLOSURES if c.module == module}
        stubbed = (copy / "match" / module).read_text(encoding="utf-8")
        assert stubbed != original
        assert fill(stubbed, module, bodies) == original, module


def test_each_exercise_alone_fails_only_its_own_check(tmp_path: Path) -> None:
    """The copy blanks exercise k only: k fails, every other closure passes."""
    for c in CLOSURES:
        made = make(PACKAGE, tmp_path / c.name, only=[c.name])
        assert [e.name for e in made.exercises] == [c.name]
        (tmp_path / c.name / "match" / "exercises" / "manifest.json").unlink()  # grade all
        with grader.loaded(tmp_path / c.name) as lib:
            failing = [r.name for r in grader.grade(lib) if not r.passed]
        assert failing == [c.name]


def test_only_and_level_choose_a_subset(tmp_path: Path) -> None:
    made = make(PACKAGE, tmp_path / "a", only=["div", "min"])
    assert [c.name for c in made.exercises] == ["div", "max"]
    assert made.summary().splitlines()[0] == f"2 exercises in {tmp_path / 'a' / 'match'}"
    with grader.loaded(tmp_path / "a") as lib:
        lines = grader.report(grader.grade(lib)).splitlines()
    assert [line.split(":")[0] for line in lines] == ["FAIL div", "FAIL max", "score"]
    level_one = make(PACKAGE, tmp_path / "b", levels=[1])
    assert {c.level for c in level_one.exercises} == {1}
    assert "sigmoid" in [c.name for c in level_one.exercises]
    run = _python("-m", "match", "exercises", "make", str(tmp_path / "c"), "--only", "nope")
    assert run.returncode == 2
    assert "python -m match exercises make: error: no exercise called nope" in run.stderr
    run = _python("-m", "match", "exercises", "check", str(tmp_path / "nothing"))
    assert run.returncode == 2
    assert "python -m match exercises check: error: no match/ package" in run.stderr


# ---------------------------------------------------------------------------------------------
# References and diagnoses
# ---------------------------------------------------------------------------------------------


def test_the_stored_references_are_current() -> None:
    pytest.importorskip("torch")
    script = _script("make_exercise_references")
    assert script.render(script.build()) == grader.REFERENCE.read_text(encoding="utf-8")


def test_the_stored_references_agree_with_finite_differences() -> None:
    stored = grader.references()
    for c in CLOSURES:
        for k, trial in enumerate(trials_for(c.name, c.function, c.params)):
            values = grader.input_values(trial, k)
            run = grader.run_trial(match, trial, values)
            fd = grader.finite_differences(match, trial, values, run.g.tolist())
            for got, want in zip(fd, stored[c.name][k]["grads"]):
                assert grader.close(got, want, 1e-4, 1e-6), (c.name, k, got, want)


def test_seeded_mistakes_are_caught_localized_and_diagnosed() -> None:
    """Every kind of mistake in every exercise where it applies: caught and localized, all of
    them; the right diagnosis for at least 90% (`python scripts/seed_exercise_mistakes.py`)."""
    seeding = _script("seed_exercise_mistakes")
    verdicts, equivalent = seeding.judge(PACKAGE)
    summary = seeding.totals(verdicts, equivalent)
    assert {v.mistake.exercise for v in verdicts} == set(NAMES), summary
    kinds = {v.mistake.kind for v in verdicts}
    assert kinds == set(seeding.KEYWORDS), kinds
    for name in NAMES:  # the kinds every closure has
        mine = {v.mistake.kind for v in verdicts if v.mistake.exercise == name}
        assert {"sign", "factor", "missing", "accumulate"} <= mine, name
    missed = [v.line() for v in verdicts if not (v.caught and v.localized)]
    assert not missed, "\n".join(missed)
    diagnosed = sum(v.diagnosed for v in verdicts)
    assert diagnosed >= 0.9 * len(verdicts), summary
