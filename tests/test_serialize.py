"""Tests for match.serialize (match.save / match.load): JSON state dicts that round-trip
exactly, are readable by any JSON reader, and fail clearly on bad files."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

import match
from match import List2D, nn
from match.serialize import load, save


def test_state_dict_round_trip_is_exact(tmp_path: Path) -> None:
    match.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.BatchNorm1d(3), nn.Linear(3, 1))
    path = tmp_path / "model.json"
    save(model.state_dict(), path)
    loaded = load(path)
    assert loaded == model.state_dict()
    assert list(loaded) == list(model.state_dict())  # order kept
    other = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.BatchNorm1d(3), nn.Linear(3, 1))
    other.load_state_dict(loaded)
    x = match.mat([[0.1, 0.2, 0.3, 0.4], [1.0, -1.0, 2.0, 0.5]])
    assert other(x).tolist() == model(x).tolist()
    assert not (tmp_path / "model.json.tmp").exists()


def test_file_is_human_readable_json(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    save({"weight": [[1.0, 2.5], [3.0, 4.0]], "bias": [[0.1, 0.2]]}, path)
    text = path.read_text()
    wrapped = json.loads(text)
    assert wrapped["data"] == {"weight": [[1.0, 2.5], [3.0, 4.0]], "bias": [[0.1, 0.2]]}
    assert wrapped["format"] == "match.save" and wrapped["version"] == 1
    assert '    "weight": [\n      [1.0, 2.5],\n      [3.0, 4.0]\n    ]' in text  # a row a line
    assert not text.startswith("\x80")  # not a pickle


def test_saves_list2d_matrix_scalars_and_nested_structures(tmp_path: Path) -> None:
    obj = {
        "a": List2D.from_2d_list([[1.0, 2.0]]),
        "b": match.mat([[3.0], [4.0]]),
        "c": {"step": 3, "flag": True, "none": None, "name": "adam", "betas": (0.9, 0.999)},
        "d": [{"lr": 0.1, "params": [0, 1]}],
        5: [[math.inf, -math.inf, math.nan]],
        "tiny": [[5e-324, 1.0000000000000002]],
    }
    path = tmp_path / "obj.json"
    save(obj, path)
    out = load(path)
    assert out["a"] == [[1.0, 2.0]] and out["b"] == [[3.0], [4.0]]
    assert out["c"] == {
        "step": 3,
        "flag": True,
        "none": None,
        "name": "adam",
        "betas": [0.9, 0.999],
    }
    assert out["d"] == [{"lr": 0.1, "params": [0, 1]}]
    inf, ninf, nan = out["5"][0]  # int keys come back as strings
    assert inf == math.inf and ninf == -math.inf and nan != nan
    assert out["tiny"] == [[5e-324, 1.0000000000000002]]  # floats exactly


def test_unsupported_values_raise_type_error(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match=r"set.*obj\['x'\]"):
        save({"x": {1, 2}}, tmp_path / "bad.json")
    with pytest.raises(TypeError, match="keys"):
        save({(1, 2): 3}, tmp_path / "bad.json")
    assert not (tmp_path / "bad.json").exists()


@pytest.mark.parametrize(
    "content,message",
    [
        ('{"weight": [[1.0, 2.0], [3.0', "not valid JSON"),  # truncated
        ("", "not valid JSON"),  # empty
        ("weight = [[1, 2]]", "not valid JSON"),  # not JSON at all
        ('{"weight": [[1.0, 2.0], [3.0]]}', "ragged"),  # wrong shape
        ('{"weight": [[1.0, 2.0], 3.0]}', "mixes rows"),
        ("3.5", "expected a dict or list"),
    ],
)
def test_bad_files_raise_value_error_naming_the_file(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "broken.json"
    path.write_text(content)
    with pytest.raises(ValueError, match=message) as info:
        load(path)
    assert "broken.json" in str(info.value)


def test_binary_garbage_raises_value_error(tmp_path: Path) -> None:
    path = tmp_path / "garbage.pt"
    path.write_bytes(b"\x80\x04\x95\xff\xfe")  # e.g. a torch pickle
    with pytest.raises(ValueError, match="garbage.pt"):
        load(path)


def test_wrong_shapes_in_a_file_are_caught_by_load_state_dict(tmp_path: Path) -> None:
    save({"weight": [[1.0, 2.0]], "bias": [[0.0]]}, tmp_path / "small.json")
    model = nn.Linear(3, 1)
    with pytest.raises(ValueError, match=r"weight.*\(1, 2\).*\(1, 3\)"):
        model.load_state_dict(load(tmp_path / "small.json"))


def test_missing_file_raises_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "nope.json")


def test_saved_state_dict_loads_into_torch(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    match.manual_seed(1)
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
    save(model.state_dict(), tmp_path / "m.json")
    tmodel = torch.nn.Sequential(
        torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1)
    ).double()
    shapes = tmodel.state_dict()
    tmodel.load_state_dict(
        {
            k: torch.tensor(v, dtype=torch.float64).reshape(shapes[k].shape)
            for k, v in load(tmp_path / "m.json").items()
        }
    )
    x = [[0.5, -1.0], [2.0, 0.25]]
    expected = tmodel(torch.tensor(x, dtype=torch.float64)).tolist()
    got = model(match.mat(x)).tolist()
    assert all(abs(a[0] - b[0]) < 1e-12 for a, b in zip(got, expected))


def test_brackets_inside_strings_do_not_count_as_nesting(tmp_path: Path) -> None:
    obj = {"name": "[" * 1000 + '"{' * 10, "w": [[1.0]]}
    save(obj, tmp_path / "s.json")
    assert load(tmp_path / "s.json") == obj


def test_max_bytes_raises_the_cap_and_is_checked(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    save({"w": [[1.0, 2.0]]}, path)
    size = path.stat().st_size
    assert load(path, max_bytes=size) == {"w": [[1.0, 2.0]]}
    with pytest.raises(ValueError, match=f"m.json is larger than max_bytes={size - 1}"):
        load(path, max_bytes=size - 1)
    with pytest.raises(TypeError, match="max_bytes must be an int"):
        load(path, max_bytes=1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_bytes must be at least 1"):
        load(path, max_bytes=0)
    assert match.serialize.MAX_BYTES == 1 << 30


@pytest.mark.parametrize(
    "obj,error,message",
    [
        ({"w": [[1.0, 2.0], [3.0]]}, ValueError, r"obj\['w'\] is ragged.*load refuses"),
        ({"w": [[1.0], 2.0]}, ValueError, "mixes rows"),
        ({"w": [["a"]]}, ValueError, r"obj\['w'\]\[0\]\[0\] is 'a', not a number"),
        ({"step": 10**400}, ValueError, r"obj\['step'\] is an integer too large"),
        ({1: 1.0, "1": 2.0}, ValueError, "two keys that both are '1'"),
    ],
)
def test_save_refuses_what_load_would_refuse(
    tmp_path: Path, obj: object, error: type, message: str
) -> None:
    with pytest.raises(error, match=message):
        save(obj, tmp_path / "bad.json")
    assert not (tmp_path / "bad.json").exists()


def test_save_refuses_a_list_that_holds_itself(tmp_path: Path) -> None:
    loop: list = []
    loop.append(loop)
    with pytest.raises(ValueError, match="deeper than 32 levels.*hold itself"):
        save({"loop": loop}, tmp_path / "bad.json")


def test_a_checkpoint_round_trips_with_its_special_values(tmp_path: Path) -> None:
    match.manual_seed(0)
    model = nn.Linear(2, 2)
    opt = match.optim.Adam(model.parameters())
    model(match.randn(3, 2)).sum().backward()
    opt.step()
    ckpt = {"model": model.state_dict(), "optimizer": opt.state_dict(), "big": 10**300}
    ckpt["extremes"] = [[1e308, -5e-324, math.inf, -0.0]]
    save(ckpt, tmp_path / "ckpt.json")
    loaded = load(tmp_path / "ckpt.json")
    assert loaded["big"] == 10**300 and loaded["extremes"] == [[1e308, -5e-324, math.inf, -0.0]]
    assert loaded["model"] == model.state_dict()
    opt.load_state_dict(loaded["optimizer"])


def test_load_takes_torchs_weights_only_and_map_location(tmp_path: Path) -> None:
    """`torch.load(path, weights_only=True)` and `map_location='cpu'` port as they are: a
    Match file is JSON and holds no code, so every form reads the same values."""
    path = tmp_path / "model.json"
    state = {"weight": [[1.0, -2.5]], "bias": [[0.5]]}
    save(state, path)
    for kwargs in (
        {},
        {"weights_only": True},
        {"weights_only": False},
        {"map_location": "cpu"},
        {"map_location": match.device("cpu"), "weights_only": True},
    ):
        assert load(path, **kwargs) == state
    assert load(path, "cpu") == state  # map_location is torch's second argument
