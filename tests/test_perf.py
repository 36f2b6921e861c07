"""The speed changes of issue 13 keep results and behaviour: no timings here (see bench/).

- the pure matmul kernels' fresh-float columns give the same numbers, bit for bit, as columns
  straight from zip;
- the numpy backend ignores floating-point errors without touching the caller's error state,
  in every thread, with numpy 2's per-context state and with the per-call fallback;
- `import match` leaves json, pathlib, logging, subprocess and shutil for later.
"""

from __future__ import annotations

import math
import os
import random
import struct
import subprocess
import sys
import threading
import warnings
from pathlib import Path
from typing import Any

import pytest

from match.backend import python as pure

ROOT = Path(__file__).resolve().parent.parent

try:
    import numpy as np
except ImportError:  # the pure-Python tests still run
    np = None  # type: ignore[assignment]

needs_numpy = pytest.mark.skipif(np is None, reason="numpy is not installed")


def bits(rows: Any) -> list[list[bytes]]:
    """Each float's 8 bytes, so that -0.0 != 0.0 and nan payloads count."""
    return [[struct.pack("<d", x) for x in row] for row in rows]


def rows(nrow: int, ncol: int, seed: int) -> list[list[float]]:
    """Gaussian rows with a few special values sprinkled in."""
    rng = random.Random(seed)
    out = [[rng.gauss(0.0, 1.0) for _ in range(ncol)] for _ in range(nrow)]
    out[0][0], out[1][2], out[2][1] = -0.0, math.inf, -1e-300
    return out


@pytest.mark.parametrize("shape", [(3, 4), (130, 127), (200, 90)])
def test_columns_hold_the_same_floats(shape: tuple[int, int]) -> None:
    b = rows(*shape, seed=1)
    b[-1][-1] = math.nan
    assert bits(pure.columns(b)) == bits(zip(*b))
    fresh = shape[0] * shape[1] >= pure.FRESH_COLUMNS_FROM
    assert all(isinstance(col, list if fresh else tuple) for col in pure.columns(b))


@pytest.mark.parametrize("n", [7, 128, 140])
def test_products_are_bit_identical_to_zip_columns(n: int) -> None:
    kernels = pure.PythonKernels()
    a, b, c = rows(n, 130, seed=2), rows(130, 64, seed=3), rows(n, 64, seed=4)
    assert bits(kernels.matmul(a, b)) == bits(pure.dot_rows(a, list(zip(*b))))
    assert bits(kernels.t_matmul(a, c)) == bits(pure.dot_rows(zip(*a), list(zip(*c))))


def quiet_kernels_agree(kernels: Any) -> None:
    """log(0), 1/0, 0/0 and overflow give IEEE values, with no warning and the caller's numpy
    error state left as it was."""
    before = np.geterr()
    zero = kernels.from_rows([[0.0, 1e308]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert kernels.unary("log", zero)[0, 0] == -math.inf
        assert kernels.binary("div", 1.0, zero)[0, 0] == math.inf
        assert math.isnan(kernels.binary("div", zero, zero)[0, 0])
        assert kernels.binary("mul", zero, 10.0)[0, 1] == math.inf
    assert np.geterr() == before


@needs_numpy
def test_numpy_kernels_are_quiet_and_leave_the_error_state() -> None:
    from match.backend.array import ArrayKernels

    quiet_kernels_agree(ArrayKernels(np, "numpy"))
    with np.errstate(all="raise"):  # the caller's own setting holds outside the kernels
        quiet_kernels_agree(ArrayKernels(np, "numpy"))
        with pytest.raises(FloatingPointError):
            np.log(np.zeros(1))


@needs_numpy
def test_numpy_kernels_are_quiet_in_every_thread() -> None:
    from match.backend.array import ArrayKernels

    kernels = ArrayKernels(np, "numpy")
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(200):
                quiet_kernels_agree(kernels)
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


@needs_numpy
def test_per_call_errstate_fallback_is_quiet() -> None:
    """The path for numpy before 2.0 (error state per thread): errstate on each call."""
    from match.backend.array import ArrayKernels, _PerCallErrstate

    kernels = ArrayKernels(np, "numpy")
    kernels._quiet = _PerCallErrstate(np)
    quiet_kernels_agree(kernels)


def test_import_match_leaves_slow_modules_for_later() -> None:
    code = (
        "import sys, match\n"
        "later = {'json', 'pathlib', 'logging', 'subprocess', 'shutil', 'importlib.resources',\n"
        "         'match.serialize', 'match.tools.viz'}\n"
        "print(sorted(later & set(sys.modules)))\n"
        "from match import save, load\n"
        "print(callable(save) and match.load is load, 'match.serialize' in sys.modules)\n"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("MATCH_ACCEL", None)
    # -S: no site module, which may import some of these itself (through .pth files)
    done = subprocess.run(
        [sys.executable, "-S", "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == ["[]", "True True"]


@needs_numpy
def test_a_quiet_kernel_may_call_another() -> None:
    """A kernel added later (a fused update, say) may call the others: no context entered twice."""
    from match.backend.array import ArrayKernels, _run_quietly

    class Fused(ArrayKernels):
        def log_div(self, a: Any, b: Any) -> Any:
            return self.binary("div", self.unary("log", a), b)

    Fused.log_div = _run_quietly(Fused.log_div)  # type: ignore[method-assign]
    kernels = Fused(np, "numpy")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = kernels.log_div(kernels.from_rows([[0.0, 1.0]]), 0.0)
    assert out[0, 0] == -math.inf and math.isnan(out[0, 1])
