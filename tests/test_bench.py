"""Every benchmark in bench/ runs to the end in its --quick mode (no timings are checked)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"

try:
    import numpy  # noqa: F401

    HAVE_NUMPY = True
except ImportError:
    HAVE_NUMPY = False

# script -> words its output must contain
EXPECTED = {
    "bench_speed.py": ["8x8 op chain", "pure-Python train step", "import match"],
    "bench_core.py": ["matmul", "MLP train step"],
    "bench_checkpoint.py": ["checkpoint"],
    "bench_accel.py": ["ratios"],
    "bench_reading_path.py": ["one training step runs", "match/autograd.py"],
}


@pytest.mark.parametrize("script", sorted(EXPECTED))
def test_bench_runs_quick(script: str) -> None:
    if script == "bench_accel.py" and not HAVE_NUMPY:
        pytest.skip("bench_accel needs numpy")
    env = dict(os.environ)
    env.pop("MATCH_ACCEL", None)
    done = subprocess.run(
        [sys.executable, str(BENCH / script), "--quick"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    for words in EXPECTED[script]:
        assert words in done.stdout, done.stdout[-2000:]
    if script == "bench_speed.py" and HAVE_NUMPY:
        assert "train step, batch 16" in done.stdout
