"""What the demos share: quick mode, and "plot if matplotlib is available".

Every demo starts with the same few lines, which put this folder and the repository root on
`sys.path` (so that `import match` and `import _plotting` work from any directory, with nothing
installed), then imports from here:

    QUICK       True when MATCH_DEMO_QUICK=1: the demos use less data and fewer epochs and
                finish in seconds (this is how the tests run them).
    quick(a, b) a normally, b in quick mode.
    available() True if matplotlib can be imported.
    show(name, draw)
                Draw a figure with `draw(plt)`, where `plt` is matplotlib.pyplot. In a notebook
                the figure is shown; in a script it is saved as NAME.png next to the demos
                (or in the folder named by MATCH_DEMO_PLOT_DIR). If
                matplotlib is not installed, nothing is drawn: the first call prints one line
                saying so, and the demo carries on.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
# Where scripts save their figures: next to the demos, unless MATCH_DEMO_PLOT_DIR says otherwise.
PLOT_DIR = os.environ.get("MATCH_DEMO_PLOT_DIR") or HERE
QUICK = os.environ.get("MATCH_DEMO_QUICK", "").strip() not in ("", "0")


def quick(normal: Any, small: Any) -> Any:
    """`normal`, or `small` when MATCH_DEMO_QUICK=1."""
    return small if QUICK else normal


def in_notebook() -> bool:
    """True inside Jupyter (an IPython kernel), where figures are shown instead of saved."""
    return "ipykernel" in sys.modules


def _pyplot() -> Any:
    """matplotlib.pyplot, or None if matplotlib cannot be imported."""
    try:
        import matplotlib
    except ImportError:
        return None
    if not in_notebook():
        matplotlib.use("Agg")  # a script saves its figures: no window, no display needed
    import matplotlib.pyplot as plt

    return plt


_NOT_LOADED = object()
_plt: Any = _NOT_LOADED
_told = False


def available() -> bool:
    """True if matplotlib can be imported (then `show` draws; else demos may print text)."""
    global _plt
    if _plt is _NOT_LOADED:
        _plt = _pyplot()
    return _plt is not None


def show(name: str, draw: Callable[[Any], None]) -> str | None:
    """Run `draw(plt)` on a new figure and show or save it; returns the PNG path if saved."""
    global _told
    if not available():
        if not _told:
            print(
                "(matplotlib is not installed, so the plots are skipped: "
                "pip install matplotlib to see them)"
            )
            _told = True
        return None
    _plt.figure(figsize=(6.4, 4.4))
    draw(_plt)
    _plt.tight_layout()
    if in_notebook():
        _plt.show()
        return None
    os.makedirs(PLOT_DIR, exist_ok=True)
    path = os.path.join(PLOT_DIR, f"{name}.png")
    _plt.savefig(path, dpi=90)
    _plt.close("all")
    try:
        shown = os.path.relpath(path)
    except ValueError:  # Windows: another drive than the current directory
        shown = path
    print(f"(plot saved to {shown})")
    return path
