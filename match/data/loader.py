"""Minibatches: :class:`DataLoader` groups a dataset's items into batches, as torch's does, and
:func:`default_collate` is how it turns a list of items into one batch."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from ..checks import check_flag, check_int, check_positive_int, is_int, is_number
from ..creation import mat
from ..list2d import rng
from ..matrix import Matrix, stack
from ._checks import check_dataset, check_generator, check_same_length, to_list, to_rows

_UNSET: Any = object()  # batch_size's default depends on the form: 1 for a dataset, 32 for X, y


def default_collate(batch: Sequence[Any]) -> Any:
    """Turn a list of items into one batch the way torch's ``default_collate`` does, in 2D:

    - 1 x N Matrices (rows, Match's 1D tensors) are stacked into a (batch, N) Matrix;
    - ints (class labels) stay a ``list[int]``, which is what ``CrossEntropyLoss`` takes;
    - floats (or ints and floats mixed, as torch) become a (batch, 1) Matrix (torch gives
      shape (batch,), which would broadcast wrongly against a model's (batch, 1) output);
    - tuples and lists (e.g. ``(x, y)`` pairs) are collated position by position into a list,
      dicts key by key; anything else is returned as a list.

    Raises:
        ValueError: for Matrices that are not rows of one shape, or sequences of different
            lengths (torch stacks 2D items into 3D, which Match does not have: use a
            ``collate_fn``).
    """
    first = batch[0]
    if isinstance(first, Matrix):
        if first.nrow != 1 or any(
            not isinstance(item, Matrix) or item.shape != first.shape for item in batch
        ):
            shapes = sorted(
                {getattr(item, "shape", type(item).__name__) for item in batch}, key=str
            )
            raise ValueError(
                f"default_collate: can only stack 1 x N rows of one shape into a batch, got "
                f"{shapes} (Match has no 3D tensors: pass DataLoader a collate_fn)"
            )
        return stack(list(batch))
    if all(is_number(item) for item in batch):
        if all(isinstance(item, int) for item in batch):
            return list(batch)
        return mat([[float(item)] for item in batch], requires_grad=False)
    if isinstance(first, Mapping):
        return {key: default_collate([item[key] for item in batch]) for key in first}
    if isinstance(first, (tuple, list)):
        if any(len(item) != len(first) for item in batch):
            raise ValueError("default_collate: each item in the batch must have the same length")
        return [default_collate(list(samples)) for samples in zip(*batch)]
    return list(batch)


class DataLoader:
    """Iterate over a dataset in minibatches, in one of two forms.

    **torch's form**, ``DataLoader(dataset, batch_size=1, shuffle=False, drop_last=False,
    collate_fn=None)``: ``dataset`` is anything with ``len()`` and ``[i]`` (a
    :class:`~match.data.Dataset` such as ``TensorDataset(X, y)``). Each batch is
    ``collate_fn([dataset[i] for i in batch_indices])``, by default :func:`default_collate`, so a
    ``TensorDataset(X, labels)`` yields ``[xb, yb]`` with ``xb`` a (batch, N) Matrix and ``yb`` a
    ``list[int]``, as torch yields a list of tensors. Without ``seed`` or ``generator``, shuffling
    draws from the library's generator, so ``match.manual_seed`` makes it repeatable.

    **Match's first form**, ``DataLoader(X, y, batch_size=32, shuffle=False, seed=None,
    drop_last=False)`` on plain lists: each batch is a tuple ``(xb, yb)``. ``xb`` is a
    (batch, n_features) Matrix made with ``match.mat(rows, requires_grad=False)``, since inputs
    are data, not parameters. What ``yb`` is depends on the targets:

    - int labels (classification): a plain ``list[int]``, which is what
      ``CrossEntropyLoss`` takes as targets;
    - float values (regression): a (batch, 1) Matrix;
    - rows of floats (e.g. one-hot rows, or several outputs): a (batch, k) Matrix.

    The kind is decided once for the whole dataset: ``y`` counts as labels only if
    every value is an int, so write ``[1.0, 2.0]`` rather than ``[1, 2]`` for
    regression targets. Target Matrices do not track gradients either.

    The form is chosen by the second argument: given and not an int, it is ``y``; an int there
    is torch's positional ``batch_size``. ``len(loader)`` is the number of batches per epoch.

    With ``shuffle=True`` every epoch visits the samples in a new random order, fixed when the
    epoch starts. A loader given a ``seed`` owns its generator, seeded once, so two loaders
    made with the same seed give the same sequence of epochs, while the epochs of one loader
    differ from each other.

    Args:
        dataset: the dataset, or the input rows ``X`` (a list of lists, or a Matrix).
        y: the targets, one per row of ``X`` (or a Matrix, read as rows); only in Match's form.
        batch_size: number of samples per batch (the last batch may be smaller); by default
            1 in torch's form and 32 in Match's.
        shuffle: if True, shuffle the order of samples at the start of each epoch. Only a
            bool or None (no shuffling) is accepted: torch shuffles for any truthy value.
        seed: seed for the loader's own ``random.Random`` (only used to shuffle).
        drop_last: if True, skip the last batch when it is smaller than ``batch_size``.
        collate_fn: torch's form only: turns a list of items into a batch.
        generator: a ``random.Random`` to shuffle with, instead of ``seed``.

    Raises:
        ValueError: if ``batch_size`` is below 1; in Match's form also if X is empty, X and y
            differ in length, or the rows of X (or y) differ in length.
        TypeError: if ``batch_size`` is not an int (torch's ``batch_size=None`` is not
            supported), ``dataset`` has no ``len()`` and ``[i]``, a flag is not a bool, ``seed``
            is not an int, or ``y`` mixes labels, numbers and rows.
    """

    def __init__(
        self,
        dataset: Any,
        y: Any = None,
        batch_size: int = _UNSET,
        shuffle: bool | None = False,
        seed: int | None = None,
        drop_last: bool = False,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        generator: random.Random | None = None,
    ) -> None:
        torch_form = y is None or (is_int(y))
        if torch_form and y is not None:
            if batch_size is not _UNSET:
                raise TypeError("DataLoader: batch_size given twice (as y and by name)")
            batch_size, y = y, None
        if batch_size is _UNSET:
            batch_size = 1 if torch_form else 32
        self.batch_size = check_positive_int(batch_size, "DataLoader", "batch_size")
        # torch shuffles for any truthy value, even the string "no"; Match takes only a bool, or
        # None (torch's default, meaning False).
        self.shuffle = False if shuffle is None else check_flag(shuffle, "DataLoader", "shuffle")
        self.drop_last = check_flag(drop_last, "DataLoader", "drop_last")
        if collate_fn is not None and not callable(collate_fn):
            raise TypeError(
                f"DataLoader: collate_fn must be callable, got {type(collate_fn).__name__}"
            )
        check_int(seed, "DataLoader", "seed", allow_none=True)
        check_generator(generator, "DataLoader")
        if torch_form:
            self.dataset: Any = check_dataset(dataset, "DataLoader")
            self.collate_fn = collate_fn or default_collate
        else:
            if collate_fn is not None:
                raise TypeError("DataLoader: collate_fn needs torch's form DataLoader(dataset)")
            self.dataset = None
            self.X = to_rows(dataset, "DataLoader", "X")
            y_list = to_list(y, "DataLoader", "y")
            check_same_length(self.X, y_list, "DataLoader")
            if not self.X:
                raise ValueError("DataLoader: X must contain at least one sample")
            self.y, self._y_kind = self._prepare_targets(y_list)
        # Match's form always owns a generator (unseeded when seed is None), as it always did.
        own = not torch_form or seed is not None
        self._rng: random.Random | None = generator or (random.Random(seed) if own else None)

    @staticmethod
    def _prepare_targets(y: list[Any]) -> tuple[list[Any], str]:
        """Copy the targets and decide how batches of them are returned."""
        if all(is_int(v) for v in y):
            return list(y), "labels"
        if all(is_number(v) for v in y):
            return [float(v) for v in y], "values"
        if all(isinstance(v, (list, tuple)) for v in y):
            return to_rows(y, "DataLoader", "y"), "rows"
        raise TypeError(
            "DataLoader: y must hold only int labels, only numbers, or only rows of numbers "
            "(one per sample)"
        )

    def _n_samples(self) -> int:
        """The number of samples one epoch visits (before drop_last)."""
        return len(self.X) if self.dataset is None else len(self.dataset)

    def __len__(self) -> int:
        """Return the number of batches in one epoch."""
        n = self._n_samples()
        if self.drop_last:
            return n // self.batch_size
        return math.ceil(n / self.batch_size)

    def __iter__(self) -> Iterator[Any]:
        """Start a new epoch and return an iterator over its batches."""
        order = list(range(self._n_samples()))
        if self.shuffle:
            # done now, so the epoch is fixed when iter() is called
            (self._rng or rng()).shuffle(order)
        return self._batches(order)

    def _batches(self, order: list[int]) -> Iterator[Any]:
        """Yield the batches of one epoch, following the sample order ``order``."""
        for batch_index in range(len(self)):
            start = batch_index * self.batch_size
            indices = order[start : start + self.batch_size]
            if self.dataset is not None:
                yield self.collate_fn([self.dataset[i] for i in indices])
            else:
                yield self._xy_batch(indices)

    def _xy_batch(self, indices: list[int]) -> tuple[Matrix, list[int] | Matrix]:
        """One ``(xb, yb)`` batch of Match's form ``DataLoader(X, y)``."""
        xb = mat([self.X[i] for i in indices], requires_grad=False)
        if self._y_kind == "labels":
            yb: list[int] | Matrix = [self.y[i] for i in indices]
        elif self._y_kind == "values":
            yb = mat([[self.y[i]] for i in indices], requires_grad=False)
        else:
            yb = mat([self.y[i] for i in indices], requires_grad=False)
        return xb, yb

    def __repr__(self) -> str:
        """Describe the loader, e.g. ``DataLoader(n_samples=100, batch_size=32, ...)``."""
        return (
            f"DataLoader(n_samples={self._n_samples()}, batch_size={self.batch_size}, "
            f"shuffle={self.shuffle}, drop_last={self.drop_last})"
        )
