"""Accelerators: run List2D's kernels on numpy (CPU) or cupy (GPU) arrays instead of lists.

The public face of `match.backend`, where the code lives:

    match.accel.available()    # ['python', 'numpy'] when numpy is installed
    match.accel.use("numpy")   # matrices made from now on (in every thread) live in numpy arrays
    with match.accel.using("numpy"): ...   # the same, for one block, in this thread only
    match.accel.current()      # 'numpy'

or set `MATCH_ACCEL=numpy` before `import match` (pytest also takes `--backend numpy`). A
backend that is not installed (or cupy without a GPU) raises a RuntimeError that says what to
install, and changes nothing.
"""

from .backend import BACKENDS, available, current, kernels_for, use, using

__all__ = ["BACKENDS", "available", "current", "kernels_for", "use", "using"]
