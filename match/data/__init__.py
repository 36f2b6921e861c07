"""Small datasets and data helpers for Match, written with the standard library only.

Everything here works on plain Python lists, so it can be used (and read) without
knowing anything about ``Matrix``. The only place that builds Matrices is the
:class:`DataLoader`, which turns each minibatch into a ``Matrix`` for the model.

Contents:

- :func:`load_digits`: the UCI handwritten digits (1,797 images of 8x8 pixels),
  shipped with the package (see ``DIGITS-LICENSE.txt`` for its CC BY 4.0 licence).
- :func:`make_moons`, :func:`make_spirals`, :func:`make_blobs`,
  :func:`make_regression`: synthetic datasets drawn from a seeded
  ``random.Random``, never the global random generator.
- :func:`train_test_split`: split rows and targets into a training and a test part.
- :func:`one_hot`: turn integer labels into one-hot rows.
- :class:`DataLoader`: iterate over minibatches, optionally shuffled.

The argument names follow scikit-learn where it has the same function
(``n_samples``, ``noise``, ``centers``, ``cluster_std``, ``test_size``...), except
that the seed is called ``seed`` instead of ``random_state``. A given seed always
gives the same data on a given Python version.

Example::

    import match
    from match.data import DataLoader, load_digits

    X_train, y_train = load_digits("train")
    loader = DataLoader(X_train, y_train, batch_size=64, shuffle=True, seed=0)
    for xb, yb in loader:  # xb: (64, 64) Matrix, yb: list of 64 ints
        ...
"""

from __future__ import annotations

import csv
import gzip
import io
import math
import random
from collections.abc import Iterator, Sequence
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    # Only for type hints: importing match.matrix at run time here could create an
    # import cycle, because match/__init__.py may import this module.
    from match.matrix import Matrix

__all__ = [
    "DIGITS_N_TEST",
    "DIGITS_N_TRAIN",
    "DataLoader",
    "load_digits",
    "make_blobs",
    "make_moons",
    "make_regression",
    "make_spirals",
    "one_hot",
    "train_test_split",
]

# The digits file holds 1,797 images; the first 1,437 (80%) are the training split
# and the last 360 the test split. Both halves contain every digit 33 to 146 times.
DIGITS_N_TRAIN = 1437
DIGITS_N_TEST = 360
_DIGITS_FILE = "digits.csv.gz"
_DIGITS_MAX_PIXEL = 16.0
_DIGITS_SPLITS = ("train", "test", "all")


# --------------------------------------------------------------------------------------
# Input checks shared by the functions below
# --------------------------------------------------------------------------------------


def _check_int(name: str, value: Any, minimum: int) -> None:
    """Raise if ``value`` is not an int (bools excluded) of at least ``minimum``."""
    # bool is a subclass of int, but True as a sample count is almost surely a mistake.
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")


def _check_non_negative(name: str, value: Any) -> None:
    """Raise if ``value`` is not a real number >= 0."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")


def _to_list(values: Any, name: str) -> list[Any]:
    """Return ``values`` as a list; a Matrix (anything with ``.tolist()``) is converted."""
    if hasattr(values, "tolist"):
        values = values.tolist()
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise TypeError(f"{name} must be a list (or a Matrix), got {type(values).__name__}")
    return list(values)


def _to_rows(values: Any, name: str) -> list[list[float]]:
    """Return ``values`` as a list of equally long rows (copies of the input rows)."""
    rows = []
    for i, row in enumerate(_to_list(values, name)):
        if not isinstance(row, (list, tuple)):
            raise TypeError(
                f"{name} must be a list of rows (lists), but item {i} is {type(row).__name__}"
            )
        rows.append(list(row))
    if rows:
        width = len(rows[0])
        for i, row in enumerate(rows):
            if len(row) != width:
                raise ValueError(
                    f"all rows of {name} must have the same length: "
                    f"row 0 has {width} values but row {i} has {len(row)}"
                )
    return rows


def _check_same_length(X: Sequence[Any], y: Sequence[Any]) -> None:
    """Raise a ValueError naming both lengths if X and y differ in length."""
    if len(X) != len(y):
        raise ValueError(
            f"X and y must have the same number of samples, got len(X)={len(X)} and len(y)={len(y)}"
        )


def _copy(item: Any) -> Any:
    """Copy a row (a list) so that results never share lists with the input."""
    return list(item) if isinstance(item, (list, tuple)) else item


def _split_evenly(n_samples: int, n_groups: int) -> list[int]:
    """Sizes of ``n_groups`` groups that add up to ``n_samples`` and differ by at most 1."""
    base, extra = divmod(n_samples, n_groups)
    return [base + 1 if g < extra else base for g in range(n_groups)]


def _shuffled_together(
    X: list[list[float]], y: list[Any], rng: random.Random
) -> tuple[list[list[float]], list[Any]]:
    """Shuffle X and y with the same permutation (so pairs stay together)."""
    order = list(range(len(X)))
    rng.shuffle(order)
    return [X[i] for i in order], [y[i] for i in order]


# --------------------------------------------------------------------------------------
# Handwritten digits
# --------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _read_digits() -> tuple[tuple[tuple[int, ...], ...], tuple[int, ...]]:
    """Read the bundled digits file once; tuples so the cached copy cannot be changed."""
    raw = resources.files(__name__).joinpath(_DIGITS_FILE).read_bytes()
    text = gzip.decompress(raw).decode("ascii")
    images: list[tuple[int, ...]] = []
    labels: list[int] = []
    for line in csv.reader(io.StringIO(text)):
        if not line:
            continue
        numbers = [int(value) for value in line]
        images.append(tuple(numbers[:-1]))
        labels.append(numbers[-1])
    return tuple(images), tuple(labels)


def load_digits(split: str = "train", scale: bool = True) -> tuple[list[list[float]], list[int]]:
    """Load the UCI handwritten digits as plain lists ``(X, y)``.

    Each of the 1,797 images is an 8x8 grid of pixel values, flattened row by row
    into 64 numbers. Each pixel counts the "on" pixels in a 4x4 block of the original
    32x32 scan, so raw values go from 0 to 16. The labels are the digits 0 to 9.

    The split is fixed and never random: ``"train"`` is the first 1,437 images
    (``DIGITS_N_TRAIN``), ``"test"`` the last 360 (``DIGITS_N_TEST``), and ``"all"``
    all 1,797 in file order. The two parts do not overlap and every digit appears in
    both. Calling again always gives the same rows in the same order.

    Args:
        split: ``"train"``, ``"test"`` or ``"all"``.
        scale: if True (the default), divide the pixels by 16 so they lie in
            [0, 1]; if False, keep the raw values 0.0 to 16.0 (still floats).

    Returns:
        ``(X, y)``: ``X`` is a list of rows of 64 floats, ``y`` a list of int labels.
        Both are new lists, so changing them does not affect later calls.
        Use ``match.mat(X, requires_grad=False)`` to get a Matrix.

    Raises:
        ValueError: if ``split`` is not one of the names above.

    Data: "Optical Recognition of Handwritten Digits", E. Alpaydin and C. Kaynak
    (1998), UCI Machine Learning Repository, https://doi.org/10.24432/C50P49,
    licensed under CC BY 4.0 (see ``DIGITS-LICENSE.txt`` next to this file).
    """
    if split not in _DIGITS_SPLITS:
        valid = ", ".join(repr(name) for name in _DIGITS_SPLITS)
        raise ValueError(f"split must be one of {valid}, got {split!r}")
    images, labels = _read_digits()
    if split == "train":
        part = slice(0, DIGITS_N_TRAIN)
    elif split == "test":
        part = slice(DIGITS_N_TRAIN, DIGITS_N_TRAIN + DIGITS_N_TEST)
    else:
        part = slice(0, len(images))
    divisor = _DIGITS_MAX_PIXEL if scale else 1.0
    X = [[pixel / divisor for pixel in image] for image in images[part]]
    return X, list(labels[part])


# --------------------------------------------------------------------------------------
# Synthetic datasets
# --------------------------------------------------------------------------------------


def make_moons(
    n_samples: int = 100, noise: float = 0.0, seed: int | None = None, shuffle: bool = True
) -> tuple[list[list[float]], list[int]]:
    """Make two interleaving half circles ("moons"): a 2D, two-class toy problem.

    Class 0 lies on the upper half of the unit circle centred at (0, 0); class 1 on
    a lower half circle centred at (1, 0.5). The two classes cannot be separated by a
    straight line, which makes this a good first test for a small neural network.

    Args:
        n_samples: total number of points. Class 0 gets ``n_samples // 2`` of them,
            class 1 the rest.
        noise: standard deviation of Gaussian noise added to each coordinate.
        seed: seed for a private ``random.Random``; the same seed gives the same data.
            ``None`` gives different data on each call.
        shuffle: if True, shuffle the points; if False, all of class 0 come first.

    Returns:
        ``(X, y)``: ``X`` is a list of ``[x1, x2]`` rows, ``y`` a list of labels 0 or 1.
    """
    _check_int("n_samples", n_samples, 1)
    _check_non_negative("noise", noise)
    rng = random.Random(seed)
    n_outer, n_inner = n_samples // 2, n_samples - n_samples // 2

    X: list[list[float]] = []
    y: list[int] = []
    for label, count in ((0, n_outer), (1, n_inner)):
        for i in range(count):
            # Spread the angles evenly over [0, pi], including both ends.
            angle = math.pi * i / (count - 1) if count > 1 else 0.0
            if label == 0:
                point = [math.cos(angle), math.sin(angle)]
            else:
                point = [1.0 - math.cos(angle), 0.5 - math.sin(angle)]
            X.append([value + rng.gauss(0.0, noise) for value in point])
            y.append(label)
    if shuffle:
        X, y = _shuffled_together(X, y, rng)
    return X, y


def make_spirals(
    n_samples: int = 100,
    n_classes: int = 2,
    noise: float = 0.0,
    seed: int | None = None,
    shuffle: bool = True,
) -> tuple[list[list[float]], list[int]]:
    """Make interleaved spiral arms, one arm per class: a hard 2D toy problem.

    Each arm starts near the origin and winds once around it while its radius grows
    to 1. The arms are rotated against each other by ``2 * pi / n_classes``. Telling
    them apart needs a clearly non-linear model, such as an MLP with a hidden layer.
    (scikit-learn has no such function; the arguments mirror :func:`make_moons`.)

    Args:
        n_samples: total number of points, shared as evenly as possible between the
            classes (the first classes get one more point when it does not divide).
        n_classes: number of arms, and so of classes.
        noise: standard deviation of Gaussian noise added to each coordinate.
        seed: seed for a private ``random.Random``; the same seed gives the same data.
        shuffle: if True, shuffle the points; if False, they come class by class.

    Returns:
        ``(X, y)``: ``X`` is a list of ``[x1, x2]`` rows, ``y`` a list of labels
        ``0 .. n_classes - 1``.
    """
    _check_int("n_samples", n_samples, 1)
    _check_int("n_classes", n_classes, 1)
    _check_non_negative("noise", noise)
    rng = random.Random(seed)

    X: list[list[float]] = []
    y: list[int] = []
    for label, count in enumerate(_split_evenly(n_samples, n_classes)):
        offset = 2.0 * math.pi * label / n_classes
        for i in range(count):
            # The radius starts above 0 so that arms do not share a point at the origin.
            radius = (i + 1) / count
            angle = offset + 2.0 * math.pi * radius  # one full turn from centre to rim
            point = [radius * math.cos(angle), radius * math.sin(angle)]
            X.append([value + rng.gauss(0.0, noise) for value in point])
            y.append(label)
    if shuffle:
        X, y = _shuffled_together(X, y, rng)
    return X, y


def make_blobs(
    n_samples: int = 100,
    centers: int | Sequence[Sequence[float]] = 3,
    n_features: int = 2,
    cluster_std: float | Sequence[float] = 1.0,
    center_box: tuple[float, float] = (-10.0, 10.0),
    seed: int | None = None,
    shuffle: bool = True,
) -> tuple[list[list[float]], list[int]]:
    """Make Gaussian blobs: one round cloud of points per class.

    Args:
        n_samples: total number of points, shared as evenly as possible between the
            centres (the first centres get one more point when it does not divide).
        centers: either the number of centres, drawn uniformly from ``center_box`` in
            each coordinate, or the centres themselves as a list of points (then
            ``n_features`` is taken from their length and ``center_box`` is unused).
        n_features: number of coordinates per point (when ``centers`` is a number).
        cluster_std: standard deviation of each blob, one number for all blobs or one
            per centre.
        center_box: ``(low, high)`` bounds for random centres.
        seed: seed for a private ``random.Random``; the same seed gives the same data.
        shuffle: if True, shuffle the points; if False, they come blob by blob.

    Returns:
        ``(X, y)``: ``X`` is a list of rows of ``n_features`` floats, ``y`` the index
        of the centre each point was drawn around (``0 .. n_centers - 1``).
    """
    _check_int("n_samples", n_samples, 1)
    rng = random.Random(seed)

    if isinstance(centers, int) and not isinstance(centers, bool):
        _check_int("centers", centers, 1)
        _check_int("n_features", n_features, 1)
        low, high = center_box
        if low > high:
            raise ValueError(f"center_box must be (low, high) with low <= high, got {center_box}")
        points = [[rng.uniform(low, high) for _ in range(n_features)] for _ in range(centers)]
    else:
        points = _to_rows(centers, "centers")
        if not points or not points[0]:
            raise ValueError("centers must hold at least one point with at least one coordinate")

    if isinstance(cluster_std, (int, float)) and not isinstance(cluster_std, bool):
        stds = [float(cluster_std)] * len(points)
    else:
        stds = list(cluster_std)
        if len(stds) != len(points):
            raise ValueError(
                f"cluster_std must be one number or one per centre: got {len(stds)} "
                f"values for {len(points)} centres"
            )
    for std in stds:
        _check_non_negative("cluster_std", std)

    X: list[list[float]] = []
    y: list[int] = []
    for label, count in enumerate(_split_evenly(n_samples, len(points))):
        for _ in range(count):
            X.append([c + rng.gauss(0.0, stds[label]) for c in points[label]])
            y.append(label)
    if shuffle:
        X, y = _shuffled_together(X, y, rng)
    return X, y


def make_regression(
    n_samples: int = 100,
    n_features: int = 1,
    noise: float = 0.0,
    bias: float = 0.0,
    seed: int | None = None,
    coef: bool = False,
) -> tuple[list[list[float]], list[float]] | tuple[list[list[float]], list[float], list[float]]:
    """Make a linear regression problem: ``y = X @ w + bias + noise``.

    The inputs are drawn from a standard normal distribution. The true weights ``w``
    are drawn uniformly from [-5, 5] (one per feature), so a linear model can learn
    them back; with ``noise=0`` it can fit the targets exactly.

    Args:
        n_samples: number of rows.
        n_features: number of input features per row.
        noise: standard deviation of Gaussian noise added to each target.
        bias: constant added to every target (the true intercept).
        seed: seed for a private ``random.Random``; the same seed gives the same data.
        coef: if True, also return the true weights ``w`` (as in scikit-learn).

    Returns:
        ``(X, y)``, or ``(X, y, w)`` when ``coef`` is True: ``X`` is a list of rows of
        ``n_features`` floats, ``y`` a list of float targets (one per row), and ``w``
        a list of ``n_features`` floats. The targets are floats, so a
        :class:`DataLoader` yields them as an (N, 1) Matrix.
    """
    _check_int("n_samples", n_samples, 1)
    _check_int("n_features", n_features, 1)
    _check_non_negative("noise", noise)
    rng = random.Random(seed)

    weights = [rng.uniform(-5.0, 5.0) for _ in range(n_features)]
    X = [[rng.gauss(0.0, 1.0) for _ in range(n_features)] for _ in range(n_samples)]
    y = [
        sum(w * x for w, x in zip(weights, row, strict=True)) + bias + rng.gauss(0.0, noise)
        for row in X
    ]
    if coef:
        return X, y, weights
    return X, y


# --------------------------------------------------------------------------------------
# Helpers for preparing data
# --------------------------------------------------------------------------------------


def train_test_split(
    X: Any, y: Any, test_size: float = 0.25, seed: int | None = None, shuffle: bool = True
) -> tuple[list[Any], list[Any], list[Any], list[Any]]:
    """Split rows and targets into a training part and a test part.

    Works like scikit-learn's function of the same name, on plain lists. The test
    part gets ``ceil(test_size * n)`` samples and the training part the rest.

    Args:
        X: the input rows, a list of lists (a Matrix is accepted and converted with
            its ``.tolist()``).
        y: the targets, one per row: a list of labels or values (or a Matrix, which
            becomes a list of rows).
        test_size: the fraction of samples for the test part, strictly between 0 and 1.
        seed: seed for a private ``random.Random`` used when ``shuffle`` is True.
        shuffle: if True, pick the test samples at random; if False, the training
            part is the first samples and the test part the last ones, in order.

    Returns:
        ``X_train, X_test, y_train, y_test``, all new plain lists.

    Raises:
        ValueError: if X and y differ in length, ``test_size`` is not in (0, 1), or
            either part would be empty.
    """
    X_list = _to_list(X, "X")
    y_list = _to_list(y, "y")
    _check_same_length(X_list, y_list)
    if isinstance(test_size, bool) or not isinstance(test_size, (int, float)):
        raise TypeError(f"test_size must be a number, got {type(test_size).__name__}")
    if not 0.0 < test_size < 1.0:
        raise ValueError(f"test_size must be strictly between 0 and 1, got {test_size}")

    n = len(X_list)
    n_test = math.ceil(test_size * n)
    n_train = n - n_test
    if n_train < 1 or n_test < 1:
        raise ValueError(
            f"cannot split {n} samples with test_size={test_size}: it gives "
            f"{n_train} training and {n_test} test samples, and both must be at least 1"
        )

    order = list(range(n))
    if shuffle:
        random.Random(seed).shuffle(order)
        train_idx, test_idx = order[n_test:], order[:n_test]
    else:
        train_idx, test_idx = order[:n_train], order[n_train:]
    return (
        [_copy(X_list[i]) for i in train_idx],
        [_copy(X_list[i]) for i in test_idx],
        [_copy(y_list[i]) for i in train_idx],
        [_copy(y_list[i]) for i in test_idx],
    )


def one_hot(labels: Sequence[int], num_classes: int | None = None) -> list[list[float]]:
    """Turn integer labels into one-hot rows, e.g. ``[2, 0]`` -> ``[[0, 0, 1], [1, 0, 0]]``.

    Useful to train a classifier with a loss such as MSE that needs one target value
    per output instead of a class index.

    Args:
        labels: class indices, each in ``0 .. num_classes - 1``.
        num_classes: length of each row; by default ``max(labels) + 1``.

    Returns:
        A list of rows of floats (1.0 at the label's position, 0.0 elsewhere).

    Raises:
        TypeError: if a label is not an int.
        ValueError: if a label is negative or not below ``num_classes``.
    """
    from ..nn.functional import one_hot as _one_hot  # lazy: no match import at load

    labels = list(labels)
    return _one_hot(labels, -1 if num_classes is None else num_classes).tolist() if labels else []


# --------------------------------------------------------------------------------------
# Minibatches
# --------------------------------------------------------------------------------------


class DataLoader:
    """Iterate over a dataset in minibatches of Matrices.

    Each ``for xb, yb in loader`` loop is one epoch over the data. ``xb`` is a
    (batch, n_features) Matrix made with ``match.mat(rows, requires_grad=False)``,
    since inputs are data, not parameters. What ``yb`` is depends on the targets:

    - int labels (classification): a plain ``list[int]``, which is what
      ``CrossEntropyLoss`` takes as targets;
    - float values (regression): a (batch, 1) Matrix;
    - rows of floats (e.g. one-hot rows, or several outputs): a (batch, k) Matrix.

    The kind is decided once for the whole dataset: ``y`` counts as labels only if
    every value is an int, so write ``[1.0, 2.0]`` rather than ``[1, 2]`` for
    regression targets. Target Matrices do not track gradients either.

    With ``shuffle=True`` every epoch visits the samples in a new random order. The
    random generator belongs to the loader and is seeded once, so two loaders made
    with the same seed give the same sequence of epochs, while the epochs of one
    loader differ from each other.

    Args:
        X: the input rows, a list of lists (or a Matrix).
        y: the targets, one per row (or a Matrix, read as rows).
        batch_size: number of samples per batch (the last batch may be smaller).
        shuffle: if True, shuffle the order of samples at the start of each epoch.
        seed: seed for the loader's own ``random.Random`` (only used to shuffle).
        drop_last: if True, skip the last batch when it is smaller than ``batch_size``.

    Raises:
        ValueError: if X is empty, X and y differ in length, the rows of X (or y)
            differ in length, or ``batch_size`` is not a positive int.
        TypeError: if ``y`` mixes labels, numbers and rows.
    """

    def __init__(
        self,
        X: Any,
        y: Any,
        batch_size: int = 32,
        shuffle: bool = False,
        seed: int | None = None,
        drop_last: bool = False,
    ) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
        self.X = _to_rows(X, "X")
        y_list = _to_list(y, "y")
        _check_same_length(self.X, y_list)
        if not self.X:
            raise ValueError("X must contain at least one sample")
        self.y, self._y_kind = self._prepare_targets(y_list)
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        # One generator for the loader's whole life, so each epoch gets a new order.
        self._rng = random.Random(seed)

    @staticmethod
    def _prepare_targets(y: list[Any]) -> tuple[list[Any], str]:
        """Copy the targets and decide how batches of them are returned."""
        if all(isinstance(v, int) and not isinstance(v, bool) for v in y):
            return list(y), "labels"
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in y):
            return [float(v) for v in y], "values"
        if all(isinstance(v, (list, tuple)) for v in y):
            return _to_rows(y, "y"), "rows"
        raise TypeError(
            "y must hold only int labels, only numbers, or only rows of numbers (one per sample)"
        )

    def __len__(self) -> int:
        """Return the number of batches in one epoch."""
        n = len(self.X)
        if self.drop_last:
            return n // self.batch_size
        return math.ceil(n / self.batch_size)

    def __iter__(self) -> Iterator[tuple[Matrix, list[int] | Matrix]]:
        """Start a new epoch and return an iterator over its ``(xb, yb)`` batches."""
        # Imported here, not at the top, because match/__init__.py imports this module.
        from match import mat

        order = list(range(len(self.X)))
        if self.shuffle:
            self._rng.shuffle(order)  # done now, so the epoch is fixed when iter() is called
        return self._batches(order, mat)

    def _batches(self, order: list[int], mat: Any) -> Iterator[tuple[Matrix, list[int] | Matrix]]:
        """Yield the batches of one epoch, following the sample order ``order``."""
        for batch_index in range(len(self)):
            start = batch_index * self.batch_size
            indices = order[start : start + self.batch_size]
            xb = mat([self.X[i] for i in indices], requires_grad=False)
            if self._y_kind == "labels":
                yb: list[int] | Matrix = [self.y[i] for i in indices]
            elif self._y_kind == "values":
                yb = mat([[self.y[i]] for i in indices], requires_grad=False)
            else:
                yb = mat([self.y[i] for i in indices], requires_grad=False)
            yield xb, yb

    def __repr__(self) -> str:
        """Describe the loader, e.g. ``DataLoader(n_samples=100, batch_size=32, ...)``."""
        return (
            f"DataLoader(n_samples={len(self.X)}, batch_size={self.batch_size}, "
            f"shuffle={self.shuffle}, drop_last={self.drop_last})"
        )
