"""Figures for the demos, described as data, then drawn wherever the demo runs.

A demo builds each figure from plain lists, as panels of series, and calls `show`:

    show("demo_linear_1d",
         panel(line(losses), title="loss", xlabel="step", ylog=True),
         panel(points(xs, ys, label="data"), line([x0, x1], [y0, y1], label="fit")))

`show` then does the first of these that it can:

1. a figure handler is set (`set_figure_handler`; the browser page sets one): it gets the figure
   as a dict of lists, strings and numbers that `json.dumps` can write, and draws it itself;
2. matplotlib can be imported: the figure is drawn, shown inline in a notebook, or saved as
   NAME.png when the demo runs as a script;
3. neither: nothing is drawn; the first such call prints one line saying so (the demos print a
   text version of the figures that matter instead, see `available`).

matplotlib is optional and imported here only, the first time a figure is drawn. `quick(a, b)`
is the demos' quick mode: `b` when MATCH_DEMO_QUICK=1 (fewer data and epochs: seconds, not
minutes), else `a`.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

Series = dict[str, Any]
Panel = dict[str, Any]
Figure = dict[str, Any]


def heading(title: str) -> None:
    """Print a section's title, underlined, when a demo runs as a script or in the browser page,
    so its output reads in sections as the notebook does; in a notebook the markdown cell above
    already shows the title, and nothing is printed."""
    if in_notebook():
        return
    title = title.replace("`", "")
    print(f"\n{title}\n{'-' * len(title)}")


def quick(normal: Any, small: Any) -> Any:
    """`normal`, or `small` when the environment variable MATCH_DEMO_QUICK is set (not to 0)."""
    return small if os.environ.get("MATCH_DEMO_QUICK", "").strip() not in ("", "0") else normal


# ---------------------------------------------------------------------------------------------
# Describing a figure
# ---------------------------------------------------------------------------------------------


def line(*xy: Sequence[float], label: str = "", dashed: bool = False) -> Series:
    """A line through points, as in matplotlib: `line(y)` (x is 0, 1, 2, ...) or `line(x, y)`."""
    if len(xy) not in (1, 2):
        raise TypeError(f"line: expected line(y) or line(x, y), got {len(xy)} sequences")
    x, y = (list(range(len(xy[0]))), xy[0]) if len(xy) == 1 else xy
    return {"kind": "line", "x": list(x), "y": list(y), "label": label, "dashed": dashed}


def points(x: Sequence[float], y: Sequence[float], label: str = "") -> Series:
    """Unconnected points (a scatter plot) at (x[i], y[i])."""
    return {"kind": "points", "x": list(x), "y": list(y), "label": label}


def contour(
    x: Sequence[float], y: Sequence[float], z: Sequence[Sequence[float]], level: float = 0.5
) -> Series:
    """Values z[j][i] at (x[i], y[j]) shaded by size, with the line where they cross `level`."""
    return {
        "kind": "contour",
        "x": list(x),
        "y": list(y),
        "z": [list(r) for r in z],
        "level": level,
    }


def image(z: Sequence[Sequence[float]], colors: str = "blues", numbers: bool = False) -> Series:
    """A grid of values as coloured cells, row 0 at the top; `colors` is "blues" or "gray"
    (dark is large). With `numbers`, each nonzero value is written in its cell."""
    if colors not in ("blues", "gray"):
        raise ValueError(f"image: colors must be 'blues' or 'gray', got {colors!r}")
    return {"kind": "image", "z": [list(r) for r in z], "colors": colors, "numbers": numbers}


def panel(
    *series: Series,
    title: str = "",
    xlabel: str = "",
    ylabel: str = "",
    ylog: bool = False,
    xlim: tuple[float, float] | None = None,
    ylim: tuple[float, float] | None = None,
    axes: bool = True,
) -> Panel:
    """One plot: the series drawn over each other, with its title and axes."""
    return {
        "series": list(series),
        "title": title,
        "xlabel": xlabel,
        "ylabel": ylabel,
        "ylog": ylog,
        "xlim": None if xlim is None else list(xlim),
        "ylim": None if ylim is None else list(ylim),
        "axes": axes,
    }


# ---------------------------------------------------------------------------------------------
# Showing it
# ---------------------------------------------------------------------------------------------

_handler: Callable[[Figure], None] | None = None
_NOT_LOADED = object()
_plt: Any = _NOT_LOADED
_told = False


def set_figure_handler(handler: Callable[[Figure], None] | None) -> None:
    """Send every figure `show` makes to `handler` instead of matplotlib (None: stop that)."""
    global _handler
    _handler = handler


def _quiet_broken_pipe(kind: type[BaseException], error: BaseException, tb: Any) -> None:
    """sys.excepthook while a demo runs as a script: a reader that leaves early
    (`python demos/demo_linear.py | head`) ends the demo quietly, with status 1, instead of a
    BrokenPipeError traceback; every other exception goes to the hook that was there before."""
    if issubclass(kind, BrokenPipeError):
        # Python's documented recipe: stdout to the null device, so the flush at exit succeeds.
        with contextlib.suppress(OSError, ValueError, AttributeError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return
    _previous_hook(kind, error, tb)


# Installed on import (the demos import this module), only over Python's own hook: a notebook's
# or another tool's hook is left alone.
_previous_hook = sys.excepthook
if sys.excepthook is sys.__excepthook__:
    sys.excepthook = _quiet_broken_pipe


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


def available() -> bool:
    """True if `show` draws figures (a handler is set, or matplotlib can be imported); when
    False, a demo prints a text version of its figures instead."""
    global _plt
    if _handler is not None:
        return True
    if _plt is _NOT_LOADED:
        _plt = _pyplot()
    return _plt is not None


def plot_dir() -> str:
    """Where scripts save their figures: MATCH_DEMO_PLOT_DIR, else next to the running script
    (the current directory when there is none, as in a notebook)."""
    script = getattr(sys.modules.get("__main__"), "__file__", None)
    folder = os.path.dirname(os.path.abspath(script)) if script else os.getcwd()
    return os.environ.get("MATCH_DEMO_PLOT_DIR") or folder


def show(name: str, *panels: Panel, columns: int | None = None) -> str | None:
    """Draw the panels as one figure called `name`, side by side in rows of `columns` (all in
    one row by default); returns the PNG path when a script saved it."""
    global _told
    if not panels:
        return None
    figure = {"name": name, "panels": list(panels), "columns": columns or len(panels)}
    if _handler is not None:
        _handler(figure)
        return None
    if not available():
        if not _told:
            print(
                "(matplotlib is not installed, so the plots are skipped: "
                "pip install matplotlib to see them)"
            )
            _told = True
        return None
    draw(_plt, figure)
    if in_notebook():
        _plt.show()
        return None
    os.makedirs(plot_dir(), exist_ok=True)
    path = os.path.join(plot_dir(), f"{name}.png")
    _plt.savefig(path, dpi=90)
    _plt.close("all")
    try:
        shown = os.path.relpath(path)
    except ValueError:  # Windows: another drive than the current directory
        shown = path
    print(f"(plot saved to {shown})")
    return path


def draw(plt: Any, figure: Figure) -> None:
    """Draw a figure made by `show` with matplotlib.pyplot `plt`, in a new matplotlib figure."""
    columns = figure["columns"]
    rows = math.ceil(len(figure["panels"]) / columns)
    plt.figure(figsize=(6.4, 4.4))
    for k, spec in enumerate(figure["panels"], start=1):
        ax = plt.subplot(rows, columns, k)
        for series in spec["series"]:
            _DRAW[series["kind"]](ax, series)
        ax.set_title(spec["title"], fontsize=9 if rows > 1 else None)
        ax.set_xlabel(spec["xlabel"])
        ax.set_ylabel(spec["ylabel"])
        if spec["ylog"]:
            ax.set_yscale("log")
        if spec["xlim"]:
            ax.set_xlim(*spec["xlim"])
        if spec["ylim"]:
            ax.set_ylim(*spec["ylim"])
        if not spec["axes"]:
            ax.axis("off")
        if any(s.get("label") for s in spec["series"]):
            ax.legend()
    plt.tight_layout()


def _draw_line(ax: Any, s: Series) -> None:
    ax.plot(s["x"], s["y"], "--" if s["dashed"] else "-", label=s["label"] or None)


def _draw_points(ax: Any, s: Series) -> None:
    ax.scatter(s["x"], s["y"], s=14, edgecolors="k", linewidths=0.4, label=s["label"] or None)


# Decision regions: pale blue for low values (class 0), pale orange for high (class 1), so that
# points in matplotlib's first two colours (blue, orange) stand out on both; the page uses the
# same colours.
REGION_COLORS = ("#c6dbef", "#ffffff", "#fdd0a2")


def _draw_contour(ax: Any, s: Series) -> None:
    from matplotlib.colors import LinearSegmentedColormap

    regions = LinearSegmentedColormap.from_list("regions", REGION_COLORS)
    ax.contourf(s["x"], s["y"], s["z"], levels=20, cmap=regions, vmin=0.0, vmax=1.0)
    ax.contour(s["x"], s["y"], s["z"], levels=[s["level"]], colors="k")


def _draw_image(ax: Any, s: Series) -> None:
    z = s["z"]
    ax.imshow(z, cmap="Blues" if s["colors"] == "blues" else "gray_r")
    if not s["numbers"]:
        return
    top = max(max(row) for row in z)
    for r, row in enumerate(z):
        for c, value in enumerate(row):
            if value:
                color = "white" if value > top / 2 else "black"
                ax.text(c, r, f"{value:g}", ha="center", va="center", color=color, fontsize=8)
    ax.set_xticks(range(len(z[0])))
    ax.set_yticks(range(len(z)))


_DRAW: dict[str, Callable[[Any, Series], None]] = {
    "line": _draw_line,
    "points": _draw_points,
    "contour": _draw_contour,
    "image": _draw_image,
}
