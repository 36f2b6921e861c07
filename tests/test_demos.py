"""The demos run to the end in quick mode: as scripts, without numpy and matplotlib, and as
notebooks (code cells run in order from the demos folder, where `__file__` is not defined)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEMOS = ROOT / "demos"
NAMES = [
    "demo_linear",
    "demo_neuron",
    "demo_backprop",
    "demo_classifier",
    "demo_digits",
    "demo_sequence",
]

# A line each demo prints near its end, to be sure it ran through.
ENDINGS = {
    "demo_linear": "learned  w =",
    "demo_neuron": "neuron says",
    "demo_backprop": "the trace agrees with backward: True",
    "demo_classifier": "spirals test accuracy:",
    "demo_digits": "mistakes:",
    "demo_sequence": "after training:",
}

# Make numpy and matplotlib impossible to import, then run the demo as `python demo.py` would.
BLOCKED = (
    "import runpy, sys\n"
    "sys.modules['numpy'] = None\n"
    "sys.modules['matplotlib'] = None\n"
    "sys.argv = [sys.argv[1]]\n"
    "runpy.run_path(sys.argv[0], run_name='__main__')\n"
)


def _run(args: list[str], cwd: Path, plot_dir: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, MATCH_DEMO_QUICK="1", MATCH_DEMO_PLOT_DIR=str(plot_dir))
    env.pop("MATCH_ACCEL", None)
    # The demos must find match by themselves: keep PYTHONPATH, but without the repository.
    paths = [
        p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p and Path(p).resolve() != ROOT
    ]
    env["PYTHONPATH"] = os.pathsep.join(paths)
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def _check(result: subprocess.CompletedProcess[str], name: str) -> None:
    assert result.returncode == 0, f"{name} failed:\n{result.stdout}\n{result.stderr}"
    assert ENDINGS[name] in result.stdout


def test_every_demo_is_tested() -> None:
    assert sorted(p.stem for p in DEMOS.glob("demo_*.py")) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_demo_runs_without_numpy_or_matplotlib(name: str, tmp_path: Path) -> None:
    # From another directory, so the demo's own sys.path lines are what finds match.
    result = _run(["-c", BLOCKED, str(DEMOS / f"{name}.py")], tmp_path, tmp_path)
    _check(result, name)
    skipped = [line for line in result.stdout.splitlines() if "plots are skipped" in line]
    assert len(skipped) == 1, "the demo should say once that it skips its plots"
    assert not list(tmp_path.glob("*.png"))


@pytest.mark.parametrize("name", NAMES)
def test_demo_runs_as_a_script(name: str, tmp_path: Path) -> None:
    result = _run([str(DEMOS / f"{name}.py")], tmp_path, tmp_path)
    _check(result, name)
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert "plots are skipped" in result.stdout
    else:  # the plots are saved as PNG files
        assert list(tmp_path.glob(f"{name}*.png"))
        assert "plots are skipped" not in result.stdout


@pytest.mark.parametrize("name", NAMES)
def test_demo_is_a_notebook(name: str, tmp_path: Path) -> None:
    jupytext = pytest.importorskip("jupytext")
    notebook = jupytext.read(DEMOS / f"{name}.py")
    kinds = [cell.cell_type for cell in notebook.cells]
    assert kinds.count("markdown") >= 3 and kinds.count("code") >= 3
    assert notebook.cells[0].cell_type == "markdown"  # each demo opens with its explanation
    text = jupytext.writes(notebook, fmt="ipynb")
    assert '"cell_type": "markdown"' in text
    # Run the code cells in order, as a notebook kernel would: from the demos folder, without
    # __file__ (matplotlib blocked, so nothing tries to display figures).
    code = "\n\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    script = tmp_path / "cells.py"
    script.write_text(code, encoding="utf-8")
    runner = (
        "import sys\n"
        "sys.modules['matplotlib'] = None\n"
        "source = open(sys.argv[1], encoding='utf-8').read()\n"
        "exec(compile(source, 'notebook', 'exec'), {'__name__': '__main__'})\n"
    )
    result = _run(["-c", runner, str(script)], DEMOS, tmp_path)
    _check(result, name)
