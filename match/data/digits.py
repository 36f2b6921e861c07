"""The UCI handwritten digits, shipped with the package (see ``DIGITS-LICENSE.txt``)."""

from __future__ import annotations

from functools import lru_cache

from ..checks import check_flag

# The digits file holds 1,797 images; the first 1,437 (80%) are the training split
# and the last 360 the test split. Both halves contain every digit 33 to 146 times.
DIGITS_N_TRAIN = 1437
DIGITS_N_TEST = 360
_DIGITS_FILE = "digits.csv.gz"
_DIGITS_MAX_PIXEL = 16.0
_DIGITS_SPLITS = ("train", "test", "all")


@lru_cache(maxsize=1)
def _read_digits() -> tuple[tuple[tuple[int, ...], ...], tuple[int, ...]]:
    """Read the bundled digits file once; tuples so the cached copy cannot be changed."""
    import csv  # here, not at `import match`: importlib.resources pulls in tempfile and shutil
    import gzip
    import io
    from importlib import resources

    raw = resources.files(__package__).joinpath(_DIGITS_FILE).read_bytes()
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
        TypeError: if ``scale`` is not a bool.

    Data: "Optical Recognition of Handwritten Digits", E. Alpaydin and C. Kaynak
    (1998), UCI Machine Learning Repository, https://doi.org/10.24432/C50P49,
    licensed under CC BY 4.0 (see ``DIGITS-LICENSE.txt`` next to this file).
    """
    if split not in _DIGITS_SPLITS:
        valid = ", ".join(repr(name) for name in _DIGITS_SPLITS)
        raise ValueError(f"load_digits: split must be one of {valid}, got {split!r}")
    images, labels = _read_digits()
    if split == "train":
        part = slice(0, DIGITS_N_TRAIN)
    elif split == "test":
        part = slice(DIGITS_N_TRAIN, DIGITS_N_TRAIN + DIGITS_N_TEST)
    else:
        part = slice(0, len(images))
    divisor = _DIGITS_MAX_PIXEL if check_flag(scale, "load_digits", "scale") else 1.0
    X = [[pixel / divisor for pixel in image] for image in images[part]]
    return X, list(labels[part])
