"""match.data's loading API without torch: Dataset, TensorDataset, Subset, ConcatDataset,
random_split, default_collate and both forms of DataLoader (torch's, and Match's plain lists:
length, order, shuffling, drop_last, targets), and the errors they raise for bad input (each
names the function or class the user called). Parity with torch is in
tests/test_data_torch.py.
"""

from __future__ import annotations

import random
import subprocess
import sys
from typing import Any

import pytest

import match
from match.data import (
    ConcatDataset,
    DataLoader,
    Dataset,
    Subset,
    TensorDataset,
    default_collate,
    load_digits,
    make_regression,
    one_hot,
    random_split,
)


def numbered(n: int) -> TensorDataset:
    """n items whose row and label both say their position: ([i, -i], i)."""
    return TensorDataset(match.mat([[float(i), float(-i)] for i in range(n)]), list(range(n)))


def labels_of(loader: DataLoader) -> list[list[int]]:
    """The labels of each batch of one epoch."""
    return [labels for _, labels in loader]


# --- import and layout -------------------------------------------------------------------------
def test_import_match_makes_match_data_available() -> None:
    code = "import match; print(match.data.TensorDataset.__name__, 'data' in match.__all__)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.split() == ["TensorDataset", "True"], result.stderr


def test_every_public_name_is_exported() -> None:
    for name in match.data.__all__:
        assert getattr(match.data, name) is not None
        if callable(getattr(match.data, name)):
            assert getattr(match.data, name).__doc__, name


# --- Dataset, TensorDataset, Subset, ConcatDataset ---------------------------------------------
def test_dataset_base_class_says_what_to_define() -> None:
    with pytest.raises(NotImplementedError, match="Dataset must define __getitem__"):
        Dataset()[0]
    with pytest.raises(NotImplementedError, match="Dataset must define __len__"):
        len(Dataset())


def test_tensor_dataset_item_is_a_tuple_of_rows_and_labels() -> None:
    dataset = numbered(4)
    row, label = dataset[2]
    assert row.shape == (1, 2) and row.tolist() == [[2.0, -2.0]]
    assert label == 2 and type(label) is int
    assert dataset[-1][1] == 3
    assert len(dataset) == 4
    assert repr(dataset) == "TensorDataset(len=4, tensors=2)"
    assert [label for _, label in dataset] == [0, 1, 2, 3]  # iterable, and it stops


def test_tensor_dataset_turns_a_list_of_rows_into_a_matrix() -> None:
    dataset = TensorDataset([[1, 2], [3, 4]], [0.5, 1.5])
    assert isinstance(dataset.tensors[0], match.Matrix)
    assert not dataset.tensors[0].requires_grad
    assert dataset[1][0].tolist() == [[3.0, 4.0]]
    assert dataset[1][1] == 1.5


def test_tensor_dataset_bad_input_names_tensor_dataset() -> None:
    with pytest.raises(ValueError, match="TensorDataset: give at least one"):
        TensorDataset()
    with pytest.raises(ValueError, match=r"TensorDataset: .*same number of rows.*\[3, 2\]"):
        TensorDataset(match.ones(3, 2), [0, 1])
    with pytest.raises(TypeError, match="TensorDataset: argument 1 must be a Matrix or a list"):
        TensorDataset(match.ones(3, 2), "abc")
    dataset = numbered(3)
    for index in (3, -4, 100):
        with pytest.raises(IndexError, match=f"TensorDataset: index {index} is out of range"):
            dataset[index]
    with pytest.raises(TypeError, match="TensorDataset: an index must be an int, got float"):
        dataset[1.0]


def test_subset_reads_through_to_the_dataset() -> None:
    subset = Subset(numbered(5), [4, 1])
    assert len(subset) == 2
    assert subset[0][1] == 4 and subset[-1][1] == 1
    with pytest.raises(IndexError, match="Subset: index 2 is out of range for 2 items"):
        subset[2]


def test_plus_chains_datasets() -> None:
    chained = numbered(2) + numbered(3)
    assert isinstance(chained, ConcatDataset)
    assert [label for _, label in chained] == [0, 1, 0, 1, 2]
    assert chained.cumulative_sizes == [2, 5]
    with pytest.raises(IndexError, match="ConcatDataset: index 5 is out of range for 5 items"):
        chained[5]
    with pytest.raises(ValueError, match="ConcatDataset: datasets should not be an empty list"):
        ConcatDataset([])


# --- random_split --------------------------------------------------------------------------------
def test_random_split_parts_are_disjoint_and_cover_the_dataset() -> None:
    parts = random_split(numbered(10), [0.7, 0.3])
    assert [len(part) for part in parts] == [7, 3]
    labels = [label for part in parts for _, label in part]
    assert sorted(labels) == list(range(10))


def test_random_split_repeats_under_manual_seed_or_a_generator() -> None:
    def split_indices(**kwargs: Any) -> list[list[int]]:
        return [part.indices for part in random_split(numbered(10), [5, 5], **kwargs)]

    match.manual_seed(7)
    first = split_indices()
    match.manual_seed(7)
    assert split_indices() == first
    assert split_indices(generator=random.Random(1)) == split_indices(generator=random.Random(1))


@pytest.mark.parametrize(
    ("lengths", "error", "message"),
    [
        ([4, 5], ValueError, "random_split: lengths sum to 9 but the dataset has 10 items"),
        ([0.5, 0.6], ValueError, r"random_split: lengths must be ints .* or fractions"),
        ([], ValueError, "random_split: lengths must not be empty"),
        ([-1, 11], ValueError, r"random_split: lengths must not be negative, got \[-1, 11\]"),
        ([1.5, -0.5], ValueError, "random_split: every fraction must be in"),
        (["5", 5], TypeError, "random_split: lengths must be ints or fractions, got str"),
    ],
)
def test_random_split_bad_lengths(lengths: list[Any], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        random_split(numbered(10), lengths)


def test_views_refuse_what_is_not_a_dataset() -> None:
    for make, name in (
        (lambda: random_split(5, [1]), "random_split"),
        (lambda: Subset(5, [0]), "Subset"),
        (lambda: ConcatDataset([numbered(2), 3]), "ConcatDataset"),
    ):
        with pytest.raises(TypeError, match=f"{name}: a dataset must support len"):
            make()


def test_random_split_refuses_a_torch_generator_by_name() -> None:
    with pytest.raises(TypeError, match=r"random_split: generator must be a random.Random"):
        random_split(numbered(10), [5, 5], generator=object())


# --- default_collate ---------------------------------------------------------------------------
def test_default_collate_stacks_rows_and_keeps_int_labels() -> None:
    xb, yb, zb = default_collate(
        [(match.mat([[1.0, 2.0]]), 1, 0.5), (match.mat([[3.0, 4.0]]), 0, 1.5)]
    )
    assert xb.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert yb == [1, 0]
    assert zb.shape == (2, 1) and zb.tolist() == [[0.5], [1.5]]  # floats: a (batch, 1) column


def test_default_collate_collates_dicts_key_by_key() -> None:
    batch = default_collate(
        [{"x": match.mat([[1.0]]), "id": "a"}, {"x": match.mat([[2.0]]), "id": "b"}]
    )
    assert batch["x"].tolist() == [[1.0], [2.0]] and batch["id"] == ["a", "b"]


def test_default_collate_refuses_what_2d_cannot_hold() -> None:
    with pytest.raises(ValueError, match=r"default_collate: can only stack 1 x N rows.*collate_fn"):
        default_collate([match.ones(2, 2), match.ones(2, 2)])
    with pytest.raises(ValueError, match="default_collate: can only stack"):
        default_collate([match.ones(1, 2), match.ones(1, 3)])
    with pytest.raises(ValueError, match="default_collate: each item in the batch"):
        default_collate([(1, 2), (1,)])


# --- DataLoader, torch's form -------------------------------------------------------------------
def test_torch_form_batches_in_order_and_len_counts_batches() -> None:
    loader = DataLoader(numbered(10), batch_size=4)
    assert len(loader) == 3
    assert labels_of(loader) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert labels_of(DataLoader(numbered(10), batch_size=4, drop_last=True)) == [
        [0, 1, 2, 3],
        [4, 5, 6, 7],
    ]
    assert len(DataLoader(numbered(10), 4, drop_last=True)) == 2  # batch_size by position
    assert len(DataLoader(numbered(10))) == 10  # torch's default batch_size is 1


def test_torch_form_batch_is_a_list_of_a_matrix_and_int_labels() -> None:
    xb, yb = next(iter(DataLoader(numbered(5), batch_size=2)))
    assert isinstance(xb, match.Matrix) and xb.tolist() == [[0.0, 0.0], [1.0, -1.0]]
    assert yb == [0, 1] and all(type(label) is int for label in yb)


def test_torch_form_shuffle_repeats_under_manual_seed_and_changes_each_epoch() -> None:
    match.manual_seed(0)
    loader = DataLoader(numbered(20), batch_size=5, shuffle=True)
    first, second = labels_of(loader), labels_of(loader)
    assert first != second
    assert sorted(sum(first, [])) == list(range(20))
    match.manual_seed(0)
    assert labels_of(DataLoader(numbered(20), batch_size=5, shuffle=True)) == first
    seeded = [labels_of(DataLoader(numbered(20), batch_size=5, shuffle=True, seed=3)) for _ in "ab"]
    assert seeded[0] == seeded[1]
    generated = DataLoader(numbered(20), batch_size=5, shuffle=True, generator=random.Random(3))
    assert labels_of(generated) == seeded[0]


def test_torch_form_collate_fn_receives_the_items() -> None:
    loader = DataLoader(numbered(3), batch_size=2, collate_fn=lambda items: [y for _, y in items])
    assert list(loader) == [[0, 1], [2]]


def test_shuffle_none_means_no_shuffle_as_torch_default() -> None:
    assert labels_of(DataLoader(numbered(4), batch_size=2, shuffle=None)) == [[0, 1], [2, 3]]


def test_loader_over_random_split_parts() -> None:
    match.manual_seed(1)
    train, val = random_split(numbered(10), [0.8, 0.2])
    assert sum(len(labels) for labels in labels_of(DataLoader(train, batch_size=3))) == 8
    assert len(DataLoader(val, batch_size=3)) == 1


# --- DataLoader, Match's plain-list form (unchanged) -------------------------------------------
def test_plain_list_form_is_unchanged() -> None:
    X, y = [[float(i)] for i in range(5)], list(range(5))
    loader = DataLoader(X, y, batch_size=2)
    batches = list(loader)
    assert all(isinstance(batch, tuple) for batch in batches)
    assert [yb for _, yb in batches] == [[0, 1], [2, 3], [4]]
    assert len(DataLoader(X, y)) == 1  # default batch_size 32 in this form
    assert repr(loader) == "DataLoader(n_samples=5, batch_size=2, shuffle=False, drop_last=False)"


# --- DataLoader: bad input ---------------------------------------------------------------------
X4, Y4 = [[0.0], [1.0], [2.0], [3.0]], [0, 1, 0, 1]


TORCH_FORM_BAD_KWARGS: list[tuple[dict[str, Any], type[Exception], str]] = [
    ({"batch_size": 0}, ValueError, "batch_size must be a positive int, got 0"),
    ({"batch_size": 2.0}, TypeError, "batch_size must be a positive int, got float"),
    ({"batch_size": None}, TypeError, "batch_size must be a positive int, got NoneType"),
    ({"shuffle": 1}, TypeError, "shuffle must be True or False, got int"),
    ({"shuffle": "no"}, TypeError, "shuffle must be True or False, got str"),
    ({"drop_last": 0}, TypeError, "drop_last must be True or False"),
    ({"seed": "1"}, TypeError, "seed must be an int or None, got str"),
    ({"generator": 1}, TypeError, "generator must be a random.Random"),
    ({"collate_fn": 3}, TypeError, "collate_fn must be callable"),
]


@pytest.mark.parametrize(("kwargs", "error", "message"), TORCH_FORM_BAD_KWARGS)
def test_loader_bad_keyword_names_data_loader(
    kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=f"DataLoader: {message}"):
        DataLoader(numbered(4), **kwargs)


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "message"),
    [
        ((numbered(4), 2), {"batch_size": 2}, TypeError, "batch_size given twice"),
        ((5,), {}, TypeError, r"dataset must support len\(\) and \[i\]"),
        ((X4, Y4), {"collate_fn": list}, TypeError, "collate_fn needs torch's form"),
        ((X4, Y4[:3]), {}, ValueError, r"len\(X\)=4 and len\(y\)=3"),
        ((X4, "abcd"), {}, TypeError, "y must be a list"),
        ((X4, [0, [1.0], 0, 1]), {}, TypeError, "y must hold only"),
    ],
)
def test_loader_bad_arguments_name_data_loader(
    args: tuple[Any, ...], kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=f"DataLoader: .*{message}"):
        DataLoader(*args, **kwargs)


def test_a_refused_loader_leaves_the_generator_alone() -> None:
    match.manual_seed(5)
    expected = match.rand(1, 1).item()
    match.manual_seed(5)
    with pytest.raises(TypeError):
        DataLoader(numbered(4), shuffle="yes")
    assert match.rand(1, 1).item() == expected


# --- the plain-list helpers name themselves ----------------------------------------------------
@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: match.data.make_moons(10, seed="0"), TypeError, "make_moons: seed must be an int"),
        (
            lambda: match.data.make_moons(10, noise=float("nan")),
            ValueError,
            "make_moons: noise must be >= 0",
        ),
        (
            lambda: match.data.make_spirals(10, shuffle="yes"),
            TypeError,
            "make_spirals: shuffle must be True or False",
        ),
        (
            lambda: match.data.make_blobs(10, cluster_std=None),
            TypeError,
            "make_blobs: cluster_std must be a list",
        ),
        (
            lambda: match.data.make_blobs(10, center_box=(1.0,)),
            ValueError,
            r"make_blobs: center_box must be \(low, high\)",
        ),
        (
            lambda: match.data.make_blobs(10, center_box=(5.0, 1.0)),
            ValueError,
            "make_blobs: center_box must be .* low <= high",
        ),
        (
            lambda: match.data.make_blobs(10, centers=[[1.0], [1.0, 2.0]]),
            ValueError,
            "make_blobs: all rows of centers",
        ),
        (
            lambda: match.data.make_regression(10, bias="1"),
            TypeError,
            "make_regression: bias must be a number",
        ),
        (
            lambda: match.data.make_regression(10, n_features=2.0),
            TypeError,
            "make_regression: n_features must be a positive int",
        ),
        (
            lambda: match.data.train_test_split(X4, Y4, test_size="0.5"),
            TypeError,
            "train_test_split: test_size must be a number",
        ),
        (
            lambda: match.data.train_test_split([[1.0]], [0]),
            ValueError,
            "train_test_split: cannot split 1 samples",
        ),
        (
            lambda: match.data.load_digits(scale="yes"),
            TypeError,
            "load_digits: scale must be True or False",
        ),
    ],
)
def test_helpers_bad_input_names_the_helper(
    make: Any, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        make()


# --- DataLoader, Match's plain-list form: length, batches, shuffling, targets --------------------


def _numbered(n: int) -> tuple[list[list[float]], list[int]]:
    """A dataset whose label equals its row number, to check that pairs stay together."""
    return [[float(i), float(-i)] for i in range(n)], list(range(n))


def test_loader_len_with_and_without_drop_last() -> None:
    X, y = _numbered(10)
    assert len(DataLoader(X, y, batch_size=3)) == 4
    assert len(DataLoader(X, y, batch_size=3, drop_last=True)) == 3
    assert len(DataLoader(X, y, batch_size=5)) == 2
    assert len(DataLoader(X, y, batch_size=5, drop_last=True)) == 2
    assert len(DataLoader(X, y, batch_size=32)) == 1
    assert len(DataLoader(X, y, batch_size=32, drop_last=True)) == 0


def test_loader_length_mismatch_names_both_lengths() -> None:
    X, y = _numbered(10)
    with pytest.raises(ValueError, match=r"len\(X\)=10 and len\(y\)=9"):
        DataLoader(X, y[:9])


@pytest.mark.parametrize(
    ("batch_size", "error"),
    [(0, ValueError), (-4, ValueError), (2.5, TypeError), (True, TypeError)],
)
def test_loader_rejects_bad_batch_size(batch_size: object, error: type[Exception]) -> None:
    X, y = _numbered(10)
    with pytest.raises(error, match="DataLoader: batch_size must be a positive int"):
        DataLoader(X, y, batch_size=batch_size)  # type: ignore[arg-type]


def test_loader_rejects_empty_and_ragged_data() -> None:
    with pytest.raises(ValueError, match="at least one sample"):
        DataLoader([], [])
    with pytest.raises(ValueError, match="row 0 has 2 values but row 1 has 1"):
        DataLoader([[1.0, 2.0], [3.0]], [0, 1])


def test_loader_rejects_mixed_targets() -> None:
    with pytest.raises(TypeError, match="y must hold only"):
        DataLoader([[1.0], [2.0]], [0, [1.0]])


def _epoch_labels(loader: DataLoader) -> list[list[int]]:
    """Run one epoch and return the labels of each batch."""
    return [list(yb) for _, yb in loader]


def test_loader_batches_in_order_without_shuffle() -> None:
    X, y = _numbered(10)
    loader = DataLoader(X, y, batch_size=4)
    batches = list(loader)
    assert len(batches) == len(loader) == 3
    assert [yb for _, yb in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    xb, _ = batches[2]
    assert xb.tolist() == [[8.0, -8.0], [9.0, -9.0]]


def test_loader_inputs_do_not_track_gradients() -> None:
    X, y = _numbered(6)
    xb, yb = next(iter(DataLoader(X, y, batch_size=4)))
    assert xb.requires_grad is False
    assert isinstance(yb, list)
    assert all(isinstance(label, int) for label in yb)


def test_loader_drop_last_skips_short_batch() -> None:
    X, y = _numbered(10)
    batches = _epoch_labels(DataLoader(X, y, batch_size=4, drop_last=True))
    assert batches == [[0, 1, 2, 3], [4, 5, 6, 7]]


def test_loader_shuffle_is_reproducible_and_changes_each_epoch() -> None:
    X, y = _numbered(20)
    first = DataLoader(X, y, batch_size=6, shuffle=True, seed=0)
    second = DataLoader(X, y, batch_size=6, shuffle=True, seed=0)
    epochs_first = [_epoch_labels(first) for _ in range(3)]
    epochs_second = [_epoch_labels(second) for _ in range(3)]
    assert epochs_first == epochs_second
    assert epochs_first[0] != epochs_first[1]
    for epoch in epochs_first:
        assert [len(batch) for batch in epoch] == [6, 6, 6, 2]
        assert sorted(label for batch in epoch for label in batch) == list(range(20))


def test_loader_shuffled_pairs_stay_together() -> None:
    X, y = _numbered(12)
    for xb, yb in DataLoader(X, y, batch_size=5, shuffle=True, seed=3):
        assert xb.tolist() == [[float(i), float(-i)] for i in yb]


def test_loader_float_targets_become_column_matrix() -> None:
    X, y = make_regression(n_samples=7, n_features=2, seed=0)
    batches = list(DataLoader(X, y, batch_size=4))
    _, yb = batches[0]
    assert yb.tolist() == [[v] for v in y[:4]]
    assert yb.requires_grad is False
    assert batches[1][1].tolist() == [[v] for v in y[4:]]


def test_loader_row_targets_become_matrix() -> None:
    X, labels = _numbered(5)
    targets = one_hot(labels)
    _, yb = next(iter(DataLoader(X, targets, batch_size=3)))
    assert yb.tolist() == targets[:3]
    assert yb.requires_grad is False


def test_loader_over_digits() -> None:
    X, y = load_digits("test")
    loader = DataLoader(X, y, batch_size=64, shuffle=True, seed=0)
    assert len(loader) == 6
    sizes = [len(yb) for _, yb in loader]
    assert sizes == [64, 64, 64, 64, 64, 40]
