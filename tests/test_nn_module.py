"""match.nn's Module and containers: parameters found and named as torch names them, repr,
train/eval, to(backend), state_dict and load_state_dict (to and from torch); Parameter, ModuleList,
ModuleDict, ParameterList, Flatten, Identity, requires_grad_ (frozen parameters stay registered),
register_parameter / register_buffer(persistent), get_submodule / get_parameter, apply, to,
forward hooks, extra_repr; each checked against the same program in torch where torch has it.
"""

from __future__ import annotations

import copy
from collections import OrderedDict
from typing import Any

import pytest

import match
from match import List2D, Matrix, nn
from tests.parity import assert_close, random_rows, tensor, to_torch

torch = pytest.importorskip("torch")
D = torch.float64


def copy_weights(model: nn.Module, torch_model: Any) -> None:
    """Load Match's weights into the torch twin (biases and PReLU slopes are 1D in torch)."""
    state = {}
    for name, value in torch_model.state_dict().items():
        state[name] = tensor(model.state_dict()[name], requires_grad=False).reshape(value.shape)
    torch_model.load_state_dict(state)


# --------------------------------------------------------------------------------------
# Parameter
# --------------------------------------------------------------------------------------


def test_parameter_from_an_expression_is_a_registered_leaf() -> None:
    p = nn.Parameter(match.randn(3, 3) * 0.01)
    assert isinstance(p, match.Matrix) and p.is_leaf and p.requires_grad
    frozen = nn.Parameter(match.ones(2, 2), requires_grad=False)
    assert not frozen.requires_grad

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.w = p
            self.frozen = frozen

        def forward(self, x: match.Matrix) -> match.Matrix:
            return x @ self.w

    net = Net()
    assert [n for n, _ in net.named_parameters()] == ["w", "frozen"]
    assert list(net.state_dict()) == ["w", "frozen"]
    net(match.ones(2, 3)).sum().backward()
    assert net.w.grad is not None


def test_parameter_shares_values_and_prints_like_torch() -> None:
    m = match.ones(1, 2)
    p = nn.Parameter(m)
    assert p.data is m.data
    assert repr(p).startswith("Parameter containing:\nMatrix(")
    assert nn.Parameter([[1.0, 2.0]]).tolist() == [[1.0, 2.0]]


def test_plain_leaves_become_parameters_and_stay_the_same_object() -> None:
    layer = nn.Linear(2, 3)
    assert isinstance(layer.weight, nn.Parameter) and isinstance(layer.bias, nn.Parameter)
    w = match.randn(2, 2)
    holder = nn.Module()
    holder.w = w
    assert holder.w is w and isinstance(w, nn.Parameter)
    holder.constant = match.ones(2, 2, requires_grad=False)  # not trained: not a parameter
    assert [n for n, _ in holder.named_parameters()] == ["w"]


# --------------------------------------------------------------------------------------
# freezing (issue 11, bug 2)
# --------------------------------------------------------------------------------------


def test_frozen_parameters_stay_in_parameters_and_state_dict() -> None:
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    torch_model = torch.nn.Sequential(
        torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2)
    ).double()
    names = [n for n, _ in model.named_parameters()]
    assert model[0].requires_grad_(False) is model[0]
    torch_model[0].requires_grad_(False)
    assert [n for n, _ in model.named_parameters()] == names
    assert names == [n for n, _ in torch_model.named_parameters()]
    assert list(model.state_dict()) == list(torch_model.state_dict())
    assert [p.requires_grad for p in model.parameters()] == [
        p.requires_grad for p in torch_model.parameters()
    ]
    copy_weights(model, torch_model)
    x = random_rows(5, 3, 1)
    model(match.mat(x, requires_grad=False)).sum().backward()
    torch_model(tensor(x, requires_grad=False)).sum().backward()
    for p, tp in zip(model.parameters(), torch_model.parameters()):
        assert (p.grad is None) == (tp.grad is None)
        if tp.grad is not None:
            assert_close(p.grad, tp.grad, what="grad")
    model.requires_grad_()
    assert all(p.requires_grad for p in model.parameters())


def test_frozen_model_saves_and_loads_every_weight() -> None:
    model = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 1)).requires_grad_(False)
    state = model.state_dict()
    other = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 1))
    other.load_state_dict(state)
    assert other.state_dict() == state


# --------------------------------------------------------------------------------------
# containers
# --------------------------------------------------------------------------------------


def test_module_list_names_and_list_methods_match_torch() -> None:
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    torch_layers = torch.nn.ModuleList([torch.nn.Linear(2, 2) for _ in range(3)])
    layers.append(nn.Tanh())
    torch_layers.append(torch.nn.Tanh())
    layers.insert(1, nn.ReLU())
    torch_layers.insert(1, torch.nn.ReLU())
    layers.extend([nn.Sigmoid()])
    torch_layers.extend([torch.nn.Sigmoid()])
    del layers[2]
    del torch_layers[2]
    layers[0] = nn.Linear(2, 5)
    torch_layers[0] = torch.nn.Linear(2, 5)
    assert len(layers) == len(torch_layers) == 5
    assert repr(layers) == repr(torch_layers)
    assert [n for n, _ in layers.named_parameters()] == [
        n for n, _ in torch_layers.named_parameters()
    ]
    assert isinstance(layers[-1], nn.Sigmoid) and isinstance(layers[1:3], nn.ModuleList)
    assert [type(m).__name__ for m in layers[1:3]] == ["ReLU", "Linear"]
    assert [n for n, _ in layers[1:3].named_parameters()] == ["1.weight", "1.bias"]
    layers += [nn.ReLU()]
    assert len(layers) == 6


def make_mlp(m: Any) -> Any:
    """The same tutorial-style MLP class over Match's nn (m=nn) or torch's (m=torch.nn)."""

    class MLP(m.Module):
        def __init__(self) -> None:
            super().__init__()
            self.layers = m.ModuleList([m.Linear(3, 4), m.Linear(4, 4), m.Linear(4, 2)])

        def forward(self, x: Any) -> Any:
            for layer in self.layers[:-1]:
                x = layer(x).tanh()
            return self.layers[-1](x)

    return MLP()


def test_module_list_in_a_model_trains_like_torch() -> None:
    model, torch_model = make_mlp(nn), make_mlp(torch.nn).double()
    copy_weights(model, torch_model)
    x = random_rows(4, 3, 5)
    out, out_t = model(match.mat(x)), torch_model(tensor(x))
    assert_close(out, out_t, what="out")
    out.sum().backward()
    out_t.sum().backward()
    for (name, p), tp in zip(model.named_parameters(), torch_model.parameters()):
        assert_close(p.grad, tp.grad, what=name)


def test_module_dict_matches_torch() -> None:
    d = nn.ModuleDict({"enc": nn.Linear(2, 3), "act": nn.ReLU()})
    td = torch.nn.ModuleDict({"enc": torch.nn.Linear(2, 3), "act": torch.nn.ReLU()})
    d["dec"] = nn.Linear(3, 2)
    td["dec"] = torch.nn.Linear(3, 2)
    d.update([("out", nn.Sigmoid())])
    td.update([("out", torch.nn.Sigmoid())])
    assert repr(d) == repr(td)
    assert list(d) == list(td) == d.keys() and "enc" in d and "nope" not in d
    assert [n for n, _ in d.named_parameters()] == [n for n, _ in td.named_parameters()]
    assert d.pop("act") is not None and len(d) == 3
    del d["out"]
    assert d.keys() == ["enc", "dec"] and isinstance(d["dec"], nn.Linear)
    with pytest.raises(KeyError):
        d["act"]


def test_parameter_list_matches_torch() -> None:
    params = nn.ParameterList([match.randn(2, 2), nn.Parameter(match.ones(1, 2))])
    tparams = torch.nn.ParameterList([torch.nn.Parameter(torch.randn(2, 2)) for _ in range(2)])
    params.append(match.zeros(3, 1))
    assert all(isinstance(p, nn.Parameter) for p in params) and len(params) == 3

    class Holder(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.params = params

    assert [n for n, _ in Holder().named_parameters()] == ["params.0", "params.1", "params.2"]
    assert [n for n, _ in tparams.named_parameters()] == ["0", "1"]
    assert "(2): Parameter containing: [float64 of size 3x1]" in repr(params)


def test_sequential_keeps_working_and_slices() -> None:
    model = nn.Sequential(OrderedDict(fc=nn.Linear(2, 3), act=nn.ReLU()))
    assert [n for n, _ in model.named_parameters()] == ["fc.weight", "fc.bias"]
    assert [n for n, _ in model[:1].named_parameters()] == ["fc.weight", "fc.bias"]
    assert len(model.append(nn.Linear(3, 1))) == 3
    assert nn.Sequential is nn.container.Sequential


def test_flatten_and_identity() -> None:
    x = match.mat(random_rows(3, 4, 0))
    assert nn.Flatten()(x) is x and nn.Identity(5, key=1)(x) is x
    flat = nn.Flatten(start_dim=0)(x)
    assert_close(flat, torch.nn.Flatten(0)(tensor(x.tolist())).reshape(1, -1))
    assert repr(nn.Flatten()) == repr(torch.nn.Flatten())


# --------------------------------------------------------------------------------------
# Module methods
# --------------------------------------------------------------------------------------


class Block(nn.Module):
    """A small model with a child list, a buffer and a non-persistent buffer."""

    def __init__(self) -> None:
        super().__init__()
        self.body = nn.ModuleList([nn.Linear(2, 3), nn.Linear(3, 2)])
        self.head = nn.Sequential(nn.Linear(2, 1))
        self.register_buffer("steps", match.zeros(1, 1, requires_grad=False).data)
        self.register_buffer("mask", match.ones(2, 2, requires_grad=False), persistent=False)

    def forward(self, x: match.Matrix) -> match.Matrix:
        for layer in self.body:
            x = layer(x)
        return self.head(x)


def test_buffers_persistent_or_not() -> None:
    block = Block()
    assert [n for n, _ in block.named_buffers()] == ["steps", "mask"]
    assert "mask" not in block.state_dict() and "steps" in block.state_dict()
    block.load_state_dict(block.state_dict())
    tb = torch.nn.Module()
    tb.register_buffer("mask", torch.ones(2, 2), persistent=False)
    assert "mask" not in tb.state_dict()
    with pytest.raises(ValueError, match="register_buffer.*tracks gradients"):
        block.register_buffer("w", match.ones(1, 1))
    with pytest.raises(ValueError, match="register_buffer.*already exists"):
        block.register_buffer("body", None)
    with pytest.raises(TypeError, match="register_buffer"):
        block.register_buffer("x", [[1.0]])


def test_register_parameter() -> None:
    block = Block()
    block.register_parameter("scale", nn.Parameter(match.ones(1, 1)))
    block.register_parameter("shift", None)
    assert "scale" in dict(block.named_parameters()) and block.shift is None
    with pytest.raises(TypeError, match="register_parameter.*Parameter"):
        block.register_parameter("w", [[1.0]])
    with pytest.raises(ValueError, match="register_parameter.*'.'"):
        block.register_parameter("a.b", nn.Parameter(match.ones(1, 1)))
    with pytest.raises(ValueError, match="register_parameter.*already exists"):
        block.register_parameter("head", nn.Parameter(match.ones(1, 1)))


def test_get_submodule_and_get_parameter() -> None:
    block = Block()
    block.register_module("extra", nn.Linear(1, 1))
    assert block.get_submodule("extra") is block.extra
    assert block.get_submodule("") is block
    assert block.get_submodule("body.1") is block.body[1]
    assert block.get_submodule("head.0") is block.head[0]
    assert block.get_parameter("body.0.weight") is block.body[0].weight
    with pytest.raises(AttributeError, match="get_submodule.*'body.7'"):
        block.get_submodule("body.7")
    with pytest.raises(AttributeError, match="get_parameter.*'head.bias'"):
        block.get_parameter("head.bias")
    with pytest.raises(TypeError, match="get_submodule"):
        block.get_submodule(0)


def test_named_modules_children_and_apply_match_torch() -> None:
    model = nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.ReLU(), nn.Linear(3, 1)))
    torch_model = torch.nn.Sequential(
        torch.nn.Linear(2, 3), torch.nn.Sequential(torch.nn.ReLU(), torch.nn.Linear(3, 1))
    )
    assert [n for n, _ in model.named_modules()] == [n for n, _ in torch_model.named_modules()]
    assert [n for n, _ in model.named_children()] == [n for n, _ in torch_model.named_children()]
    seen: list[str] = []
    assert model.apply(lambda m: seen.append(type(m).__name__)) is model
    torch_seen: list[str] = []
    torch_model.apply(lambda m: torch_seen.append(type(m).__name__))
    assert seen == torch_seen


def test_to_double_float_are_no_ops_except_backends() -> None:
    model = nn.Linear(2, 2)
    weight = model.weight
    assert model.to("cpu") is model and model.to(torch.float64) is model
    assert model.double() is model and model.float() is model and model.cpu() is model
    assert model.to(device="cuda") is model and model.weight is weight
    before = model.weight.data.kernels
    assert model.to(match.accel.current()) is model and model.weight.data.kernels is before


def test_to_a_backend_moves_the_model() -> None:
    pytest.importorskip("numpy")
    model = Block()
    model.to("numpy")
    assert {p.data.kernels.name for p in model.parameters()} == {"numpy"}
    assert {
        b.data.kernels.name if hasattr(b, "requires_grad") else b.kernels.name
        for b in model.buffers()
    } == {"numpy"}
    model.to(device="python")
    assert {p.data.kernels.name for p in model.parameters()} == {"python"}


def test_forward_hooks_match_torch() -> None:
    calls: list[str] = []
    model = nn.Linear(2, 2)
    torch_model = torch.nn.Linear(2, 2).double()
    copy_weights(model, torch_model)
    handles = []
    for m, tag in ((model, "match"), (torch_model, "torch")):
        handles.append(m.register_forward_pre_hook(lambda mod, args, t=tag: calls.append(t)))
        handles.append(m.register_forward_hook(lambda mod, args, out: out * 2))
        handles.append(m.register_forward_pre_hook(lambda mod, args: (args[0] + 1,)))
    x = random_rows(3, 2, 4)
    assert_close(model(match.mat(x)), torch_model(tensor(x)), what="hooked")
    assert calls == ["match", "torch"]
    for handle in handles:
        handle.remove()
    handles[0].remove()  # twice is harmless
    assert_close(model(match.mat(x)), torch_model(tensor(x)), what="unhooked")
    assert calls == ["match", "torch"]
    with model.register_forward_hook(lambda mod, args, out: out * 0):
        assert model(match.mat(x)).abs().sum().item() == 0.0
    assert model(match.mat(x)).abs().sum().item() > 0.0
    with pytest.raises(TypeError, match="register_forward_hook"):
        model.register_forward_hook(3)


def test_extra_repr_of_a_custom_module() -> None:
    class Scale(nn.Module):
        def __init__(self, k: float) -> None:
            super().__init__()
            self.k = k

        def extra_repr(self) -> str:
            return f"k={self.k}"

    assert repr(nn.Sequential(Scale(2.0))) == "Sequential(\n  (0): Scale(k=2.0)\n)"


# --------------------------------------------------------------------------------------
# bad input names the call
# --------------------------------------------------------------------------------------

BAD = [
    ("Parameter-str", lambda: nn.Parameter("abc"), TypeError, "Parameter"),
    ("Parameter-ragged", lambda: nn.Parameter([[1.0], [1.0, 2.0]]), ValueError, "Parameter"),
    ("Parameter-flag", lambda: nn.Parameter(match.ones(1, 1), 1), TypeError, "Parameter"),
    ("ModuleList-item", lambda: nn.ModuleList([nn.ReLU(), 3]), TypeError, "ModuleList"),
    ("ModuleList-not-list", lambda: nn.ModuleList(3), TypeError, "ModuleList"),
    ("ModuleList-index", lambda: nn.ModuleList([nn.ReLU()])[3], IndexError, "ModuleList"),
    ("ModuleList-index-str", lambda: nn.ModuleList([nn.ReLU()])["a"], TypeError, "ModuleList"),
    ("ModuleList-append", lambda: nn.ModuleList().append(3), TypeError, "ModuleList.append"),
    ("ModuleDict-value", lambda: nn.ModuleDict({"a": 3}), TypeError, "ModuleDict"),
    ("ModuleDict-key", lambda: nn.ModuleDict({1: nn.ReLU()}), TypeError, "ModuleDict"),
    ("ModuleDict-dot", lambda: nn.ModuleDict({"a.b": nn.ReLU()}), ValueError, "ModuleDict"),
    ("ModuleDict-method", lambda: nn.ModuleDict({"train": nn.ReLU()}), ValueError, "ModuleDict"),
    ("ModuleDict-attr", lambda: nn.ModuleDict({"training": nn.ReLU()}), ValueError, "ModuleDict"),
    ("ModuleDict-not-dict", lambda: nn.ModuleDict(3), TypeError, "ModuleDict"),
    ("ParameterList-item", lambda: nn.ParameterList([3]), TypeError, "ParameterList"),
    ("Sequential-item", lambda: nn.Sequential(nn.ReLU(), "x"), TypeError, "Sequential"),
    ("Flatten-dim", lambda: nn.Flatten(start_dim=2), ValueError, "Flatten"),
    ("Flatten-str", lambda: nn.Flatten(start_dim="a"), TypeError, "Flatten"),
    ("Flatten-input", lambda: nn.Flatten()([[1.0]]), TypeError, "Flatten"),
    ("requires_grad_-int", lambda: nn.Linear(2, 2).requires_grad_(1), TypeError, "requires_grad_"),
]


@pytest.mark.parametrize(("call", "error", "name"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_names_the_call(call: Any, error: type, name: str) -> None:
    with pytest.raises(error, match=name):
        call()


def test_failed_container_calls_change_nothing() -> None:
    layers = nn.ModuleList([nn.ReLU()])
    with pytest.raises(TypeError):
        layers.extend([nn.Tanh(), 3])
    assert len(layers) == 1
    d = nn.ModuleDict({"a": nn.ReLU()})
    with pytest.raises(TypeError):
        d.update({"b": nn.ReLU(), "c": 3})
    assert d.keys() == ["a"]


# --------------------------------------------------------------------------------------
# a tutorial program: fine-tune the head of a frozen body, then save and reload
# --------------------------------------------------------------------------------------


def build(m: Any) -> Any:
    """The same model in Match (m=nn) or torch (m=torch.nn)."""
    body = m.Sequential(m.Linear(4, 8), m.GELU(), m.Linear(8, 8), m.SiLU())
    return m.ModuleDict({"body": body, "head": m.Linear(8, 3)})


def test_fine_tuning_a_frozen_body_matches_torch(tmp_path: Any) -> None:
    match.manual_seed(0)
    model, torch_model = build(nn), build(torch.nn).double()
    copy_weights(model, torch_model)
    model["body"].requires_grad_(False)
    torch_model["body"].requires_grad_(False)
    opt = match.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=0.01)
    opt_t = torch.optim.SGD(torch_model.parameters(), lr=0.1, momentum=0.9, weight_decay=0.01)
    x, target = random_rows(6, 4, 1), [0, 2, 1, 1, 0, 2]
    for _ in range(20):
        for mod, o, xs, ys, f in (
            (model, opt, match.mat(x, requires_grad=False), target, nn.functional.cross_entropy),
            (
                torch_model,
                opt_t,
                tensor(x, False),
                torch.tensor(target),
                torch.nn.functional.cross_entropy,
            ),
        ):
            o.zero_grad()
            f(mod["head"](mod["body"](xs)), ys).backward()
            o.step()
    for (name, p), (tname, tp) in zip(model.named_parameters(), torch_model.named_parameters()):
        assert name == tname
        assert_close(p, tp, what=name)
    path = tmp_path / "finetuned.json"
    match.save(model.state_dict(), path)
    again = build(nn)
    again.load_state_dict(match.load(path))
    assert again.state_dict() == model.state_dict()
    assert list(again.state_dict()) == list(torch_model.state_dict())


# --- Module mechanics, state_dict and load_state_dict (with torch's) -----------------------------


class Net(nn.Module):
    """The original Match API: attributes and forward."""

    def __init__(self) -> None:
        super().__init__()
        self.linear1 = nn.Linear(3, 4)
        self.relu = nn.ReLU()
        self.linear2 = nn.Linear(4, 1)
        self.sigmoid = nn.Sigmoid()

    def forward(self, x: Matrix) -> Matrix:
        return self.sigmoid(self.linear2(self.relu(self.linear1(x))))


def test_original_w_b_aliases() -> None:
    # The original-API training loop itself is tested in test.py (TestOriginalAPI).
    match.manual_seed(1)
    model = Net()
    assert len(model.parameters()) == 4
    assert model.linear1.W is model.linear1.weight and model.linear1.b is model.linear1.bias
    assert model.linear1.W.shape == (4, 3) and model.linear1.b.shape == (1, 4)
    new = match.mat(random_rows(4, 3, seed=3))
    model.linear1.W = new
    assert model.linear1.weight is new


def test_parameters_found_in_lists_dicts_and_bare_matrices() -> None:
    class Custom(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.scale = match.ones(1, 2)
            self.layers = [nn.Linear(2, 2), nn.Linear(2, 2, bias=False)]
            self.heads = {"a": nn.Linear(2, 1)}
            self.constant = match.ones(1, 2, requires_grad=False)  # not a parameter
            self.note = "text"

        def forward(self, x: Matrix) -> Matrix:
            for layer in self.layers:
                x = layer(x) * self.scale
            return self.heads["a"](x)

    m = Custom()
    names = [n for n, _ in m.named_parameters()]
    assert names == [
        "scale",
        "layers.0.weight",
        "layers.0.bias",
        "layers.1.weight",
        "heads.a.weight",
        "heads.a.bias",
    ]
    assert [n for n, _ in m.named_children()] == ["layers.0", "layers.1", "heads.a"]
    assert [n for n, _ in m.named_modules()] == ["", "layers.0", "layers.1", "heads.a"]
    assert len(list(m.modules())) == 4 and len(list(m.children())) == 3
    m(match.mat([[1.0, 2.0]])).sum().backward()
    assert all(p._grad is not None for p in m.parameters())
    m.zero_grad()
    assert all(p._grad is None for p in m.parameters())


def test_names_and_order_match_torch_and_shared_parameters_count_once() -> None:
    shared = nn.Linear(2, 2)
    m = nn.Sequential(nn.Linear(3, 2), nn.ReLU(), shared, nn.Sequential(shared, nn.Linear(2, 1)))
    t = torch.nn.Sequential(
        torch.nn.Linear(3, 2),
        torch.nn.ReLU(),
        ts := torch.nn.Linear(2, 2),
        torch.nn.Sequential(ts, torch.nn.Linear(2, 1)),
    )
    assert [n for n, _ in m.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert [n for n, _ in m.named_modules()] == [n for n, _ in t.named_modules()]
    assert list(m.state_dict()) == list(t.state_dict())


def test_repr_prints_the_tree_like_torch() -> None:
    m = nn.Sequential(
        nn.Linear(3, 4),
        nn.ReLU(),
        nn.Dropout(0.1),
        nn.LayerNorm(4),
        nn.BatchNorm1d(4),
        nn.Sequential(nn.Linear(4, 2), nn.LogSoftmax(dim=1)),
        nn.Tanh(),
        nn.Sigmoid(),
        nn.LeakyReLU(0.2),
        nn.Softmax(dim=1),
        nn.Identity(),
    )
    t = torch.nn.Sequential(
        torch.nn.Linear(3, 4),
        torch.nn.ReLU(),
        torch.nn.Dropout(0.1),
        torch.nn.LayerNorm(4),
        torch.nn.BatchNorm1d(4),
        torch.nn.Sequential(torch.nn.Linear(4, 2), torch.nn.LogSoftmax(dim=1)),
        torch.nn.Tanh(),
        torch.nn.Sigmoid(),
        torch.nn.LeakyReLU(0.2),
        torch.nn.Softmax(dim=1),
        torch.nn.Identity(),
    )
    assert repr(m) == repr(t)
    for a, b in [
        (nn.Embedding(10, 3), torch.nn.Embedding(10, 3)),
        (nn.RNNCell(3, 4), torch.nn.RNNCell(3, 4)),
        (nn.RNNCell(3, 4, nonlinearity="relu"), torch.nn.RNNCell(3, 4, nonlinearity="relu")),
        (nn.GRUCell(3, 4), torch.nn.GRUCell(3, 4)),
        (nn.LSTMCell(3, 4, bias=False), torch.nn.LSTMCell(3, 4, bias=False)),
        (nn.MSELoss(), torch.nn.MSELoss()),
        (nn.CrossEntropyLoss(), torch.nn.CrossEntropyLoss()),
    ]:
        assert repr(a) == repr(b)


def test_train_eval_flags_reach_every_module() -> None:
    m = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Dropout(), nn.BatchNorm1d(2)))
    assert all(mod.training for mod in m.modules())
    assert m.eval() is m
    assert not any(mod.training for mod in m.modules())
    m.train()
    assert all(mod.training for mod in m.modules())


def test_sequential_indexing_len_iter_append() -> None:
    a, b, c = nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)
    s = nn.Sequential(a, b)
    s.append(c)
    assert len(s) == 3 and s[0] is a and s[-1] is c and list(s) == [a, b, c]
    assert isinstance(s[1:], nn.Sequential) and list(s[1:]) == [b, c]
    named = nn.Sequential(OrderedDict(first=a, act=b))
    assert list(named.state_dict()) == ["first.weight", "first.bias"]
    assert named(match.mat([[1.0, 2.0]])).shape == (1, 3)


def test_to_backend_keeps_values() -> None:
    m = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    before = m.state_dict()
    assert m.to_backend() is m
    assert m.state_dict() == before
    assert all(p.data.backend == match.accel.current() for p in m.parameters())


def test_state_dict_is_plain_lists_and_exports_to_torch() -> None:
    match.manual_seed(5)
    m = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    sd = m.state_dict()
    assert list(sd) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert all(
        isinstance(v, list) and isinstance(v[0], list) and isinstance(v[0][0], float)
        for v in sd.values()
    )
    assert torch.tensor(sd["0.weight"]).shape == (4, 3)
    t = to_torch(
        m, torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    )
    x = random_rows(5, 3, seed=6)
    assert_close(m(match.mat(x)), t(tensor(x)), what="exported model")


def test_load_state_dict_from_torch_and_other_types() -> None:
    t = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2)).to(D)
    t.train()
    t(torch.randn(6, 3, dtype=D))  # move the running statistics away from 0 and 1
    m = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    m.load_state_dict(t.state_dict())  # tensors, 1D biases and a 0-d counter are accepted
    for k, v in t.state_dict().items():
        assert_close(m.state_dict()[k], v.to(D).reshape(len(m.state_dict()[k]), -1), what=k)
    m2 = nn.Linear(3, 2)
    m2.load_state_dict({"weight": List2D.from_2d_list(m[0].weight.tolist()), "bias": m[0].bias})
    assert m2.state_dict() == m[0].state_dict()


def test_load_state_dict_checks_everything_first_and_leaves_model_unchanged() -> None:
    m = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    before = m.state_dict()
    good = {k: [[0.5] * len(v[0]) for _ in v] for k, v in before.items()}

    wrong_shape = dict(good, **{"1.weight": [[1.0, 2.0, 3.0]]})
    with pytest.raises(ValueError, match=r"1\.weight.*\(1, 3\).*\(1, 2\)"):
        m.load_state_dict(wrong_shape)
    assert m.state_dict() == before

    missing = {k: v for k, v in good.items() if k != "0.bias"}
    with pytest.raises(nn.StateDictError, match="missing keys.*0.bias"):
        m.load_state_dict(missing)
    with pytest.raises(RuntimeError, match="unexpected keys.*extra"):
        m.load_state_dict(dict(good, extra=[[1.0]]))
    with pytest.raises(ValueError, match="0.weight.*not a matrix"):
        m.load_state_dict(dict(good, **{"0.weight": [[1.0, "x"]]}))
    assert m.state_dict() == before

    result = m.load_state_dict(dict(missing, extra=[[1.0]]), strict=False)
    assert result.missing_keys == ["0.bias"] and result.unexpected_keys == ["extra"]
    assert m.state_dict()["0.weight"] == good["0.weight"]
    assert m.state_dict()["0.bias"] == before["0.bias"]


def test_to_backend_numpy_trains_like_python() -> None:
    pytest.importorskip("numpy")
    from match import optim

    def run(backend: str | None) -> dict:
        match.manual_seed(10)
        m = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Tanh(), nn.Linear(4, 2))
        x = match.mat(random_rows(6, 3, seed=22), requires_grad=False)
        if backend:
            m.to_backend(backend)
            x = x.to_backend(backend)
            assert all(p.data.backend == backend for p in m.parameters())
            assert all(b.backend == backend for b in m.buffers())
        # SGD, not Adam: the bias before BatchNorm has a gradient of pure rounding noise, which
        # Adam would normalise into differences between the backends
        opt = optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
        for _ in range(5):
            opt.zero_grad()
            nn.CrossEntropyLoss()(m(x), [0, 1, 1, 0, 1, 0]).backward()
            opt.step()
        return m.to_backend("python").state_dict() if backend else m.state_dict()

    expected, got = run(None), run("numpy")
    for key in expected:
        assert_close(got[key], expected[key], rtol=1e-10, what=key)


# --- copy.deepcopy -------------------------------------------------------------------------------


def test_deepcopy_of_a_model_runs_and_shares_nothing() -> None:
    """torch tutorials copy models with copy.deepcopy (target networks, best-so-far weights)."""
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    twin = copy.deepcopy(model)
    x = match.randn(5, 3)
    assert twin(x).tolist() == model(x).tolist()
    twin[0].weight.data.fill_(0.0)
    assert model[0].weight.abs().sum().item() > 0  # the original is untouched
    loss = (twin(x) + model(x)).sum()  # both on the same backend: they mix
    loss.backward()
    assert model[0].weight.grad is not None


def test_dim_groups_parameters_as_nanogpt_expects() -> None:
    """nanoGPT decays `p.dim() >= 2` and not the rest: biases and norm weights are torch
    vectors, so their dim() is 1 (every Match parameter used to say 2, biases included)."""
    torch = pytest.importorskip("torch")

    def build(lib: Any) -> Any:
        nn = lib.nn
        return nn.Sequential(
            nn.Embedding(5, 4),
            nn.Linear(4, 4),
            nn.LayerNorm(4),
            nn.BatchNorm1d(4),
            nn.PReLU(4),
            nn.Linear(4, 1),
        )

    def groups(model: Any) -> list[list[str]]:
        named = list(model.named_parameters())
        return [[n for n, p in named if p.dim() >= 2], [n for n, p in named if p.dim() < 2]]

    assert groups(build(match)) == groups(build(torch))
    assert match.nn.Parameter(match.zeros(3)).dim() == 1  # nn.Parameter(torch.zeros(3))
    assert match.nn.GRU(2, 3).bias_hh_l0.dim() == 1
    assert match.zeros(1, 3).dim() == 2
