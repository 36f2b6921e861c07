"""match.nn.summary (match.tools.summary.summary): layers, output shapes, parameter counts."""

from __future__ import annotations

import pytest

import match
from match import Matrix, mat
from match.tools.summary import Summary, summary


class Tiny:
    """A minimal torch-like module (named_modules, named_children, parameters, training)."""

    def __init__(self, children=None, params=None) -> None:
        self._children = dict(children or {})
        self._params = dict(params or {})
        self.training = True

    def named_children(self):
        return list(self._children.items())

    def named_modules(self, prefix: str = ""):
        yield prefix, self
        for name, child in self._children.items():
            yield from child.named_modules(f"{prefix}.{name}" if prefix else name)

    def parameters(self):
        out = list(self._params.values())
        for child in self._children.values():
            out += child.parameters()
        return out

    def eval(self):
        for _, module in self.named_modules():
            module.training = False
        return self

    def __call__(self, x):
        return self.forward(x)


class TinyLinear(Tiny):
    def __init__(self, n_in: int, n_out: int) -> None:
        super().__init__(params={"weight": match.randn(n_out, n_in), "bias": match.zeros(1, n_out)})

    def forward(self, x):
        return x.linear(self._params["weight"], self._params["bias"])


class TinyReLU(Tiny):
    def forward(self, x):
        return x.relu()


class TinySequential(Tiny):
    def __init__(self, *layers) -> None:
        super().__init__(children={str(i): layer for i, layer in enumerate(layers)})

    def forward(self, x):
        for layer in self._children.values():
            x = layer(x)
        return x


def tiny_mlp():
    match.manual_seed(0)
    return TinySequential(TinyLinear(4, 8), TinyReLU(), TinyLinear(8, 3))


def test_summary_table() -> None:
    model = tiny_mlp()
    table = summary(model, (2, 4))
    assert isinstance(table, str) and isinstance(table, Summary)
    lines = table.splitlines()
    assert lines[0].split() == ["Layer", "(type)", "Output", "shape", "Param", "#"]
    assert lines[2].split() == ["TinySequential", "(2,", "3)", "--"]
    assert lines[3].split() == ["0", "(TinyLinear)", "(2,", "8)", "40"]
    assert lines[4].split() == ["1", "(TinyReLU)", "(2,", "8)", "0"]
    assert lines[5].split() == ["2", "(TinyLinear)", "(2,", "3)", "27"]
    assert lines[3].startswith("  0 (TinyLinear)")  # indented below its container
    assert "Total params: 67" in table and "Trainable params: 67" in table
    assert "Non-trainable params: 0" in table
    assert table.total_params == 67 and table.trainable_params == 67
    assert repr(table) == str(table)  # shows as a table at the prompt too


def test_summary_restores_the_model_and_state() -> None:
    model = tiny_mlp()
    state = match.list2d.rng().getstate()
    summary(model, (5, 4))
    assert match.list2d.rng().getstate() == state  # the library's random state is untouched
    for _, module in model.named_modules():
        assert "forward" not in vars(module)
        assert module.training is True
        for p in module.parameters():
            assert p._grad is None
    out = model(match.randn(5, 4))
    assert out.requires_grad and out.op == "add"  # x @ W.T + b


def test_summary_restores_on_error() -> None:
    model = tiny_mlp()
    with pytest.raises(ValueError):
        summary(model, (2, 5))  # wrong number of features
    for _, module in model.named_modules():
        assert "forward" not in vars(module)


@pytest.mark.parametrize(
    ("shape", "error", "shown"),
    [
        ((2,), ValueError, "got (2,)"),
        ((2, 4, 1), ValueError, "got (2, 4, 1)"),
        ((0, 4), ValueError, "got (0, 4)"),
        ([-1, 4], ValueError, "got [-1, 4]"),
        ("ab", TypeError, "got 'ab' (str)"),
        (None, TypeError, "got None (NoneType)"),
        ((2.0, 4), TypeError, "got (2.0, 4) (tuple)"),
        ((True, 4), TypeError, "got (True, 4) (tuple)"),
    ],
)
def test_summary_bad_input_shape(shape, error, shown) -> None:
    model = tiny_mlp()
    start = "summary: input_shape must be (batch, features), two ints of at least 1, or a Matrix; "
    for table in (summary, match.nn.summary):
        with pytest.raises(error) as caught:
            table(model, shape)
        assert str(caught.value) == start + shown
    for _, module in model.named_modules():
        assert "forward" not in vars(module) and module.training


def test_summary_with_example_input_and_frozen_params() -> None:
    model = tiny_mlp()
    model._children["0"]._params["weight"].requires_grad = False
    table = summary(model, mat([[1.0, 2.0, 3.0, 4.0]]))
    assert "(1, 3)" in table
    assert table.total_params == 67 and table.trainable_params == 35
    assert "Non-trainable params: 32" in table


def test_shared_layer_called_twice() -> None:
    match.manual_seed(1)
    layer = TinyLinear(3, 3)
    model = TinySequential(layer, TinyReLU())
    model.forward = lambda x: model._children["1"](layer(layer(x)))  # type: ignore[method-assign]
    table = summary(model, (1, 3))
    assert table.count("0 (TinyLinear)") == 2
    assert table.total_params == 12
    assert model.forward is not None and "forward" in vars(model)  # its own forward kept


def _real_mlp():
    nn = match.nn
    if not all(hasattr(nn, n) for n in ("Sequential", "Linear", "ReLU")) or not hasattr(
        nn.Module, "named_modules"
    ):
        pytest.skip("match.nn does not have Sequential/Linear/ReLU/named_modules yet")
    match.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))


def test_summary_of_a_real_model() -> None:
    model = _real_mlp()
    table = summary(model, (2, 4))
    assert table.total_params == 67
    body = [line.split() for line in table.splitlines()[2:5]]
    assert body[0][:1] == ["Sequential"]
    assert body[1][:2] == ["0", "(Linear)"] and body[1][-1] == "40"
    assert body[2][:2] == ["1", "(ReLU)"] and body[2][-1] == "0"
    out = model(match.randn(2, 4))
    assert isinstance(out, Matrix) and out.requires_grad
    if hasattr(match.nn, "summary"):
        assert str(match.nn.summary(model, (2, 4))) == str(table)
