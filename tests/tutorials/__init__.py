"""Five PyTorch tutorial programs, each written once and run twice: with torch and with Match.

Every program is a function whose first argument `lib` is the library module, `torch` or
`match`: its body is the torch tutorial with `torch.` spelled `lib.`. The places where the two
libraries really differ are the few helpers below (`data_module`, `class_indices`), so reading
them is reading the whole port. tests/test_tutorials.py starts both runs from the same weights
(`copy_weights`) and compares every loss and every final weight in float64.

`needs(...)` skips a test, naming what Match lacks, until the feature lands: delete the call once
it does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import match
from tests.parity import assert_close


# -- the difference between the two libraries, all of it ---------------------------------------
def data_module(lib: Any) -> Any:
    """Where the datasets live: `torch.utils.data` in torch, `match.data` in Match."""
    return lib.data if lib is match else lib.utils.data


def class_indices(lib: Any, ints: list[int]) -> Any:
    """Class labels or token ids: a 1D int64 tensor in torch; Match is 2D only, so a plain
    list of ints (what Match's losses, Embedding and TensorDataset take)."""
    return list(ints) if lib is match else lib.tensor(ints)


# -- the guard: skip until Match has a feature ----------------------------------------------------
def _register_buffer_takes_a_matrix() -> bool:
    module = match.nn.Module()
    try:
        module.register_buffer("mask", match.ones(2, 2, requires_grad=False))
    except TypeError:
        return False
    return True


def _frozen_parameters_stay_in_state_dict() -> bool:
    layer = match.nn.Linear(2, 2)
    layer.weight.requires_grad_(False)
    return "weight" in layer.state_dict()


def _gru_runs_one_sequence_as_torch() -> bool:
    """torch's unbatched form: input (T, features) gives output (T, hidden), h_n (1, hidden)."""
    output, h_n = match.nn.GRU(2, 3)(match.zeros(4, 2))
    return getattr(output, "shape", None) == (4, 3) and getattr(h_n, "shape", None) == (1, 3)


BEHAVIOURS: dict[str, Callable[[], bool]] = {
    "register_buffer of a Matrix": _register_buffer_takes_a_matrix,
    "frozen parameters in state_dict": _frozen_parameters_stay_in_state_dict,
    "nn.GRU on one (T, features) sequence": _gru_runs_one_sequence_as_torch,
}


def _has(feature: str) -> bool:
    if feature in BEHAVIOURS:
        try:
            return BEHAVIOURS[feature]()
        except Exception:  # a probe that raises: the feature is not there in torch's form
            return False
    owner: Any = match
    for part in feature.split("."):
        if not hasattr(owner, part):
            return False
        owner = getattr(owner, part)
    return True


def needs(*features: str) -> None:
    """Skip the calling test unless Match has every feature: a dotted name under `match`
    ("nn.ModuleList", "optim.lr_scheduler.ReduceLROnPlateau") or a key of BEHAVIOURS, checked
    in order (a behaviour is only tried once the names before it exist)."""
    for feature in features:
        if not _has(feature):
            pytest.skip(
                f"needs match.{feature}" if feature not in BEHAVIOURS else f"needs {feature}"
            )


# -- starting from the same weights, ending with the same weights --------------------------------
def copy_weights(source: match.nn.Module, target: Any) -> None:
    """Load a Match model's state dict into the torch twin, each value in torch's shape (Match
    keeps vectors as (1, n) rows)."""
    import torch

    shapes = target.state_dict()
    target.load_state_dict(
        {
            key: torch.tensor(value, dtype=shapes[key].dtype).reshape(shapes[key].shape)
            for key, value in source.state_dict().items()
        }
    )


def assert_same_weights(ours: match.nn.Module, theirs: Any, what: str) -> None:
    """The same keys, and every value equal to rtol 1e-7."""
    mine, torch_state = ours.state_dict(), theirs.state_dict()
    assert list(mine) == list(torch_state), f"{what}: state dict keys differ"
    for key, value in mine.items():
        assert_close(value, torch_state[key], what=f"{what}: {key}")


def assert_same_numbers(ours: list[float], theirs: list[float], what: str) -> None:
    """Two sequences of numbers (losses, learning rates) equal to rtol 1e-7, step by step."""
    assert len(ours) == len(theirs), f"{what}: {len(ours)} steps != {len(theirs)}"
    assert_close([ours], [theirs], what=what)
