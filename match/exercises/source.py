"""Find the gradient closures in Match's source, and blank them for a student copy.

An exercise is a primitive's `backward` closure: a `def backward(g)` nested in a function that
passes it to `_result(...)`, whose body starts with a comment line (the derivative, or in a
student copy the TODO). Nothing here depends on line numbers or on a closure's exact text, so a
new primitive written in that shape becomes an exercise by itself.

This module reads files only: it imports nothing from Match, so a grader can use it on any copy.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

# The README's reading order: the engine first, then the rest of the package alphabetically.
READING_ORDER = ("autograd.py", "matrix.py", "list2d.py", "backend")
SKIPPED = ("exercises",)  # the grader itself


@dataclass(frozen=True)
class Closure:
    """One exercise: where a primitive's backward closure is, and what it needs."""

    name: str  # the public name: the first argument of `_result`
    aliases: tuple[str, ...]  # other names of the same closure (max's is also min's)
    module: str  # path inside the package, e.g. "matrix.py"
    function: str  # the function that makes the op, e.g. "Matrix.__mul__"
    params: tuple[str, ...]  # that function's parameters
    inputs: tuple[str, ...]  # the names in `_result`'s tuple of inputs, () when not a literal
    receivers: tuple[str, ...]  # what the closure accumulates into, in order ("self", "rhs")
    first: int  # first line of the closure's body (its comment), 1-based
    last: int  # last line of the closure's body
    indent: str  # the body's indentation
    stub: bool  # True when the body is already a student's TODO

    @property
    def level(self) -> int:
        """1: one input, elementwise; 2: several inputs (broadcasting); 3: a dim, a shape, an
        index or a loop (reductions, softmax, reshape, indexing, cat, losses)."""
        if len(set(self.receivers)) > 1 or len(self.inputs) > 1:
            return 2
        if len([p for p in self.params if p != "self"]) > 0:
            return 3
        return 1


def package_modules(package: Path) -> list[Path]:
    """The package's modules that may hold closures, in the README's reading order."""
    found = [
        p
        for p in sorted(package.rglob("*.py"))
        if p.relative_to(package).parts[0] not in SKIPPED and "__pycache__" not in p.parts
    ]

    def rank(path: Path) -> tuple[int, str]:
        rel = path.relative_to(package).as_posix()
        for i, first in enumerate(READING_ORDER):
            if rel == first or rel.startswith(first + "/"):
                return i, rel
        return len(READING_ORDER), rel

    return sorted(found, key=rank)


def discover(package: Path) -> list[Closure]:
    """Every exercise of the package folder `package` (a `match/`), in reading order."""
    found: list[Closure] = []
    for path in package_modules(package):
        text = path.read_text(encoding="utf-8")
        if "_result(" in text and "def backward" in text:
            found += closures_of(text, path.relative_to(package).as_posix())
    return found


def closures_of(text: str, module: str) -> list[Closure]:
    """The closures of one module's source text."""
    tree = ast.parse(text)
    lines = text.splitlines()
    found = []
    for owner, function in _functions(tree):
        inner = [s for s in function.body if isinstance(s, ast.FunctionDef)]
        inner = [s for s in inner if s.name == "backward"]
        call = _result_call(function)
        if not inner or call is None:
            continue
        closure = inner[0]
        first = _body_start(closure, lines)
        if first is None:
            continue
        body = "\n".join(lines[first - 1 : closure.end_lineno])
        name, aliases = _op_names(call, function, tree)
        inputs = call.args[2] if len(call.args) > 2 else None
        found.append(
            Closure(
                name=name,
                aliases=aliases,
                module=module,
                function=f"{owner}.{function.name}" if owner else function.name,
                params=tuple(a.arg for a in function.args.args),
                inputs=tuple(ast.unparse(e) for e in inputs.elts)
                if isinstance(inputs, ast.Tuple)
                else (),
                receivers=_receivers(closure),
                first=first,
                last=closure.end_lineno or first,
                indent=lines[first - 1][: len(lines[first - 1]) - len(lines[first - 1].lstrip())],
                stub="NotImplementedError" in body,
            )
        )
    return found


def _functions(tree: ast.Module) -> list[tuple[str, ast.FunctionDef]]:
    """Module-level functions and methods of module-level classes, in source order."""
    out: list[tuple[str, ast.FunctionDef]] = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            out.append(("", node))
        elif isinstance(node, ast.ClassDef):
            out += [(node.name, f) for f in node.body if isinstance(f, ast.FunctionDef)]
    return out


def _result_call(function: ast.FunctionDef) -> ast.Call | None:
    """The `_result(..., backward, ...)` call of a function, if any."""
    for node in ast.walk(function):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "_result"
            and any(isinstance(a, ast.Name) and a.id == "backward" for a in node.args)
        ):
            return node
    return None


def _body_start(closure: ast.FunctionDef, lines: list[str]) -> int | None:
    """The first line of the closure's body when it is a comment (the exercise's shape)."""
    line = closure.lineno
    while not lines[line - 1].rstrip().endswith(":"):  # a header over several lines
        line += 1
    for number in range(line + 1, closure.body[0].lineno + 1):
        stripped = lines[number - 1].strip()
        if stripped:
            return number if stripped.startswith("#") else None
    return None


def _op_names(
    call: ast.Call, function: ast.FunctionDef, tree: ast.Module
) -> tuple[str, tuple[str, ...]]:
    """The op's name from `_result`'s first argument; when that is a variable (one function
    making max and min), the string constants its callers pass, the first one winning."""
    first = call.args[0] if call.args else None
    if isinstance(first, ast.Constant) and isinstance(first.value, str):
        return first.value, ()
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args:
            callee = node.func
            called = callee.id if isinstance(callee, ast.Name) else getattr(callee, "attr", "")
            arg = node.args[0]
            text = arg.value if isinstance(arg, ast.Constant) else None
            if called == function.name and isinstance(text, str) and text not in names:
                names.append(text)
    if names:
        return names[0], tuple(names[1:])
    return function.name.strip("_"), ()


def _receivers(closure: ast.FunctionDef) -> tuple[str, ...]:
    """What `X._accumulate(...)` calls send gradient to, in source order."""
    out: list[str] = []
    for node in ast.walk(closure):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "_accumulate"
        ):
            receiver = ast.unparse(node.func.value)
            if receiver not in out:
                out.append(receiver)
    return tuple(out)


def stub_lines(closure: Closure, number: int) -> list[str]:
    """The body a student copy gets instead of the closure's: a TODO, then a raise."""
    label = f"exercise {number} ({closure.name})"
    into = ", ".join(closure.receivers) or "each input"
    return [
        f"{closure.indent}# TODO {label}: add each input's share of g to its gradient "
        f"(into: {into})",
        f'{closure.indent}raise NotImplementedError("{label}: write this backward")',
    ]


def blank(text: str, module: str, numbers: dict[str, int]) -> str:
    """The module's text with the closures named in `numbers` replaced by stubs. The rest of
    the file (the forward, the docstrings) is kept as it is."""
    lines = text.splitlines(keepends=True)
    for closure in sorted(closures_of(text, module), key=lambda c: -c.first):
        if closure.name in numbers:
            stub = [line + "\n" for line in stub_lines(closure, numbers[closure.name])]
            lines[closure.first - 1 : closure.last] = stub
    return "".join(lines)


def fill(text: str, module: str, bodies: dict[str, str]) -> str:
    """The module's text with the closures named in `bodies` given those bodies: the inverse
    of `blank` (an answer key's bodies give back the original source)."""
    lines = text.splitlines(keepends=True)
    for closure in sorted(closures_of(text, module), key=lambda c: -c.first):
        if closure.name in bodies:
            lines[closure.first - 1 : closure.last] = [bodies[closure.name]]
    return "".join(lines)


def closure_text(text: str, closure: Closure) -> str:
    """The source of a closure's body (its comment and statements), for checks."""
    return "".join(text.splitlines(keepends=True)[closure.first - 1 : closure.last])


def statement_lines(body: str) -> list[str]:
    """The non-blank lines of a closure body, stripped: what a copy must not contain."""
    return [line.strip() for line in body.splitlines() if line.strip()]


def is_exercise_stub(body: str) -> bool:
    """True for a body made by `stub_lines`."""
    return bool(re.search(r"raise NotImplementedError\(\"exercise \d+", body))
