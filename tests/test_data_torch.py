"""match.data against torch.utils.data: the same dataset gives the same items, the same batches
(contents, order and sizes, with and without drop_last), the same random_split sizes and the same
gradients through a batch, in float64 at rtol 1e-7. Run on both backends (`--backend numpy`).

Where Match's 2D layout differs from torch's on purpose, the test says how: int labels collate to
a ``list[int]`` (torch: an int64 tensor of shape (batch,)), float items to a (batch, 1) column
(torch: shape (batch,)). Shuffled orders cannot match, since torch draws from its own generator:
there only the sizes and the set of items are compared.
"""

from __future__ import annotations

import warnings
from typing import Any

import pytest

import match
from match.data import ConcatDataset, DataLoader, Subset, TensorDataset, random_split
from match.data import default_collate as match_collate
from tests.parity import assert_close, random_rows

torch = pytest.importorskip("torch")
tdata = torch.utils.data

N_FEATURES = 3


def twin_datasets(n: int, seed: int = 0) -> tuple[TensorDataset, Any]:
    """The same n items in Match and in torch: a row of features, an int label, a float value."""
    rows = random_rows(n, N_FEATURES, seed)
    labels = [(7 * i) % 4 for i in range(n)]
    values = [row[0] * row[1] - 0.5 for row in rows]
    ours = TensorDataset(match.mat(rows, requires_grad=False), labels, values)
    theirs = tdata.TensorDataset(
        torch.tensor(rows, dtype=torch.float64),
        torch.tensor(labels),
        torch.tensor(values, dtype=torch.float64),
    )
    return ours, theirs


def assert_same_item(ours: Any, theirs: Any, what: str) -> None:
    """One item or batch, compared part by part: Matrices by value, ints as ints, floats as the
    (n, 1) column Match gives for torch's shape (n,) (a lone float stays a float)."""
    if isinstance(theirs, (tuple, list)):
        assert isinstance(ours, (tuple, list)), what
        assert len(ours) == len(theirs), what
        for k, (a, b) in enumerate(zip(ours, theirs)):
            assert_same_item(a, b, f"{what}[{k}]")
    elif isinstance(theirs, dict):
        assert set(ours) == set(theirs), what
        for key in theirs:
            assert_same_item(ours[key], theirs[key], f"{what}[{key!r}]")
    elif not theirs.is_floating_point():  # int labels: a list of ints, or one int
        expected = theirs.tolist()
        assert ours == expected, f"{what}: {ours} != {expected}"
        for label in ours if isinstance(ours, list) else [ours]:
            assert type(label) is int, f"{what}: {label!r} is not an int"
    elif isinstance(ours, (float, list)):  # a float item, or a slice of a list of floats
        assert_close(
            [[v] for v in ours] if isinstance(ours, list) else ours,
            theirs.reshape(-1, 1),
            what=what,
        )
    else:
        # torch's shapes (n,) and (F,) are Match's (n, 1) columns and (1, F) rows
        expected = theirs.reshape(-1, 1) if ours.ncol == 1 and theirs.dim() == 1 else theirs
        assert_close(ours, expected, what=what)


@pytest.mark.parametrize("n", [1, 7, 10])
def test_tensor_dataset_items_match_torch(n: int) -> None:
    ours, theirs = twin_datasets(n)
    assert len(ours) == len(theirs)
    for i in [*range(n), *range(-n, 0)]:
        assert_same_item(ours[i], theirs[i], f"item {i}")


def test_tensor_dataset_slices_match_torch() -> None:
    ours, theirs = twin_datasets(10)
    for key in (slice(2, 6), slice(None, None, 3), slice(-4, None)):
        assert_same_item(ours[key], theirs[key], f"slice {key}")


@pytest.mark.parametrize("n", [1, 7, 10])
@pytest.mark.parametrize("batch_size", [1, 3, 4, 10, 16])
@pytest.mark.parametrize("drop_last", [False, True])
def test_batches_match_torch_in_order(n: int, batch_size: int, drop_last: bool) -> None:
    ours, theirs = twin_datasets(n)
    loader = DataLoader(ours, batch_size=batch_size, drop_last=drop_last)
    torch_loader = tdata.DataLoader(theirs, batch_size=batch_size, drop_last=drop_last)
    assert len(loader) == len(torch_loader)
    batches, torch_batches = list(loader), list(torch_loader)
    assert len(batches) == len(torch_batches) == len(loader)
    for k, (batch, torch_batch) in enumerate(zip(batches, torch_batches)):
        assert isinstance(batch, list)  # torch yields a list for a TensorDataset's tuples
        assert_same_item(batch, torch_batch, f"batch {k}")


def test_default_batch_size_is_one_as_torch() -> None:
    ours, theirs = twin_datasets(5)
    for batch, torch_batch in zip(DataLoader(ours), tdata.DataLoader(theirs), strict=True):
        assert_same_item(batch, torch_batch, "batch of one")
        assert batch[0].shape == (1, N_FEATURES)


@pytest.mark.parametrize("drop_last", [False, True])
def test_shuffled_epoch_has_torch_sizes_and_every_item_once(drop_last: bool) -> None:
    ours, theirs = twin_datasets(11)
    match.manual_seed(3)
    loader = DataLoader(ours, batch_size=4, shuffle=True, drop_last=drop_last)
    torch_loader = tdata.DataLoader(theirs, batch_size=4, shuffle=True, drop_last=drop_last)
    sizes = [len(labels) for _, labels, _ in loader]
    assert sizes == [len(labels) for _, labels, _ in torch_loader]
    seen = sorted(tuple(row) for xb, _, _ in loader for row in xb.tolist())
    if not drop_last:
        assert seen == sorted(tuple(row) for row in ours.tensors[0].tolist())
    assert len(set(seen)) == len(seen) == sum(sizes)


def test_plain_list_form_batches_match_torch() -> None:
    """Match's own form DataLoader(X, y) gives what torch gives for TensorDataset(X, y)."""
    rows = random_rows(10, N_FEATURES, 5)
    labels = [i % 3 for i in range(10)]
    torch_set = tdata.TensorDataset(torch.tensor(rows, dtype=torch.float64), torch.tensor(labels))
    for drop_last in (False, True):
        loader = DataLoader(rows, labels, batch_size=4, drop_last=drop_last)
        torch_loader = tdata.DataLoader(torch_set, batch_size=4, drop_last=drop_last)
        assert len(loader) == len(torch_loader)
        for (xb, yb), torch_batch in zip(loader, torch_loader, strict=True):
            assert_same_item([xb, yb], torch_batch, "batch")


def test_matrix_as_dataset_matches_torch_tensor_as_dataset() -> None:
    """A bare Matrix is a dataset of its rows, as a tensor is a dataset of its first dim."""
    rows = random_rows(7, N_FEATURES, 6)
    batches = list(DataLoader(match.mat(rows, requires_grad=False), batch_size=3))
    torch_batches = list(tdata.DataLoader(torch.tensor(rows, dtype=torch.float64), batch_size=3))
    assert len(batches) == len(torch_batches)
    for batch, torch_batch in zip(batches, torch_batches):
        assert_close(batch, torch_batch)


class Squares(match.data.Dataset):
    """A Dataset written as torch tutorials write one: items computed in __getitem__."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> tuple[Any, int]:
        return match.mat([[float(i), float(i * i)]], requires_grad=False), i % 2


class TorchSquares(tdata.Dataset):
    """Squares in torch."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> tuple[Any, int]:
        return torch.tensor([float(i), float(i * i)], dtype=torch.float64), i % 2


def test_subclassed_dataset_batches_match_torch() -> None:
    batches = list(DataLoader(Squares(9), batch_size=4))
    torch_batches = list(tdata.DataLoader(TorchSquares(9), batch_size=4))
    assert len(batches) == len(torch_batches) == 3
    for batch, torch_batch in zip(batches, torch_batches):
        assert_same_item(batch, torch_batch, "batch")


def test_custom_collate_fn_gets_the_items_as_torch() -> None:
    ours, theirs = twin_datasets(5)
    batches = list(DataLoader(ours, batch_size=2, collate_fn=list))
    torch_batches = list(tdata.DataLoader(theirs, batch_size=2, collate_fn=list))
    assert [len(b) for b in batches] == [len(b) for b in torch_batches] == [2, 2, 1]
    for batch, torch_batch in zip(batches, torch_batches):
        assert_same_item(batch, torch_batch, "items")


def test_default_collate_matches_torch_for_tuples_and_dicts() -> None:
    rows = random_rows(3, 2, 7)
    items = [(match.mat([row]), i, row[0]) for i, row in enumerate(rows)]
    torch_items = [
        (torch.tensor(row, dtype=torch.float64), i, row[0]) for i, row in enumerate(rows)
    ]
    assert_same_item(match_collate(items), tdata.default_collate(torch_items), "tuples")
    for numbers in ([1, 2, 3], [1.5, 2.0], [1, 2.5], [2.5, 1]):  # mixed: floats, as torch
        assert_same_item(match_collate(numbers), tdata.default_collate(numbers), f"{numbers}")
    dicts = [{"x": x, "label": label} for x, label, _ in items]
    torch_dicts = [{"x": x, "label": label} for x, label, _ in torch_items]
    assert_same_item(match_collate(dicts), tdata.default_collate(torch_dicts), "dicts")


def test_gradient_flows_through_a_batch_as_in_torch() -> None:
    """Rows taken from a Matrix that tracks gradients, stacked into batches: the gradient reaches
    the rows each epoch used, and only those (drop_last leaves the last one out)."""
    rows = random_rows(7, N_FEATURES, 8)
    weights = random_rows(3, N_FEATURES, 9)
    X = match.mat(rows)
    X_t = torch.tensor(rows, dtype=torch.float64, requires_grad=True)
    w, w_t = match.mat(weights, requires_grad=False), torch.tensor(weights, dtype=torch.float64)
    loader = DataLoader(TensorDataset(X), batch_size=3, drop_last=True)
    torch_loader = tdata.DataLoader(tdata.TensorDataset(X_t), batch_size=3, drop_last=True)
    for (xb,), (xb_t,) in zip(loader, torch_loader, strict=True):
        loss, loss_t = ((xb * w).tanh()).sum(), ((xb_t * w_t).tanh()).sum()
        assert_close(loss, loss_t, what="loss")
        loss.backward()
        loss_t.backward()
    assert_close(X.grad, X_t.grad, what="grad of X")


@pytest.mark.parametrize(
    "fractions",
    [
        [0.5, 0.5],
        [0.8, 0.2],
        [0.3, 0.3, 0.4],
        [0.1] * 10,
        [1 / 3] * 3,
        [0.25, 0.25, 0.5],
        [1.0],
        [0.0, 1.0],
        [0.7, 0.1, 0.1, 0.1],
        [0.05, 0.9, 0.05],
    ],
)
def test_random_split_fraction_sizes_match_torch(fractions: list[float]) -> None:
    """Torch's rounding rule: the floor of each share, then the remainder one by one,
    round-robin from the first part."""
    for n in range(0, 24):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch warns about parts of length 0
            expected = [len(part) for part in tdata.random_split(range(n), fractions)]
        assert [len(part) for part in random_split(list(range(n)), fractions)] == expected


@pytest.mark.parametrize("lengths", [[3, 7], [10], [0, 4, 6], [5, 5]])
def test_random_split_count_sizes_match_torch(lengths: list[int]) -> None:
    parts = random_split(list(range(10)), lengths)
    torch_parts = tdata.random_split(range(10), lengths)
    assert [len(p) for p in parts] == [len(p) for p in torch_parts] == lengths
    assert sorted(i for part in parts for i in part) == list(range(10))


@pytest.mark.parametrize("lengths", [[3, 3], [0.5, 0.6], [0.5, 0.4], [4, 4, 4]])
def test_random_split_refuses_what_torch_refuses(lengths: list[Any]) -> None:
    with pytest.raises(ValueError):
        tdata.random_split(range(10), lengths)
    with pytest.raises(ValueError, match="random_split"):
        random_split(list(range(10)), lengths)


def test_subset_items_match_torch() -> None:
    ours, theirs = twin_datasets(8)
    indices = [4, 0, 0, 7, -1, 2]
    subset, torch_subset = Subset(ours, indices), tdata.Subset(theirs, indices)
    assert len(subset) == len(torch_subset)
    for i in range(len(indices)):
        assert_same_item(subset[i], torch_subset[i], f"subset item {i}")
    batches = list(DataLoader(subset, batch_size=4))
    for batch, torch_batch in zip(batches, tdata.DataLoader(torch_subset, batch_size=4)):
        assert_same_item(batch, torch_batch, "subset batch")


def test_concat_dataset_items_match_torch() -> None:
    (a, a_t), (b, b_t) = twin_datasets(3, seed=1), twin_datasets(5, seed=2)
    for ours, theirs in (
        (a + b, a_t + b_t),
        (ConcatDataset([b, a, b]), tdata.ConcatDataset([b_t, a_t, b_t])),
    ):
        assert len(ours) == len(theirs)
        assert ours.cumulative_sizes == theirs.cumulative_sizes
        for i in [*range(len(ours)), *range(-len(ours), 0)]:
            assert_same_item(ours[i], theirs[i], f"item {i}")
