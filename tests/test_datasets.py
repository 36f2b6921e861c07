"""match.data's datasets and list helpers: the bundled digits, the synthetic sets (moons, spirals,
blobs, regression), train_test_split and one_hot, all on plain lists. The DataLoader and the
torch-style Dataset classes are in tests/test_data_api.py.
"""

from __future__ import annotations

import gzip
from collections import Counter
from collections.abc import Callable
from importlib import resources

import pytest

from match.data import (
    DIGITS_N_TEST,
    DIGITS_N_TRAIN,
    load_digits,
    make_blobs,
    make_moons,
    make_regression,
    make_spirals,
    one_hot,
    train_test_split,
)

# --------------------------------------------------------------------------------------
# Digits
# --------------------------------------------------------------------------------------


def test_digits_file_has_1797_rows_of_65_integers() -> None:
    raw = resources.files("match.data").joinpath("digits.csv.gz").read_bytes()
    assert len(raw) < 100_000  # the packaged file stays small
    lines = gzip.decompress(raw).decode("ascii").splitlines()
    assert len(lines) == 1797
    for line in lines:
        values = [int(v) for v in line.split(",")]
        assert len(values) == 65


def test_digits_licence_file_is_packaged() -> None:
    text = resources.files("match.data").joinpath("DIGITS-LICENSE.txt").read_text()
    assert "CC BY 4.0" in text
    assert "https://doi.org/10.24432/C50P49" in text


def test_digits_all_shapes_and_labels() -> None:
    X, y = load_digits("all")
    assert len(X) == len(y) == 1797
    assert all(len(row) == 64 for row in X)
    assert set(y) == set(range(10))
    assert all(isinstance(label, int) for label in y)


def test_digits_split_sizes_add_up() -> None:
    X_train, y_train = load_digits("train")
    X_test, y_test = load_digits("test")
    assert len(X_train) == len(y_train) == DIGITS_N_TRAIN == 1437
    assert len(X_test) == len(y_test) == DIGITS_N_TEST == 360
    assert len(X_train) + len(X_test) == 1797


def test_digits_default_is_scaled_train() -> None:
    X, y = load_digits()
    X_train, y_train = load_digits("train", scale=True)
    assert (X, y) == (X_train, y_train)
    pixels = [v for row in X for v in row]
    assert min(pixels) == 0.0
    assert max(pixels) == 1.0
    assert all(isinstance(v, float) for v in pixels)


def test_digits_unscaled_pixels_are_0_to_16() -> None:
    X, _ = load_digits("all", scale=False)
    pixels = {v for row in X for v in row}
    assert pixels <= {float(v) for v in range(17)}
    assert 0.0 in pixels and 16.0 in pixels
    X_scaled, _ = load_digits("all", scale=True)
    assert X_scaled[5] == [v / 16 for v in X[5]]


def test_digits_split_is_stable_and_disjoint() -> None:
    X_all, y_all = load_digits("all")
    X_train, y_train = load_digits("train")
    X_test, y_test = load_digits("test")
    # The split is "first 1,437 / last 360" in file order.
    assert X_train + X_test == X_all
    assert y_train + y_test == y_all
    # Every image in the file is different, so no test row may appear in train.
    train_rows = {tuple(row) for row in X_train}
    assert not any(tuple(row) in train_rows for row in X_test)
    # Loading again gives exactly the same data.
    assert load_digits("train") == (X_train, y_train)
    assert load_digits("test") == (X_test, y_test)


def test_digits_every_class_in_both_splits() -> None:
    _, y_train = load_digits("train")
    _, y_test = load_digits("test")
    assert set(y_train) == set(range(10))
    assert set(y_test) == set(range(10))


def test_digits_returns_fresh_lists() -> None:
    X, y = load_digits("test")
    X[0][0] = 123.0
    y[0] = 99
    X_again, y_again = load_digits("test")
    assert X_again[0][0] != 123.0
    assert y_again[0] != 99


def test_digits_bad_split_lists_valid_names() -> None:
    with pytest.raises(ValueError, match=r"'train', 'test', 'all'.*'validation'"):
        load_digits("validation")


# --------------------------------------------------------------------------------------
# Synthetic datasets
# --------------------------------------------------------------------------------------


def test_moons_shapes_labels_and_balance() -> None:
    X, y = make_moons(n_samples=101, noise=0.1, seed=0)
    assert len(X) == len(y) == 101
    assert all(len(row) == 2 for row in X)
    assert Counter(y) == {0: 50, 1: 51}


def test_moons_without_noise_lie_on_circles() -> None:
    X, y = make_moons(n_samples=40, seed=1)
    for (x1, x2), label in zip(X, y, strict=True):
        if label == 0:
            assert x1**2 + x2**2 == pytest.approx(1.0)
        else:
            assert (x1 - 1.0) ** 2 + (x2 - 0.5) ** 2 == pytest.approx(1.0)


def test_moons_reproducible_with_seed() -> None:
    assert make_moons(50, noise=0.2, seed=3) == make_moons(50, noise=0.2, seed=3)
    assert make_moons(50, noise=0.2, seed=3) != make_moons(50, noise=0.2, seed=4)


def test_moons_without_shuffle_are_sorted_by_class() -> None:
    _, y = make_moons(n_samples=10, seed=0, shuffle=False)
    assert y == [0] * 5 + [1] * 5


@pytest.mark.parametrize("n_classes", [2, 3, 5])
def test_spirals_shapes_and_labels(n_classes: int) -> None:
    X, y = make_spirals(n_samples=100, n_classes=n_classes, noise=0.05, seed=0)
    assert len(X) == len(y) == 100
    assert all(len(row) == 2 for row in X)
    assert set(y) == set(range(n_classes))
    counts = Counter(y)
    assert max(counts.values()) - min(counts.values()) <= 1


def test_spirals_without_noise_stay_in_unit_disc() -> None:
    X, _ = make_spirals(n_samples=60, n_classes=3, seed=0)
    assert all(x1**2 + x2**2 <= 1.0 + 1e-12 for x1, x2 in X)


def test_spirals_reproducible_with_seed() -> None:
    first = make_spirals(n_samples=30, n_classes=3, noise=0.1, seed=7)
    assert first == make_spirals(n_samples=30, n_classes=3, noise=0.1, seed=7)
    assert first != make_spirals(n_samples=30, n_classes=3, noise=0.1, seed=8)


def test_blobs_shapes_and_labels() -> None:
    X, y = make_blobs(n_samples=50, centers=4, n_features=3, seed=0)
    assert len(X) == len(y) == 50
    assert all(len(row) == 3 for row in X)
    assert set(y) == {0, 1, 2, 3}


def test_blobs_with_given_centers() -> None:
    centers = [[0.0, 0.0], [100.0, 100.0]]
    X, y = make_blobs(n_samples=20, centers=centers, cluster_std=[0.5, 1.0], seed=0)
    for row, label in zip(X, y, strict=True):
        # With std <= 1, points stay far closer to their own centre than to the other.
        assert abs(row[0] - centers[label][0]) < 10
        assert abs(row[1] - centers[label][1]) < 10


def test_blobs_with_zero_std_sit_on_centers() -> None:
    X, y = make_blobs(n_samples=6, centers=[[1.0, 2.0], [3.0, 4.0]], cluster_std=0.0, seed=0)
    assert all(row == [[1.0, 2.0], [3.0, 4.0]][label] for row, label in zip(X, y, strict=True))


def test_blobs_reproducible_with_seed() -> None:
    assert make_blobs(30, centers=3, seed=5) == make_blobs(30, centers=3, seed=5)
    assert make_blobs(30, centers=3, seed=5) != make_blobs(30, centers=3, seed=6)


def test_blobs_bad_cluster_std_length() -> None:
    with pytest.raises(ValueError, match="2 values for 3 centres"):
        make_blobs(10, centers=3, cluster_std=[1.0, 2.0], seed=0)


def test_regression_shapes_and_exact_fit_without_noise() -> None:
    X, y, w = make_regression(n_samples=40, n_features=3, bias=2.5, seed=0, coef=True)
    assert len(X) == len(y) == 40
    assert all(len(row) == 3 for row in X)
    assert len(w) == 3
    assert all(isinstance(v, float) for v in y)
    for row, target in zip(X, y, strict=True):
        assert target == pytest.approx(sum(wi * xi for wi, xi in zip(w, row, strict=True)) + 2.5)


def test_regression_default_returns_two_lists() -> None:
    result = make_regression(n_samples=10, seed=0)
    assert len(result) == 2
    X, y = result
    assert all(len(row) == 1 for row in X)
    assert len(y) == 10


def test_regression_reproducible_with_seed() -> None:
    assert make_regression(20, 2, noise=1.0, seed=1) == make_regression(20, 2, noise=1.0, seed=1)
    assert make_regression(20, 2, noise=1.0, seed=1) != make_regression(20, 2, noise=1.0, seed=2)


def test_synthetic_sets_do_not_touch_global_random() -> None:
    import random

    random.seed(123)
    expected = random.random()
    random.seed(123)
    make_moons(20, noise=0.1, seed=0)
    make_spirals(20, noise=0.1, seed=0)
    make_blobs(20, seed=0)
    make_regression(20, noise=0.1, seed=0)
    train_test_split([[1.0]] * 4, [0, 1, 0, 1], seed=0)
    assert random.random() == expected


@pytest.mark.parametrize(
    ("make", "kwargs", "message"),
    [
        (make_moons, {"n_samples": 0}, "make_moons: n_samples must be a positive int, got 0"),
        (make_moons, {"noise": -0.1}, "make_moons: noise must be >= 0"),
        (make_spirals, {"n_classes": 0}, "make_spirals: n_classes must be a positive int, got 0"),
        (make_blobs, {"centers": 0}, "make_blobs: centers must be a positive int, got 0"),
        (
            make_regression,
            {"n_features": 0},
            "make_regression: n_features must be a positive int, got 0",
        ),
    ],
)
def test_synthetic_sets_reject_bad_arguments(
    make: Callable[..., object], kwargs: dict[str, int | float], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        make(**kwargs)


# --------------------------------------------------------------------------------------
# train_test_split and one_hot
# --------------------------------------------------------------------------------------


def _numbered(n: int) -> tuple[list[list[float]], list[int]]:
    """A dataset whose label equals its row number, to check that pairs stay together."""
    return [[float(i), float(-i)] for i in range(n)], list(range(n))


def test_split_sizes() -> None:
    X, y = _numbered(10)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, seed=0)
    assert (len(X_train), len(X_test), len(y_train), len(y_test)) == (7, 3, 7, 3)
    X_train, X_test, _, _ = train_test_split(X, y, test_size=0.5, seed=0)
    assert (len(X_train), len(X_test)) == (5, 5)


def test_split_keeps_pairs_and_covers_everything() -> None:
    X, y = _numbered(20)
    X_train, X_test, y_train, y_test = train_test_split(X, y, seed=1)
    for row, label in zip(X_train + X_test, y_train + y_test, strict=True):
        assert row == [float(label), float(-label)]
    assert sorted(y_train + y_test) == list(range(20))


def test_split_reproducible_with_seed() -> None:
    X, y = _numbered(30)
    assert train_test_split(X, y, seed=4) == train_test_split(X, y, seed=4)
    assert train_test_split(X, y, seed=4) != train_test_split(X, y, seed=5)


def test_split_without_shuffle_keeps_order() -> None:
    X, y = _numbered(8)
    _, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, shuffle=False)
    assert y_train == [0, 1, 2, 3, 4, 5]
    assert y_test == [6, 7]
    assert X_test == [[6.0, -6.0], [7.0, -7.0]]


def test_split_copies_rows() -> None:
    X, y = _numbered(4)
    X_train, _, _, _ = train_test_split(X, y, test_size=0.5, shuffle=False)
    X_train[0][0] = 99.0
    assert X[0][0] == 0.0


def test_split_errors() -> None:
    X, y = _numbered(5)
    with pytest.raises(ValueError, match=r"len\(X\)=5 and len\(y\)=4"):
        train_test_split(X, y[:4])
    for bad in (0.0, 1.0, -0.2, 1.5):
        with pytest.raises(ValueError, match="test_size must be strictly between 0 and 1"):
            train_test_split(X, y, test_size=bad)
    with pytest.raises(ValueError, match="cannot split 1 samples"):
        train_test_split([[1.0]], [0], test_size=0.5)


def test_one_hot() -> None:
    assert one_hot([2, 0]) == [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]
    assert one_hot([1], num_classes=4) == [[0.0, 1.0, 0.0, 0.0]]
    with pytest.raises(ValueError, match=r"label 3 is outside 0 \.\. 2"):
        one_hot([3], num_classes=3)
