"""Save and load state dicts as human-readable JSON: `match.save(obj, path)`, `match.load(path)`.

What can be saved: dicts (string or int keys; int keys come back as strings, which
`Optimizer.load_state_dict` accepts), lists and tuples (tuples come back as lists), numbers,
booleans, None and strings, with List2D and Matrix values stored as nested lists of floats.
That covers `model.state_dict()`, `optimizer.state_dict()` and scheduler state.

The file is plain JSON (one matrix row per line), so `json.load` reads it too, and loading it
never runs code (unlike pickle). Floats are written with `repr`, so they come back exactly; nan
and infinities are written as JSON's common extensions NaN and Infinity.

`load` checks the file: a file that is not JSON (malformed or truncated), whose top level is not
a dict or list, or that holds ragged nested lists (rows of different lengths), raises a
ValueError naming the file.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

from .list2d import List2D
from .matrix import Matrix

__all__ = ["save", "load"]

PathLike = str | os.PathLike


def _plain(obj: Any, where: str) -> Any:
    """obj as JSON-ready dicts, lists and scalars; TypeError naming where anything else is."""
    if isinstance(obj, Matrix):
        return obj.data.tolist()
    if isinstance(obj, List2D):
        return obj.tolist()
    if obj is None or isinstance(obj, (bool, str, int, float)):
        return obj
    if isinstance(obj, dict):
        out = {}
        for key, value in obj.items():
            if isinstance(key, bool) or not isinstance(key, (str, int)):
                raise TypeError(f"save: dict keys must be strings or ints, got {key!r} at {where}")
            out[str(key)] = _plain(value, f"{where}[{key!r}]")
        return out
    if isinstance(obj, (list, tuple)):
        return [_plain(v, f"{where}[{i}]") for i, v in enumerate(obj)]
    if hasattr(obj, "tolist"):  # a torch tensor or numpy array
        return _plain(obj.tolist(), where)
    raise TypeError(
        f"save: cannot store a {type(obj).__name__} (at {where}); only dicts, "
        "lists, numbers, strings, booleans, None, List2D and Matrix are allowed"
    )


def _scalar(value: Any) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if value != value else ("Infinity" if value > 0 else "-Infinity")
    return json.dumps(value)


def _dump(obj: Any, indent: int = 0) -> str:
    """JSON text: dicts one key per line, each matrix row on its own line."""
    pad = " " * indent
    inner = " " * (indent + 2)
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        items = [f"{inner}{json.dumps(k)}: {_dump(v, indent + 2)}" for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, list):
        if all(not isinstance(v, (dict, list)) for v in obj):
            return "[" + ", ".join(_scalar(v) for v in obj) + "]"
        items = [inner + _dump(v, indent + 2) for v in obj]
        return "[\n" + ",\n".join(items) + "\n" + pad + "]"
    return _scalar(obj)


def save(obj: Any, path: PathLike) -> None:
    """Write obj (a state dict, or plain nested dicts/lists of numbers) to path as JSON.

    The file is written to a temporary name first and then renamed, so an interrupted save
    never leaves a half-written file under `path`.
    """
    text = _dump(_plain(obj, "obj")) + "\n"
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _check(obj: Any, where: str, path: PathLike) -> None:
    """Reject ragged nested lists (and lists mixing rows with numbers)."""
    if isinstance(obj, dict):
        for key, value in obj.items():
            _check(value, f"{where}[{key!r}]", path)
    elif isinstance(obj, list):
        lists = [v for v in obj if isinstance(v, list)]
        if lists:
            if len(lists) != len(obj):
                raise ValueError(f"load: {path}: {where} mixes rows (lists) with other values")
            widths = {len(v) for v in lists}
            if len(widths) > 1:
                raise ValueError(
                    f"load: {path}: {where} is ragged: its rows have lengths {sorted(widths)}"
                )
        for i, value in enumerate(obj):
            _check(value, f"{where}[{i}]", path)


def load(path: PathLike) -> Any:
    """Read what `save` wrote (plain dicts, lists and numbers; nothing is executed).

    Raises FileNotFoundError for a missing file and ValueError, naming the file, for one that
    is not valid JSON (malformed or truncated), not a dict or list at the top, or ragged.
    """
    raw = Path(path).read_bytes()
    try:
        text = raw.decode("utf-8")
        obj = json.loads(text)
    except UnicodeDecodeError as e:
        raise ValueError(f"load: {path} is not a Match JSON file (not UTF-8 text: {e})") from None
    except json.JSONDecodeError as e:
        raise ValueError(
            f"load: {path} is not valid JSON (malformed or truncated?): {e.msg} at "
            f"line {e.lineno}, column {e.colno}"
        ) from None
    if not isinstance(obj, (dict, list)):
        raise ValueError(
            f"load: {path} holds a {type(obj).__name__}, expected a dict or list (a state dict)"
        )
    _check(obj, "top level", path)
    return obj
