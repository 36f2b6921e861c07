"""How much of Match a reader walks through for one training step (issue 19's measure).

Run: python bench/bench_reading_path.py [--quick] [--list]

Builds `nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))`, `optim.Adam`, `nn.MSELoss`
and a (5, 4) input first, then records with `sys.settrace` every function of `match/` that
`opt.zero_grad(); loss = lossf(model(x), y); loss.backward(); opt.step()` calls, on the python
backend, and counts the whole code lines of each (blank, comment and docstring lines not
counted). Comprehensions count as functions where the interpreter runs them as their own code
objects (Python 3.11 and older; 3.12 inlines list comprehensions). `--list` prints each
function. It also prints the code lines of the files in the README's reading order.
"""

from __future__ import annotations

import argparse
import ast
import os
import sys
from pathlib import Path
from types import CodeType, FrameType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import match  # noqa: E402
from match import accel, nn, optim  # noqa: E402

PACKAGE = Path(match.__file__).resolve().parent
READING_ORDER = [
    "autograd.py",
    "matrix.py",
    "list2d.py",
    "backend/python.py",
    "nn/module.py",
    "nn/layers.py",
    "nn/losses.py",
    "optim/optimizer.py",
    "optim/adam.py",
]


def docstring_lines(tree: ast.AST) -> set[int]:
    """The line numbers of every docstring in a module."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        kinds = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module)
        if not isinstance(node, kinds) or not node.body:
            continue
        first = node.body[0]
        value = getattr(first, "value", None)
        is_text = isinstance(value, ast.Constant) and isinstance(value.value, str)
        if isinstance(first, ast.Expr) and is_text:
            lines.update(range(first.lineno, (first.end_lineno or first.lineno) + 1))
    return lines


class Source:
    """One module's lines, its docstring lines and its function ends."""

    def __init__(self, path: Path) -> None:
        """Parse path."""
        text = path.read_text(encoding="utf-8")
        self.lines = text.splitlines()
        tree = ast.parse(text)
        self.docs = docstring_lines(tree)
        self.ends: dict[int, int] = {}
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                first = (
                    node.decorator_list[0].lineno
                    if getattr(node, "decorator_list", None)
                    else node.lineno
                )
                self.ends[first] = node.end_lineno or node.lineno
                self.ends.setdefault(node.lineno, node.end_lineno or node.lineno)

    def code_lines(self, first: int, last: int) -> int:
        """Lines in [first, last] that are neither blank, comments nor docstrings."""
        return sum(
            1
            for i in range(first, last + 1)
            if self.lines[i - 1].strip()
            and not self.lines[i - 1].strip().startswith("#")
            and i not in self.docs
        )


def step_functions() -> dict[tuple[str, int, str], CodeType]:
    """The functions of match/ run by one training step, keyed by (file, first line, name)."""
    with accel.using("python"):
        match.manual_seed(0)
        model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
        opt = optim.Adam(model.parameters())
        lossf = nn.MSELoss()
        x, y = match.randn(5, 4), match.randn(5, 1)
        seen: dict[tuple[str, int, str], CodeType] = {}

        def tracer(frame: FrameType, event: str, arg: Any) -> None:
            code = frame.f_code
            if event == "call" and code.co_filename.startswith(str(PACKAGE)):
                seen[(code.co_filename, code.co_firstlineno, code.co_name)] = code

        sys.settrace(tracer)
        try:
            opt.zero_grad()
            loss = lossf(model(x), y)
            loss.backward()
            opt.step()
        finally:
            sys.settrace(None)
    return seen


def main() -> None:
    """Print the counts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the same (it takes a second)")
    parser.add_argument("--list", action="store_true", help="print every function counted")
    args = parser.parse_args()
    sources: dict[str, Source] = {}
    total, files = 0, set()
    rows = []
    for (filename, first, name), _ in sorted(step_functions().items()):
        source = sources.setdefault(filename, Source(Path(filename)))
        n = source.code_lines(first, source.ends.get(first, first))
        total += n
        files.add(filename)
        rows.append((os.path.relpath(filename, PACKAGE), first, name, n))
    print(f"bench_reading_path: Python {sys.version.split()[0]}")
    if args.list:
        for path, first, name, n in rows:
            print(f"  {path}:{first} {name} ({n} lines)")
    print(f"one training step runs {len(rows)} functions, {total} code lines, {len(files)} files")
    print("code lines of the files in the README's reading order:")
    for name in READING_ORDER:
        path = PACKAGE / name
        source = Source(path)
        print(f"  match/{name:22s} {source.code_lines(1, len(source.lines)):4d}")


if __name__ == "__main__":
    main()
