"""Hostile files and hostile state: `match.load` refuses every file below with the documented
error (ValueError naming the file, FileNotFoundError for a missing one), at once and without
reading much; `Optimizer.load_state_dict` and `Module.load_state_dict` refuse hostile state
with a TypeError or ValueError and leave the optimizer or model as it was."""

from __future__ import annotations

import copy
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import match
from match import nn, optim
from match.serialize import MAX_DEPTH, load

HANG_LIMIT = 60  # seconds: a guard against a load that blocks for ever, not a speed test
DEEP = 100_000


def load_guarded(path: Path | str, **kwargs: Any) -> Any:
    """load(path) in a thread, so that a load that blocks fails the test instead of the suite."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = load(path, **kwargs)
        except BaseException as e:  # handed to the test below
            outcome["error"] = e

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(HANG_LIMIT)
    assert not thread.is_alive(), f"load({path}) blocked"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def text(content: str) -> Callable[[Path], Path]:
    return raw(content.encode("utf-8"))


def raw(content: bytes) -> Callable[[Path], Path]:
    def make(tmp_path: Path) -> Path:
        path = tmp_path / "hostile.json"
        path.write_bytes(content)
        return path

    return make


def directory(tmp_path: Path) -> Path:
    (tmp_path / "adir").mkdir()
    return tmp_path / "adir"


def fifo(tmp_path: Path) -> Path:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    os.mkfifo(tmp_path / "pipe")  # nobody writes: opening it for reading would block
    return tmp_path / "pipe"


def device(name: str) -> Callable[[Path], Path]:
    def make(tmp_path: Path) -> Path:
        if not Path(name).exists():
            pytest.skip(f"no {name} here")
        return Path(name)

    return make


def link_to(target: Callable[[Path], Path]) -> Callable[[Path], Path]:
    def make(tmp_path: Path) -> Path:
        link = tmp_path / "link.json"
        try:
            link.symlink_to(target(tmp_path))
        except OSError:
            pytest.skip("cannot make symlinks here")
        return link

    return make


def missing(tmp_path: Path) -> Path:
    return tmp_path / "nothing.json"


BIG_INT = "1" * 5000
OVER_FLOAT = str(2**1024)  # 309 digits: parses as an int, but float() overflows

# (id, how to make the path, max_bytes or None, the error type, what the message says)
CASES: list[tuple[str, Callable[[Path], Path], int | None, type, str]] = [
    # recursion bombs: refused by one scan before the JSON parser recurses
    ("deep-lists", text("[" * DEEP + "]" * DEEP), None, ValueError, "deeper than 32"),
    ("deep-dicts", text('{"a":' * DEEP + "1" + "}" * DEEP), None, ValueError, "deeper"),
    ("deep-unclosed", text("[" * DEEP), None, ValueError, "deeper"),
    ("deep-in-a-key", text('{"w": ' + "[" * DEEP + "]" * DEEP + "}"), None, ValueError, "deeper"),
    ("one-too-deep", text("[" * 33 + "]" * 33), None, ValueError, "deeper"),
    # number bombs: named with the key path
    ("5000-digit-int", text('{"step": ' + BIG_INT + "}"), None, ValueError, r"\['step'\] is an"),
    ("10**400", text('{"w": [[1' + "0" * 400 + "]]}"), None, ValueError, r"\['w'\]\[0\]\[0\]"),
    ("-10**400", text('{"w": [[-1' + "0" * 400 + "]]}"), None, ValueError, "too large for a"),
    ("2**1024", text('{"w": [[' + OVER_FLOAT + "]]}"), None, ValueError, "too large for a float"),
    ("1e400", text('{"w": [[1.0, 1e400]]}'), None, ValueError, r"\['w'\]\[0\]\[1\] is 1e400"),
    ("-1e400", text('{"w": [[-1e400]]}'), None, ValueError, "overflows a float"),
    (
        "1e999-in-optimizer-state",
        text('{"state": {"0": {"exp_avg": [[1e999]]}}, "param_groups": []}'),
        None,
        ValueError,
        r"\['state'\]\['0'\]\['exp_avg'\]\[0\]\[0\]",
    ),
    ("400-digit-float", text('{"w": [[' + "9" * 400 + ".0]]}"), None, ValueError, "overflows"),
    # literals JSON (and save) never write
    ("nan-lowercase", text('{"w": [[nan]]}'), None, ValueError, "not valid JSON"),
    ("inf-lowercase", text('{"w": [[inf]]}'), None, ValueError, "not valid JSON"),
    ("minus-nan", text('{"w": [[-NaN]]}'), None, ValueError, "not valid JSON"),
    ("plus-sign", text('{"w": [[+1.0]]}'), None, ValueError, "not valid JSON"),
    ("hex-number", text('{"w": [[0x10]]}'), None, ValueError, "not valid JSON"),
    # broken JSON
    ("truncated", text('{"weight": [[1.0, 2.0], [3.0'), None, ValueError, "not valid JSON"),
    ("empty", text(""), None, ValueError, "not valid JSON"),
    ("whitespace-only", text(" \n\t\n"), None, ValueError, "not valid JSON"),
    ("trailing-garbage", text('{"w": [[1.0]]} x'), None, ValueError, "not valid JSON"),
    ("two-documents", text("{}{}"), None, ValueError, "not valid JSON"),
    ("python-literal", text("{'w': [[1.0]]}"), None, ValueError, "not valid JSON"),
    ("trailing-comma", text('{"w": [[1.0],]}'), None, ValueError, "not valid JSON"),
    ("comment", text('// weights\n{"w": [[1.0]]}'), None, ValueError, "not valid JSON"),
    ("unterminated-string", text('{"w": "abc'), None, ValueError, "not valid JSON"),
    ("control-char", text('{"w": "a\x01b"}'), None, ValueError, "not valid JSON"),
    ("nul-bytes", raw(b"\x00" * 64), None, ValueError, "not valid JSON"),
    # wrong top level
    ("top-number", text("3.5"), None, ValueError, "expected a dict or list"),
    ("top-string", text('"weights"'), None, ValueError, "expected a dict or list"),
    ("top-null", text("null"), None, ValueError, "expected a dict or list"),
    ("top-true", text("true"), None, ValueError, "expected a dict or list"),
    # not a matrix
    ("ragged", text('{"w": [[1.0, 2.0], [3.0]]}'), None, ValueError, "ragged"),
    ("rows-and-numbers", text('{"w": [[1.0], 2.0]}'), None, ValueError, "mixes rows"),
    ("string-entry", text('{"w": [["a", 1.0]]}'), None, ValueError, r"\[0\]\[0\] is 'a', not a"),
    ("null-entry", text('{"w": [[1.0, null]]}'), None, ValueError, "None, not a number"),
    ("bool-entry", text('{"w": [[true]]}'), None, ValueError, "not a number"),
    ("3d-list", text('{"w": [[[1.0]]]}'), None, ValueError, "not a number"),
    ("dict-entry", text('{"w": [[{"a": 1}]]}'), None, ValueError, "not a number"),
    # keys
    ("duplicate-key", text('{"w": [[1.0]], "w": [[2.0]]}'), None, ValueError, "'w' more than"),
    (
        "duplicate-nested-key",
        text('{"state": {"0": {"step": 1, "step": 2}}}'),
        None,
        ValueError,
        r"\['state'\]\['0'\] has the key 'step' more than once",
    ),
    # encodings and binary garbage
    ("utf8-bom", raw(b'\xef\xbb\xbf{"w": [[1.0]]}'), None, ValueError, "BOM"),
    ("utf16", raw('{"w": [[1.0]]}'.encode("utf-16")), None, ValueError, "not UTF-8"),
    ("latin-1", raw('{"name": "café"}'.encode("latin-1")), None, ValueError, "not UTF-8"),
    ("torch-pickle", raw(b"\x80\x04\x95\xff\xfe\x00\x00"), None, ValueError, "not UTF-8"),
    ("gzip", raw(b"\x1f\x8b\x08\x00" + bytes(range(256))), None, ValueError, "not UTF-8"),
    # size cap
    ("over-the-cap", text('{"w": [[1.0, 2.0]]}'), 10, ValueError, "larger than max_bytes=10"),
    ("far-over-the-cap", text("[" + "1.0, " * 100_000 + "1.0]"), 1000, ValueError, "max_bytes"),
    # not regular files: refused before they are opened
    ("directory", directory, None, ValueError, "is a directory"),
    ("fifo-no-writer", fifo, None, ValueError, "is a FIFO"),
    ("dev-zero", device("/dev/zero"), None, ValueError, "character device"),
    ("dev-urandom", device("/dev/urandom"), None, ValueError, "character device"),
    ("dev-null", device("/dev/null"), None, ValueError, "character device"),
    ("link-to-dev-zero", link_to(device("/dev/zero")), None, ValueError, "character device"),
    ("link-to-fifo", link_to(fifo), None, ValueError, "is a FIFO"),
    ("link-to-directory", link_to(directory), None, ValueError, "is a directory"),
    ("missing", missing, None, FileNotFoundError, "nothing.json"),
    ("dangling-link", link_to(missing), None, FileNotFoundError, "link.json"),
]


@pytest.mark.parametrize(
    "make,max_bytes,error,message", [pytest.param(*case[1:], id=case[0]) for case in CASES]
)
def test_hostile_file_is_refused_naming_the_file(
    tmp_path: Path,
    make: Callable[[Path], Path],
    max_bytes: int | None,
    error: type,
    message: str,
) -> None:
    path = make(tmp_path)
    kwargs = {} if max_bytes is None else {"max_bytes": max_bytes}
    with pytest.raises(error, match=message) as info:
        load_guarded(path, **kwargs)
    assert str(path) in str(info.value)
    assert info.type is error  # exactly: no JSONDecodeError, RecursionError or OverflowError


def test_the_table_is_large() -> None:
    assert len(CASES) >= 30


def test_what_save_writes_nests_within_the_limit(tmp_path: Path) -> None:
    deepest: Any = [[1.0]]  # a matrix: two levels
    for _ in range(MAX_DEPTH - 2):
        deepest = {"k": deepest}
    match.save(deepest, tmp_path / "deep.json")
    assert load_guarded(tmp_path / "deep.json") == deepest
    with pytest.raises(ValueError, match="deeper than 32"):
        match.save({"k": deepest}, tmp_path / "deeper.json")


# -- hostile optimizer state ----------------------------------------------------------------


def trained_adam() -> optim.Adam:
    match.manual_seed(0)
    model = nn.Linear(3, 2)
    opt = optim.Adam(model.parameters(), lr=0.1, amsgrad=True)
    optim.StepLR(opt, step_size=2)  # adds initial_lr to the group
    nn.MSELoss()(model(match.randn(4, 3)), match.randn(4, 2)).backward()
    opt.step()
    return opt


def group(sd: dict[str, Any]) -> dict[str, Any]:
    return sd["param_groups"][0]


def state(sd: dict[str, Any]) -> dict[str, Any]:
    return sd["state"][0]


def setter(where: Callable[[dict[str, Any]], Any], key: Any, value: Any) -> Callable[..., None]:
    def change(sd: dict[str, Any]) -> None:
        where(sd)[key] = value

    return change


def top(sd: dict[str, Any]) -> dict[str, Any]:
    return sd


OPTIMIZER_CASES: list[tuple[str, Callable[[dict[str, Any]], None], type, str]] = [
    ("lr-string", setter(group, "lr", "0.1"), TypeError, "group 0 'lr' must be a number"),
    ("lr-none", setter(group, "lr", None), TypeError, "'lr' must be a number"),
    ("lr-bool", setter(group, "lr", True), TypeError, "'lr' must be a number"),
    ("lr-list", setter(group, "lr", [0.1]), TypeError, "'lr' must be a number"),
    ("lr-negative", setter(group, "lr", -0.1), ValueError, "'lr' must be finite and >= 0"),
    ("lr-nan", setter(group, "lr", float("nan")), ValueError, "'lr' must be finite"),
    ("eps-inf", setter(group, "eps", float("inf")), ValueError, "'eps' must be finite"),
    ("initial_lr-string", setter(group, "initial_lr", "x"), TypeError, "'initial_lr'"),
    ("betas-one", setter(group, "betas", [0.9]), TypeError, "'betas' must be a list of 2"),
    ("betas-string", setter(group, "betas", "ab"), TypeError, "'betas' must be a list"),
    ("betas-entry", setter(group, "betas", [0.9, "x"]), TypeError, r"'betas'\[1\] must be a"),
    ("betas-one-or-more", setter(group, "betas", [1.0, 0.999]), ValueError, r"in \[0, 1\)"),
    ("amsgrad-string", setter(group, "amsgrad", "yes"), TypeError, "'amsgrad' must be True"),
    ("maximize-int", setter(group, "maximize", 1), TypeError, "'maximize' must be True"),
    ("params-strings", setter(group, "params", ["0", "1"]), TypeError, "'params' is a list"),
    ("params-missing", lambda sd: group(sd).pop("params"), TypeError, "'params'"),
    ("params-twice", setter(group, "params", [0, 0]), ValueError, "appears twice"),
    ("params-too-few", setter(group, "params", [0]), ValueError, "group 0 has 1 parameters"),
    ("group-not-dict", setter(top, "param_groups", ["adam"]), TypeError, "group 0 must be a"),
    ("groups-not-list", setter(top, "param_groups", {}), TypeError, "must be a list"),
    ("groups-too-many", lambda sd: sd["param_groups"].append({}), ValueError, "2 parameter"),
    ("state-not-dict", setter(top, "state", [1]), TypeError, "'state' a dict"),
    ("state-missing", lambda sd: sd.pop("state"), ValueError, "'state' and 'param_groups'"),
    ("state-key-garbage", setter(lambda sd: sd["state"], "abc", {}), ValueError, "'abc'"),
    ("state-key-unknown", setter(lambda sd: sd["state"], "7", {}), ValueError, "no group has"),
    ("state-key-twice", setter(lambda sd: sd["state"], "0", {}), ValueError, "appears twice"),
    ("state-not-dict", setter(lambda sd: sd["state"], 1, [[1.0]]), TypeError, "must be a dict"),
    ("exp_avg-string", setter(state, "exp_avg", "abc"), TypeError, "'exp_avg' of parameter 0"),
    ("exp_avg-number", setter(state, "exp_avg", 0.0), TypeError, "not a matrix of numbers"),
    ("exp_avg-shape", setter(state, "exp_avg", [[0.0]]), ValueError, r"shape \(1, 1\)"),
    ("exp_avg-ragged", setter(state, "exp_avg", [[0.0] * 3, [0.0]]), TypeError, "ragged"),
    ("exp_avg-null", setter(state, "exp_avg", [[None] * 3] * 2), TypeError, "not a number"),
    ("exp_avg-nested", setter(state, "exp_avg", [[[0.0]] * 3] * 2), TypeError, "not a number"),
    ("exp_avg-10**400", setter(state, "exp_avg", [[10**400] * 3] * 2), TypeError, "matrix"),
    ("step-negative", setter(state, "step", -1), ValueError, "'step' of parameter 0 must be"),
    ("step-fraction", setter(state, "step", 1.5), ValueError, "whole number"),
    ("step-string", setter(state, "step", "3"), ValueError, "whole number"),
    ("step-nan", setter(state, "step", float("nan")), ValueError, "whole number"),
    ("step-huge", setter(state, "step", 10**400), ValueError, "whole number"),
    ("not-a-dict", lambda sd: sd.clear(), ValueError, "expected a dict"),
]


@pytest.mark.parametrize(
    "change,error,message", [pytest.param(*case[1:], id=case[0]) for case in OPTIMIZER_CASES]
)
def test_hostile_optimizer_state_is_refused_and_changes_nothing(
    change: Callable[[dict[str, Any]], None], error: type, message: str
) -> None:
    opt = trained_adam()
    before = opt.state_dict()
    hostile = copy.deepcopy(before)
    change(hostile)
    with pytest.raises(error, match=message) as info:
        opt.load_state_dict(hostile)
    assert str(info.value).startswith("load_state_dict")
    assert opt.state_dict() == before
    opt.step()  # still usable


def test_the_optimizer_table_is_large() -> None:
    assert len(OPTIMIZER_CASES) >= 30


def test_hostile_optimizer_file_is_refused(tmp_path: Path) -> None:
    opt = trained_adam()
    before = opt.state_dict()
    hostile = copy.deepcopy(before)
    group(hostile)["lr"] = "0.1"
    match.save(hostile, tmp_path / "opt.json")
    with pytest.raises(TypeError, match="'lr'"):
        opt.load_state_dict(load_guarded(tmp_path / "opt.json"))
    assert opt.state_dict() == before


def test_optimizer_state_through_a_file_still_loads(tmp_path: Path) -> None:
    opt = trained_adam()
    match.save(opt.state_dict(), tmp_path / "opt.json")
    other = trained_adam()
    other.load_state_dict(load_guarded(tmp_path / "opt.json"))  # int keys came back as strings
    assert other.state_dict() == opt.state_dict()
    assert isinstance(group(other.state_dict())["betas"], list)
    assert isinstance(other.param_groups[0]["betas"], tuple)


# -- hostile model state --------------------------------------------------------------------

MODEL_CASES = [
    pytest.param([[1.0, 2.0]], ValueError, r"\(1, 2\).*\(2, 3\)", id="wrong-shape"),
    pytest.param([[0.5, 2.0], [0.0, -1.0], [1.0, 1.0]], ValueError, "mismatch", id="transposed"),
    pytest.param("abc", ValueError, "not a matrix of numbers", id="string"),
    pytest.param([["a", 1.0, 2.0]] * 2, ValueError, "not a number", id="string-entries"),
    pytest.param([[[1.0, 2.0, 3.0]]] * 2, ValueError, "not a number", id="nested-garbage"),
    pytest.param({"a": [[1.0]]}, ValueError, "not a matrix", id="dict"),
    pytest.param(None, ValueError, "not a matrix", id="none"),
    pytest.param([[1.0, 2.0, 3.0], [1.0]], ValueError, "ragged", id="ragged"),
    pytest.param([], ValueError, "not a matrix", id="empty"),
    pytest.param([[]], ValueError, "not a matrix", id="empty-row"),
    pytest.param(b"\x80\x04", ValueError, "not a matrix", id="bytes"),
    pytest.param(
        [[10**400] * 3] * 2,
        ValueError,
        "weight",
        id="10**400",
    ),
]


@pytest.mark.parametrize("weight,error,message", MODEL_CASES)
def test_hostile_model_state_is_refused_and_changes_nothing(
    weight: Any, error: type, message: str
) -> None:
    match.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    before = model.state_dict()
    hostile = dict(before)
    hostile["0.weight"] = weight
    hostile["1.running_mean"] = [[7.0, 7.0]]  # a good value that must not be copied either
    with pytest.raises(error, match=message):
        model.load_state_dict(hostile)
    assert model.state_dict() == before


@pytest.mark.parametrize(
    "hostile,message",
    [
        ("abc", "expected a dict"),
        ([[1.0]], "expected a dict"),
        ({0: [[1.0]]}, "unexpected keys"),
        ({}, "missing keys"),
    ],
)
def test_hostile_model_state_dict_itself_is_refused(hostile: Any, message: str) -> None:
    model = nn.Linear(3, 2)
    before = model.state_dict()
    with pytest.raises(ValueError, match=message):
        model.load_state_dict(hostile)
    assert model.state_dict() == before
