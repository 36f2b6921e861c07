"""The benchmarks' command lines: every script in bench/ takes --quick (the smoke run the tests
and CONTRIBUTING use), and one that needs numpy says so in one line when numpy is missing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
SCRIPTS = sorted(p.name for p in BENCH.glob("bench_*.py"))
# Run here with --quick; tests/test_bench.py runs the others (speed, core, checkpoint, accel).
QUICK_HERE = {
    "bench_erf.py": "ratio",
    "bench_optim.py": "old/new",
    "bench_cross_entropy.py": "cross_entropy forward+backward",
}


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("MATCH_ACCEL", None)
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, env=env, timeout=300
    )


def test_the_scripts_are_the_ones_expected() -> None:
    assert set(QUICK_HERE) <= set(SCRIPTS)


@pytest.mark.parametrize("script", SCRIPTS)
def test_every_bench_offers_quick_in_its_help(script: str) -> None:
    if script == "bench_accel.py":
        pytest.importorskip("numpy")
    done = _run(str(BENCH / script), "--help")
    assert done.returncode == 0, done.stderr
    assert "--quick" in done.stdout


@pytest.mark.parametrize("script", sorted(QUICK_HERE))
def test_bench_runs_quick(script: str) -> None:
    done = _run(str(BENCH / script), "--quick")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert QUICK_HERE[script] in done.stdout


def test_bench_accel_without_numpy_says_so_in_one_line() -> None:
    code = (
        "import runpy, sys; sys.modules['numpy'] = None; "
        "sys.argv = ['bench_accel.py', '--quick']; "
        f"runpy.run_path({str(BENCH / 'bench_accel.py')!r}, run_name='__main__')"
    )
    done = _run("-c", code)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.strip() == (
        "bench_accel: needs numpy (pip install numpy); it times Match's numpy backend"
    )
