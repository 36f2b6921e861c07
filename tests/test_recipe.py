"""The README's recipe for a new primitive, followed literally in a temporary copy of the project.

The test adds `atan` by inserting, next to each `log1p` line the README shows, the same line for
atan: one row per backend table, one Matrix method, one gradcheck entry and one torch parity
case. Then it runs the copy's gradcheck and parity tests on every installed backend. If the
recipe forgets a place, or a place moves, this fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

ATAN_METHOD = '''
    def atan(self) -> Matrix:
        """Arctangent, elementwise."""
        x = self.data

        def backward(g: List2D) -> None:
            # d atan(x)/dx = 1 / (1 + x^2)
            self._accumulate(g / (x * x + 1.0))

        return _result("atan", x.atan(), (self,), backward, saved=(x,))
'''

# (file, the log1p line the README shows, the line to add after it)
ROWS = [
    ("match/backend/__init__.py", '"log1p": "log(1 + x)', '    "atan": "arctangent",'),
    ("match/backend/python.py", '"log1p": (math.log1p', '    "atan": (math.atan, math.atan),'),
    ("match/backend/array.py", '"log1p": lambda xp', '    "atan": lambda xp, a: xp.arctan(a),'),
    (
        "match/list2d.py",
        'return self.unary("log1p")',
        '\n    def atan(self) -> List2D:\n        """Arctangent."""\n'
        '        return self.unary("atan")',
    ),
    ("README.md", "- elementwise `exp log log1p", None),
    ("tests/test_gradcheck.py", '"log1p": lambda a', '    "atan": lambda a: a.atan(),'),
    ("test.py", '("log1p", xp),', '            ("atan", x),'),
]


def insert_after(path: Path, marker: str, text: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    hits = [i for i, line in enumerate(lines) if marker in line]
    assert len(hits) == 1, f"{path.name}: expected one line with {marker!r}, found {len(hits)}"
    lines.insert(hits[0] + 1, text if text.endswith("\n") else text + "\n")
    path.write_text("".join(lines), encoding="utf-8")


def add_atan(copy: Path) -> None:
    for name, marker, row in ROWS:
        if row is None:  # the README's op list: the word goes after log1p on the line
            path = copy / name
            text = path.read_text(encoding="utf-8")
            assert text.count(marker) == 1, f"{name}: expected one line with {marker!r}"
            path.write_text(text.replace(marker, marker + " atan"), encoding="utf-8")
        else:
            insert_after(copy / name, marker, row)
    # the Matrix method goes right after log1p's, in the Primitives section
    matrix = copy / "match/matrix.py"
    text = matrix.read_text(encoding="utf-8")
    end = 'return _result("log1p", x.log1p(), (self,), backward, saved=(x,))\n'
    assert text.count(end) == 1
    matrix.write_text(text.replace(end, end + ATAN_METHOD), encoding="utf-8")


def backends() -> list[str]:
    names = ["python"]
    try:
        import numpy  # noqa: F401

        names.append("numpy")
    except ImportError:
        pass
    return names


def test_recipe_adds_a_working_op_on_every_backend(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    copy = tmp_path / "project"
    copy.mkdir()
    for name in ("match", "tests", "bench"):
        shutil.copytree(ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("test.py", "conftest.py", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, copy / name)
    add_atan(copy)
    for name in backends():
        env = {**os.environ, "MATCH_ACCEL": name, "PYTHONDONTWRITEBYTECODE": "1"}
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-x",
                "test.py::TestElementwise::test_unary",
                "tests/test_gradcheck.py",
                "tests/test_accel.py",
                "tests/test_readme.py",
                "tests/test_special_values.py",
                "-k",
                "unary or every_op or agree or special or contract or readme or mention",
            ],
            cwd=copy,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert run.returncode == 0, f"backend {name}:\n{run.stdout[-3000:]}\n{run.stderr[-2000:]}"
        check = subprocess.run(
            [
                sys.executable,
                "-c",
                "import match, torch\n"
                "x = match.mat([[0.5, -2.0, 3.0]])\n"
                "x.atan().sum().backward()\n"
                "t = torch.tensor([[0.5, -2.0, 3.0]], dtype=torch.float64, requires_grad=True)\n"
                "t.atan().sum().backward()\n"
                "assert x.data.backend == match.accel.current()\n"
                "assert torch.allclose(torch.tensor(x.grad.tolist(), dtype=torch.float64),"
                " t.grad, rtol=1e-12, atol=0)\n"
                "print(match.gradcheck(lambda a: a.atan(), x))\n",
            ],
            cwd=copy,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert check.returncode == 0, check.stderr
        assert check.stdout.strip() == "True"
