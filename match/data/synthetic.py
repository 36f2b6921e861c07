"""Synthetic datasets drawn from a seeded ``random.Random``, never the global generator.

The argument names follow scikit-learn (``n_samples``, ``noise``, ``centers``, ``cluster_std``),
except that the seed is called ``seed`` instead of ``random_state``. A given seed always gives the
same data on a given Python version.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import Any

from ..checks import (
    check_flag,
    check_int,
    check_non_negative,
    check_number,
    check_positive_int,
    is_int,
    is_number,
)
from ._checks import to_list, to_rows


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
    check_positive_int(n_samples, "make_moons", "n_samples")
    check_non_negative(noise, "make_moons", "noise")
    rng = random.Random(check_int(seed, "make_moons", "seed", allow_none=True))
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
    if check_flag(shuffle, "make_moons", "shuffle"):
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
    check_positive_int(n_samples, "make_spirals", "n_samples")
    check_positive_int(n_classes, "make_spirals", "n_classes")
    check_non_negative(noise, "make_spirals", "noise")
    rng = random.Random(check_int(seed, "make_spirals", "seed", allow_none=True))

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
    if check_flag(shuffle, "make_spirals", "shuffle"):
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
    check_positive_int(n_samples, "make_blobs", "n_samples")
    rng = random.Random(check_int(seed, "make_blobs", "seed", allow_none=True))

    if is_int(centers):
        check_positive_int(centers, "make_blobs", "centers")
        check_positive_int(n_features, "make_blobs", "n_features")
        box = to_list(center_box, "make_blobs", "center_box")
        if len(box) != 2:
            raise ValueError(f"make_blobs: center_box must be (low, high), got {center_box}")
        low, high = (check_number(bound, "make_blobs", "center_box") for bound in box)
        if low > high:
            raise ValueError(
                f"make_blobs: center_box must be (low, high) with low <= high, got {center_box}"
            )
        points = [[rng.uniform(low, high) for _ in range(n_features)] for _ in range(centers)]
    else:
        points = to_rows(centers, "make_blobs", "centers")
        if not points or not points[0]:
            raise ValueError(
                "make_blobs: centers must hold at least one point with at least one coordinate"
            )

    if is_number(cluster_std):
        stds = [float(cluster_std)] * len(points)
    else:
        stds = to_list(cluster_std, "make_blobs", "cluster_std")
        if len(stds) != len(points):
            raise ValueError(
                f"make_blobs: cluster_std must be one number or one per centre: got {len(stds)} "
                f"values for {len(points)} centres"
            )
    for std in stds:
        check_non_negative(std, "make_blobs", "cluster_std")

    X: list[list[float]] = []
    y: list[int] = []
    for label, count in enumerate(_split_evenly(n_samples, len(points))):
        for _ in range(count):
            X.append([c + rng.gauss(0.0, stds[label]) for c in points[label]])
            y.append(label)
    if check_flag(shuffle, "make_blobs", "shuffle"):
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
    check_positive_int(n_samples, "make_regression", "n_samples")
    check_positive_int(n_features, "make_regression", "n_features")
    check_non_negative(noise, "make_regression", "noise")
    check_number(bias, "make_regression", "bias")
    rng = random.Random(check_int(seed, "make_regression", "seed", allow_none=True))

    weights = [rng.uniform(-5.0, 5.0) for _ in range(n_features)]
    X = [[rng.gauss(0.0, 1.0) for _ in range(n_features)] for _ in range(n_samples)]
    y = [
        sum(w * x for w, x in zip(weights, row, strict=True)) + bias + rng.gauss(0.0, noise)
        for row in X
    ]
    if check_flag(coef, "make_regression", "coef"):
        return X, y, weights
    return X, y
