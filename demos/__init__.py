"""The demos: scripts that teach as they run, and open as notebooks through jupytext.

They ship inside the package as `match.demos`, so `python -m match demos` lists them and runs one
wherever Match is installed. Each also runs on its own, next to an installed Match:
`python demo_linear.py`.
"""

from __future__ import annotations

import ast
from pathlib import Path

HERE = Path(__file__).resolve().parent

# The order to read them in (the README's): each builds on the one before. A demo not named
# here comes after these, alphabetically.
ORDER = [
    "demo_linear",
    "demo_neuron",
    "demo_backprop",
    "demo_classifier",
    "demo_digits",
    "demo_sequence",
]


def _rank(path: Path) -> tuple[int, str]:
    return (ORDER.index(path.stem) if path.stem in ORDER else len(ORDER), path.stem)


def find() -> dict[str, tuple[Path, str]]:
    """Each demo's name (like 'demo_linear'), its file and the first line of its docstring, in
    reading order (ORDER), which the command line and the browser page list them in."""
    found = {}
    for path in sorted(HERE.glob("demo_*.py"), key=_rank):
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        found[path.stem] = (path, doc.splitlines()[0] if doc else "")
    return found
