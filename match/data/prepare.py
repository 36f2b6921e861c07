"""Helpers that prepare plain-list data: split it, and turn labels into one-hot rows."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import Any

from ..checks import check_flag, check_int, check_number
from ..nn.loss_functions import one_hot as _one_hot
from ._checks import check_same_length, copy_item, to_list


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
    X_list = to_list(X, "train_test_split", "X")
    y_list = to_list(y, "train_test_split", "y")
    check_same_length(X_list, y_list, "train_test_split")
    if not 0.0 < check_number(test_size, "train_test_split", "test_size") < 1.0:
        raise ValueError(
            f"train_test_split: test_size must be strictly between 0 and 1, got {test_size}"
        )
    check_int(seed, "train_test_split", "seed", allow_none=True)
    check_flag(shuffle, "train_test_split", "shuffle")

    n = len(X_list)
    n_test = math.ceil(test_size * n)
    n_train = n - n_test
    if n_train < 1 or n_test < 1:
        raise ValueError(
            f"train_test_split: cannot split {n} samples with test_size={test_size}: it gives "
            f"{n_train} training and {n_test} test samples, and both must be at least 1"
        )

    order = list(range(n))
    if shuffle:
        random.Random(seed).shuffle(order)
        train_idx, test_idx = order[n_test:], order[:n_test]
    else:
        train_idx, test_idx = order[:n_train], order[n_train:]
    return (
        [copy_item(X_list[i]) for i in train_idx],
        [copy_item(X_list[i]) for i in test_idx],
        [copy_item(y_list[i]) for i in train_idx],
        [copy_item(y_list[i]) for i in test_idx],
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

    labels = list(labels)
    return _one_hot(labels, -1 if num_classes is None else num_classes).tolist() if labels else []
