"""pickle and worker processes: List2D, Matrix, models, optimizers and schedulers pickle on
every backend, come back on the live backend (so they mix with new matrices), cross into
`multiprocessing` workers (spawn and fork), and a model pickled on numpy unpickles where numpy
is missing (on the python backend), as torch handles its own tensors and models."""

from __future__ import annotations

import copy
import multiprocessing
import pickle
import subprocess
import sys
from typing import Any

import pytest

import match
from match import List2D, nn, optim


def make_model() -> nn.Module:
    match.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.LayerNorm(4), nn.Linear(4, 2))


X = [[0.5, -1.0, 2.0], [0.0, 0.1, -0.3]]


def run(model: nn.Module) -> list[list[float]]:
    """A forward pass on a new matrix: what failed after unpickling ('cannot mix')."""
    return model(match.mat(X)).tolist()


def train_in_worker(payload: bytes) -> bytes:
    """A worker's job: unpickle a model and optimizer, take a step, send both back."""
    model, opt = pickle.loads(payload)
    opt.zero_grad()
    (model(match.mat(X)) ** 2).sum().backward()
    opt.step()
    return pickle.dumps((model, opt, match.accel.current()))


@pytest.mark.parametrize("protocol", [2, pickle.DEFAULT_PROTOCOL, pickle.HIGHEST_PROTOCOL])
def test_list2d_round_trips_onto_the_live_backend(protocol: int) -> None:
    a = List2D.from_2d_list([[1.0, -2.5], [float("inf"), float("nan")]])
    b = pickle.loads(pickle.dumps(a, protocol))
    assert b.kernels is a.kernels and b.shape == a.shape
    assert repr(b.tolist()) == repr(a.tolist())
    assert (b + a).tolist()[0] == [2.0, -5.0]  # mixes with a matrix made here


def test_the_kernels_object_pickles_by_name() -> None:
    kernels = match.List2D.zeros(1, 1).kernels
    assert pickle.loads(pickle.dumps(kernels)) is kernels
    assert copy.deepcopy(kernels) is kernels
    assert b"numpy" not in pickle.dumps(kernels) or kernels.name == "numpy"


def test_a_pickle_holds_plain_floats_not_arrays() -> None:
    """So that it unpickles without numpy (the array module is never named)."""
    data = pickle.dumps(make_model())
    assert b"numpy" not in data or match.accel.current() == "numpy"
    assert b"ndarray" not in data and b"multiarray" not in data


def test_a_model_pickles_runs_and_trains() -> None:
    model = make_model()
    twin = pickle.loads(pickle.dumps(model))
    assert run(twin) == run(model)
    assert twin[0].weight.data.kernels is model[0].weight.data.kernels
    opt = optim.SGD(twin.parameters(), lr=0.1)
    (twin(match.mat(X)) ** 2).sum().backward()
    opt.step()
    assert run(twin) != run(model)
    assert list(twin.state_dict()) == list(model.state_dict())


def test_a_leaf_keeps_its_grad_and_a_result_comes_back_a_leaf() -> None:
    """torch pickles a result as a leaf that requires grad; Match does the same."""
    x = match.mat([[1.0, 2.0]])
    y = x * 3.0
    y.sum().backward()
    x2, y2 = pickle.loads(pickle.dumps((x, y)))
    assert x2.grad.tolist() == [[3.0, 3.0]]
    assert y2.is_leaf and y2.requires_grad and y2.tolist() == [[3.0, 6.0]]
    (y2 * x2).sum().backward()  # a new graph from the copies
    assert y2.grad.tolist() == [[1.0, 2.0]]


def test_matches_torch_on_a_pickled_result() -> None:
    torch = pytest.importorskip("torch")
    t = torch.tensor([[1.0, 2.0]], dtype=torch.float64, requires_grad=True) * 3
    t2 = pickle.loads(pickle.dumps(t))
    m2 = pickle.loads(pickle.dumps(match.mat([[1.0, 2.0]]) * 3))
    assert (m2.is_leaf, m2.requires_grad) == (t2.is_leaf, t2.requires_grad)
    assert m2.tolist() == t2.tolist()


def test_an_optimizer_and_scheduler_pickle_with_their_state() -> None:
    model = make_model()
    opt = optim.Adam(model.parameters(), lr=0.01)
    sched = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    for _ in range(3):
        opt.zero_grad()
        (model(match.mat(X)) ** 2).sum().backward()
        opt.step()
        sched.step()
    twin_model, twin_opt, twin_sched = pickle.loads(pickle.dumps((model, opt, sched)))
    assert twin_sched.optimizer is twin_opt
    assert twin_opt.param_groups[0]["params"][0] is twin_model[0].weight
    for m, o, s in ((model, opt, sched), (twin_model, twin_opt, twin_sched)):
        o.zero_grad()
        (m(match.mat(X)) ** 2).sum().backward()
        o.step()
        s.step()
    assert run(twin_model) == run(model)
    assert twin_sched.get_last_lr() == sched.get_last_lr()


def test_deepcopy_of_model_and_optimizer_keeps_the_state() -> None:
    model = make_model()
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    (model(match.mat(X)) ** 2).sum().backward()
    opt.step()
    twin_model, twin_opt = copy.deepcopy((model, opt))
    assert len(twin_opt.state) == len(opt.state) == 6
    assert twin_model[0].weight in twin_opt.state


@pytest.mark.parametrize("method", ["spawn", "fork"])
def test_models_cross_into_worker_processes(method: str) -> None:
    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"no {method} here")
    model = make_model()
    opt = optim.Adam(model.parameters(), lr=0.01)
    payload = pickle.dumps((model, opt))
    with multiprocessing.get_context(method).Pool(2) as pool:
        results = pool.map(train_in_worker, [payload, payload])
    here = pickle.loads(train_in_worker(payload))
    for result in results:
        worked, worked_opt, backend = pickle.loads(result)
        assert backend == match.accel.current()
        assert run(worked) == run(here[0])
        assert worked_opt.state_dict() == here[1].state_dict()


def test_pool_map_of_a_model_method_spawn() -> None:
    """The model itself as the pool's argument (pickled by multiprocessing, not by us)."""
    model = make_model()
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        (out,) = pool.map(run, [model])
    assert out == run(model)


def test_a_model_pickled_on_numpy_unpickles_without_numpy() -> None:
    pytest.importorskip("numpy")
    with match.accel.using("numpy"):
        model = make_model()
        expected = run(model)
        data = pickle.dumps(model)
    script = (
        "import pickle, sys\n"
        "sys.modules['numpy'] = None  # import numpy raises ImportError\n"
        "import match\n"
        "model = pickle.loads(sys.stdin.buffer.read())\n"
        "print(model[0].weight.data.backend, match.accel.available())\n"
        "print(repr(model(match.mat(" + repr(X) + ")).tolist()))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        input=data,
        capture_output=True,
        check=False,
        env={"PATH": "", "PYTHONPATH": ":".join(sys.path)},
    )
    assert done.returncode == 0, done.stderr.decode()
    first, second = done.stdout.decode().splitlines()
    assert first == "python ['python']"
    got: Any = eval(second)  # our own repr of a list of floats
    assert len(got) == len(expected)
    assert all(g == pytest.approx(e, rel=1e-12) for g, e in zip(got, expected))


def test_a_bad_pickled_payload_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="unpickle: ragged rows"):
        List2D._unpickle([[1.0], [1.0, 2.0]], "python")
