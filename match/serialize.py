"""Save and load state dicts as human-readable JSON: `match.save(obj, path)`, `match.load(path)`.

What can be saved: dicts (string or int keys; int keys come back as strings, which
`Optimizer.load_state_dict` accepts), lists and tuples (tuples come back as lists), numbers,
booleans, None and strings, with List2D and Matrix values stored as nested lists of floats.
That covers `model.state_dict()`, `optimizer.state_dict()` and scheduler state.

The file is plain JSON (one matrix row per line), so `json.load` reads it too, and loading it
never runs code (unlike pickle). Floats are written with `repr`, so they come back exactly; nan
and infinities are written as JSON's common extensions NaN and Infinity.

`load` treats every file as possibly hostile and raises a ValueError naming the file (and, inside
it, the key path) for anything `save` would not have written:
- not a regular file (a directory, a FIFO, a device such as /dev/zero, or a link to one); such a
  path is never opened, so nothing blocks or reads for ever;
- larger than `max_bytes` (default `MAX_BYTES`, 1 GiB; pass a larger value to raise it);
- not UTF-8, not JSON (malformed or truncated), or a top level that is not a dict or list;
- nested deeper than `MAX_DEPTH` (32) dicts and lists; Match's own files nest at most 6 (a
  checkpoint dict holding an optimizer state dict), and the check runs before JSON parsing, so
  a 100,000-deep `[[[...` file costs one scan instead of a RecursionError;
- an integer or float that overflows a float (`1e400`, a 5,000-digit integer);
- a dict with the same key twice; ragged matrices (rows of different lengths), lists mixing
  rows with other values, or matrix entries that are not numbers.
`save` refuses the same things (TypeError or ValueError naming the key path), so whatever it
writes, `load` reads back.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import secrets
import stat
from collections import Counter
from typing import Any

from .checks import check_flag, check_int, is_int, is_number
from .torch_surface import check_device, device

__all__ = ["save", "load", "FORMAT_VERSION", "MAX_BYTES", "MAX_DEPTH"]

PathLike = str | os.PathLike

MAX_BYTES = 1 << 30  # load's default size cap (1 GiB); raise it with load(path, max_bytes=...)
MAX_DEPTH = 32  # deepest nesting of dicts and lists that save writes and load reads
_TOO_BIG = "is an integer too large for a float"
FORMAT_NAME = "match.save"  # the file's "format" field
# The file's "version" field. 1: {"format", "version", "data"}; files without the wrapper
# (written before it existed) load as they are.
FORMAT_VERSION = 1
_WRAPPED = re.compile(r'\s*\{\s*"format"\s*:\s*"match\.save"')


def _plain(obj: Any, where: str, depth: int = 1) -> Any:
    """obj as JSON-ready dicts, lists and scalars. TypeError naming where anything else is;
    ValueError where dicts and lists nest deeper than MAX_DEPTH (a list holding itself, say)."""
    if obj is None or isinstance(obj, (bool, str, int, float)):
        return obj
    if not isinstance(obj, (dict, list, tuple)):
        if not hasattr(obj, "tolist"):  # List2D, Matrix, a torch tensor or a numpy array do
            raise TypeError(
                f"save: cannot store a {type(obj).__name__} (at {where}); only dicts, "
                "lists, numbers, strings, booleans, None, List2D and Matrix are allowed"
            )
        return _plain(obj.tolist(), where, depth)
    if depth > MAX_DEPTH:
        raise ValueError(
            f"save: {where} nests deeper than {MAX_DEPTH} levels, which load refuses "
            "(does a list or dict hold itself?)"
        )
    if isinstance(obj, (list, tuple)):
        return [_plain(v, f"{where}[{i}]", depth + 1) for i, v in enumerate(obj)]
    out = {}
    for key, value in obj.items():
        if isinstance(key, bool) or not isinstance(key, (str, int)):
            raise TypeError(f"save: dict keys must be strings or ints, got {key!r} at {where}")
        if str(key) in out:
            raise ValueError(f"save: {where} has two keys that both are '{key}' as strings")
        out[str(key)] = _plain(value, f"{where}[{key!r}]", depth + 1)
    return out


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

    Refuses (TypeError or ValueError naming the key path, before writing anything) what `load`
    would refuse. The file holds `{"format": "match.save", "version": FORMAT_VERSION, "data":
    obj}`, so that a later Match can tell its formats apart. How it is written, so that `path`
    holds either the old file or the whole new one, whatever happens (see `_write_atomically`):
    a temporary file with a unique name in the same directory, created without following a
    link, flushed to disk, given the old file's permissions and renamed over `path`; removed
    again if anything fails. A `path` that is a link to a file writes the file it points to
    (as torch.save does); a read-only file (no write permission bit) is refused with a
    PermissionError, as is a directory or special file with a ValueError.
    """
    _check_path(path, "save")
    plain = _plain(obj, "obj")
    found = _problem(plain)
    if found is not None:
        raise ValueError(f"save: {_where('obj', found)}, which load refuses")
    text = _dump({"format": FORMAT_NAME, "version": FORMAT_VERSION, "data": plain}) + "\n"
    _write_atomically(text.encode("utf-8"), path)


def _target(path: PathLike) -> tuple[str, int | None]:
    """The file that save replaces (a link resolved to the file it points to) and the
    permission bits to give the new one (None: a new file, which gets 0o666 less the umask)."""
    target = os.path.realpath(path) if os.path.islink(path) else os.path.abspath(path)
    try:
        info = os.stat(target)
    except FileNotFoundError:
        if not os.path.isdir(os.path.dirname(target)):
            raise FileNotFoundError(
                f"save: the directory of {path} does not exist: {os.path.dirname(target)}"
            ) from None
        return target, None
    if not stat.S_ISREG(info.st_mode):
        kind = _KINDS.get(stat.S_IFMT(info.st_mode), "a special file")
        raise ValueError(f"save: {path} is {kind}, not a regular file; choose another path")
    mode = stat.S_IMODE(info.st_mode)
    # the write bits, not os.access: root may write anything, but a file made read-only is a
    # request not to replace it
    if not mode & 0o222 or not os.access(target, os.W_OK):
        raise PermissionError(
            f"save: {path} is read-only (mode {mode:04o}); make it writable "
            "(chmod u+w) or save to another path"
        )
    return target, mode


def _temp_name(target: str) -> str:
    """A fresh hidden name beside target, short enough for any file name that is legal (255
    bytes): at most 40 characters of target's name, then random hex."""
    directory, name = os.path.split(target)
    return os.path.join(directory, f".{name[:40]}.{secrets.token_hex(8)}.tmp")


def _write_atomically(data: bytes, path: PathLike) -> None:
    """Replace path's file with data, all or nothing (see `save`)."""
    target, mode = _target(path)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    # O_EXCL: the name must be new, so a link planted there is never followed (nor is one
    # followed with O_NOFOLLOW where it exists); a name taken already just draws another
    flags |= getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    tmp = fd = None
    try:
        for _ in range(100):
            tmp = _temp_name(target)
            try:
                fd = os.open(tmp, flags, 0o666)
                break
            except FileExistsError:
                tmp = None  # someone else's: not ours to remove
        else:  # pragma: no cover - 100 collisions of 64 random bits
            raise RuntimeError(f"save: could not find a free temporary name beside {path}")
        if mode is not None:  # the old file's permissions (0600 stays 0600)
            os.fchmod(fd, mode) if hasattr(os, "fchmod") else os.chmod(tmp, mode)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)  # the bytes are on disk before the name points at them
        fd = os.close(fd)  # None, in the same statement: an interrupt cannot come between
        os.replace(tmp, target)
    except BaseException as error:
        # an interrupt (Ctrl-C) or a failure anywhere above leaves nothing behind
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        if isinstance(error, OSError) and error.errno is not None:
            raise type(error)(
                error.errno,
                f"save: could not write {path} ({error.strerror}); the file there, if any, "
                "is unchanged",
            ) from error
        raise
    _sync_directory(os.path.dirname(target))


def _sync_directory(directory: str) -> None:
    """fsync the directory, so that the rename itself survives a power cut (POSIX only: other
    systems cannot open a directory, and there the rename is all that can be done)."""
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


# -- loading ---------------------------------------------------------------------------------


class _Refused:
    """Stands in the parsed tree for a value that load refuses, so that the error can name
    the key path that leads to it (the JSON parser's hooks cannot know it)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


def _float_overflows(n: int) -> bool:
    try:
        float(n)
    except OverflowError:
        return True
    return False


def _parse_int(digits: str) -> int | _Refused:
    # more digits than any float-sized integer has: refuse before int() (slow, and capped by
    # Python at 4,300 digits) ever sees them
    if len(digits.lstrip("-")) > 310:
        return _Refused(_TOO_BIG)
    return int(digits)


def _parse_float(text: str) -> float | _Refused:
    value = float(text)
    if math.isinf(value):  # the literals Infinity and -Infinity do not come through here
        return _Refused(f"is {text:.40}, which overflows a float")
    return value


def _dict(pairs: list[tuple[str, Any]]) -> dict[str, Any] | _Refused:
    obj = dict(pairs)
    if len(obj) < len(pairs):
        twice = next(key for key, n in Counter(key for key, _ in pairs).items() if n > 1)
        return _Refused(f"has the key {twice!r} more than once")
    return obj


def _problem(obj: Any) -> tuple[list[Any], str] | None:
    """The first thing in obj that Match's format does not allow, as (key path, what is
    wrong), or None. The key path is built only on the way out, so a clean walk is cheap."""
    if isinstance(obj, _Refused):
        return [], obj.reason
    if is_int(obj) and _float_overflows(obj):
        return [], _TOO_BIG
    if isinstance(obj, dict):
        items = obj.items()
    elif isinstance(obj, list):
        rows = [v for v in obj if isinstance(v, list)]
        if rows and len(rows) != len(obj):
            return [], "mixes rows (lists) with other values"
        if len({len(row) for row in rows}) > 1:
            widths = sorted({len(row) for row in rows})
            return [], f"is ragged: its rows have lengths {widths}"
        for i, row in enumerate(rows):
            for j, value in enumerate(row):
                if not is_number(value) and not isinstance(value, _Refused):
                    return [i, j], f"is {value!r:.40}, not a number (a matrix holds only numbers)"
        items = enumerate(obj)
    else:
        return None
    for key, value in items:
        found = _problem(value)
        if found is not None:
            return [key, *found[0]], found[1]
    return None


def _where(top: str, found: tuple[list[Any], str]) -> str:
    keys, what = found
    return top + "".join(f"[{key!r}]" for key in keys) + " " + what


# A JSON string (whose brackets do not count) or a bracket.
_STRING_OR_BRACKET = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


def _check_depth(text: str, path: PathLike) -> None:
    """ValueError if dicts and lists nest deeper than MAX_DEPTH (one more in a file with the
    format wrapper): one linear scan that stops at the first bracket too deep, so that the
    recursive JSON parser never meets a bomb."""
    depth, limit = 0, MAX_DEPTH + 1 if _WRAPPED.match(text) else MAX_DEPTH
    for token in _STRING_OR_BRACKET.finditer(text):
        bracket = text[token.start()]
        if bracket in "[{":
            depth += 1
            if depth > limit:
                line = text.count("\n", 0, token.start()) + 1
                raise ValueError(
                    f"load: {path} nests dicts and lists deeper than {MAX_DEPTH} levels "
                    f"(at line {line}); Match files nest a few levels"
                )
        elif bracket in "]}":
            depth -= 1


_KINDS = {
    stat.S_IFDIR: "a directory",
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
}


def _check_path(path: Any, op: str) -> None:
    """save and load take a str or a path-like object, nothing else (an int would be a file
    descriptor to os.stat)."""
    if isinstance(path, bool) or not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{op}: path must be a str or os.PathLike, got {type(path).__name__}")


def _check_regular(info: os.stat_result, path: PathLike, max_bytes: int) -> None:
    if not stat.S_ISREG(info.st_mode):
        kind = _KINDS.get(stat.S_IFMT(info.st_mode), "a special file")
        raise ValueError(f"load: {path} is {kind}, not a regular file")
    if info.st_size > max_bytes:
        raise ValueError(_too_large(path, max_bytes))


def _too_large(path: PathLike, max_bytes: int) -> str:
    return (
        f"load: {path} is larger than max_bytes={max_bytes:,} bytes; "
        "pass a larger max_bytes to load it"
    )


def _read(path: PathLike, max_bytes: int) -> bytes:
    """The bytes of a regular file of at most max_bytes. The path is checked before it is
    opened, so a FIFO is never opened (nothing blocks) and a device never read (nothing is
    endless); and checked again once open, and read with the cap, in case it changed between."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise FileNotFoundError(f"load: no such file: {path}") from None
    _check_regular(info, path, max_bytes)
    # O_NONBLOCK: had the path become a FIFO after the check, opening it still returns at once
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb") as f:
        _check_regular(os.fstat(fd), path, max_bytes)
        chunks, size = [], 0
        while chunk := f.read(1 << 20):
            size += len(chunk)
            if size > max_bytes:
                raise ValueError(_too_large(path, max_bytes))
            chunks.append(chunk)
    return b"".join(chunks)


def load(
    path: PathLike,
    map_location: Any = None,
    *,
    weights_only: bool | None = None,
    max_bytes: int = MAX_BYTES,
) -> Any:
    """Read what `save` wrote (plain dicts, lists and numbers; nothing is executed).

    Raises FileNotFoundError for a missing file, and ValueError naming the file (and the key
    path inside it) for anything `save` would not have written: see the module docstring.
    max_bytes caps the file's size (default 1 GiB); Python's objects take several times the
    file's size in memory.

    torch's `weights_only=True` or `False` and `map_location='cpu'` are accepted so that
    `torch.load(path, weights_only=True)` ports as it is: a Match file holds no code either
    way (it is JSON), so both read the same; a map_location other than the CPU raises.
    """
    if weights_only is not None:
        check_flag(weights_only, "load", "weights_only")
    if map_location is not None:
        if not isinstance(map_location, (str, device)) and type(map_location).__name__ != "device":
            raise TypeError(
                f"load: map_location must be 'cpu' or a device, got "
                f"{type(map_location).__name__}; drop it: Match's files hold no storages to map"
            )
        check_device(map_location, "load")
    check_int(max_bytes, "load", "max_bytes", 1)
    _check_path(path, "load")
    raw = _read(path, max_bytes)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ValueError(f"load: {path} is not a Match JSON file (not UTF-8 text: {e})") from None
    _check_depth(text, path)
    try:
        obj = json.loads(
            text, parse_int=_parse_int, parse_float=_parse_float, object_pairs_hook=_dict
        )
    except json.JSONDecodeError as e:
        raise ValueError(
            f"load: {path} is not valid JSON (malformed or truncated?): {e.msg} at "
            f"line {e.lineno}, column {e.colno}"
        ) from None
    found = _problem(obj)
    if found is not None:
        raise ValueError(f"load: {path}: {_where('top level', found)}")
    if isinstance(obj, dict) and obj.get("format") == FORMAT_NAME:
        obj = _unwrap(obj, path)
    if not isinstance(obj, (dict, list)):
        raise ValueError(
            f"load: {path} holds a {type(obj).__name__}, expected a dict or list (a state dict)"
        )
    return obj


def _unwrap(obj: dict[str, Any], path: PathLike) -> Any:
    """The data of a file with the format wrapper, after checking its version."""
    version = obj.get("version")
    if not is_int(version) or version < 1:
        raise ValueError(f"load: {path} has format version {version!r:.40}, not a version number")
    if version > FORMAT_VERSION:
        raise ValueError(
            f"load: {path} was written by a newer Match (file format version {version}); this "
            f"Match reads versions up to {FORMAT_VERSION}: upgrade Match to load it"
        )
    if set(obj) != {"format", "version", "data"}:
        extra = sorted(set(obj) - {"format", "version"})
        raise ValueError(
            f"load: {path} should hold the keys 'format', 'version' and 'data', got {extra}"
        )
    return obj["data"]
