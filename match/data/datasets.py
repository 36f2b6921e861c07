"""Map-style datasets as in ``torch.utils.data``: a dataset is anything with ``len(ds)`` and
``ds[i]``, so a :class:`DataLoader` can fetch its items in any order.

- :class:`Dataset`: the base class to subclass; ``a + b`` chains two datasets.
- :class:`TensorDataset`: rows of Matrices (and items of label lists) taken together.
- :class:`Subset`, :class:`ConcatDataset`, :func:`random_split`: views on other datasets that copy
  no data.
"""

from __future__ import annotations

import bisect
import math
import random
from collections.abc import Iterator, Sequence
from typing import Any

from ..checks import check_index, is_number
from ..creation import mat
from ..list2d import rng
from ..matrix import Matrix
from ._checks import check_dataset, check_generator


class Dataset:
    """A collection of items read by position: subclass it and define ``__getitem__(i)`` (the
    i-th item, e.g. an ``(x, y)`` pair) and ``__len__()``, as in torch. A :class:`DataLoader`
    groups the items into batches."""

    def __getitem__(self, index: int) -> Any:
        """The item at ``index``: every subclass must say what its items are."""
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __len__(self) -> int:
        """The number of items: every subclass must define it (a DataLoader needs it)."""
        raise NotImplementedError(f"{type(self).__name__} must define __len__")

    def __add__(self, other: Dataset) -> ConcatDataset:
        """``a + b``: the items of ``a`` followed by those of ``b``, without copying them."""
        return ConcatDataset([self, other])

    def __iter__(self) -> Iterator[Any]:
        """The items in order. Defined because Python would otherwise iterate by calling
        ``__getitem__`` until an IndexError, which a subclass may never raise."""
        return (self[i] for i in range(len(self)))


def _column(tensor: Any, position: int) -> Matrix | list[Any]:
    """One argument of TensorDataset as something indexable by row: a Matrix stays as it is, a
    list of rows becomes a Matrix, a list of labels or values stays a list (ints stay ints)."""
    if isinstance(tensor, Matrix):
        return tensor
    if isinstance(tensor, (str, bytes)) or not isinstance(tensor, Sequence):
        raise TypeError(
            f"TensorDataset: argument {position} must be a Matrix or a list, "
            f"got {type(tensor).__name__}"
        )
    if tensor and all(isinstance(item, (list, tuple)) for item in tensor):
        return mat([list(item) for item in tensor], requires_grad=False)
    return list(tensor)


class TensorDataset(Dataset):
    """Several Matrices (or lists) with one item per row, read together: ``ds[i]`` is the tuple
    of their i-th rows, as ``torch.utils.data.TensorDataset``.

    A Matrix gives its row ``i`` as a 1 x N Matrix (Match's 1D tensor); a list of labels gives
    its item ``i`` unchanged, so int labels stay ints, which is what ``CrossEntropyLoss`` takes.
    A list of rows (lists) is turned into a Matrix that tracks no gradient.

    Raises:
        ValueError: if no argument is given or they differ in number of rows.
        TypeError: if an argument is neither a Matrix nor a list.
    """

    def __init__(self, *tensors: Any) -> None:
        if not tensors:
            raise ValueError("TensorDataset: give at least one Matrix")
        columns = [_column(tensor, position) for position, tensor in enumerate(tensors)]
        sizes = [len(column) for column in columns]
        if len(set(sizes)) != 1:
            raise ValueError(
                f"TensorDataset: every argument must have the same number of rows (size mismatch "
                f"between tensors), got {sizes}"
            )
        self.tensors: tuple[Matrix | list[Any], ...] = tuple(columns)

    def __getitem__(self, index: int | slice) -> tuple[Any, ...]:
        """The tuple of every argument's row ``index`` (negative indices count from the end); a
        slice gives the tuple of every argument's rows in it, as torch's TensorDataset."""
        if isinstance(index, slice):
            return tuple(column[index] for column in self.tensors)
        row = check_index(index, "TensorDataset", "an index", len(self))
        return tuple(column[row] for column in self.tensors)

    def __len__(self) -> int:
        """The number of rows shared by all the arguments."""
        return len(self.tensors[0])

    def __repr__(self) -> str:
        """E.g. ``TensorDataset(len=100, tensors=2)``."""
        return f"TensorDataset(len={len(self)}, tensors={len(self.tensors)})"


class Subset(Dataset):
    """The items of ``dataset`` at ``indices``, in that order, without copying them (torch's
    Subset: what :func:`random_split` returns). Its item ``i`` is ``dataset[indices[i]]``.

    Raises:
        TypeError: if ``dataset`` has no ``len()`` and ``[i]``.
    """

    def __init__(self, dataset: Any, indices: Sequence[int]) -> None:
        self.dataset = check_dataset(dataset, "Subset")
        self.indices = list(indices)

    def __getitem__(self, index: int) -> Any:
        """The item ``dataset[indices[index]]``."""
        return self.dataset[self.indices[check_index(index, "Subset", "an index", len(self))]]

    def __len__(self) -> int:
        """The number of indices."""
        return len(self.indices)


class ConcatDataset(Dataset):
    """Datasets one after the other (what ``a + b`` gives), as torch's ConcatDataset: item ``i``
    is found in the dataset whose range of positions holds it.

    Raises:
        ValueError: if ``datasets`` is empty.
        TypeError: if one of them has no ``len()`` and ``[i]``.
    """

    def __init__(self, datasets: Sequence[Any]) -> None:
        self.datasets = [check_dataset(dataset, "ConcatDataset") for dataset in datasets]
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty list")
        self.cumulative_sizes: list[int] = []
        total = 0
        for dataset in self.datasets:
            total += len(dataset)
            self.cumulative_sizes.append(total)

    def __getitem__(self, index: int) -> Any:
        """The item at ``index`` of the chained datasets."""
        position = check_index(index, "ConcatDataset", "an index", len(self))
        which = bisect.bisect_right(self.cumulative_sizes, position)
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][position - start]

    def __len__(self) -> int:
        """The total number of items."""
        return self.cumulative_sizes[-1]


def _split_lengths(lengths: Sequence[int | float], n_items: int) -> list[int]:
    """The sizes for random_split: counts as given, or fractions turned into counts by torch's
    rule (floor of each share, then the remainder one by one, round-robin from the first)."""
    values = list(lengths)
    if not values:
        raise ValueError("random_split: lengths must not be empty")
    for value in values:
        if not is_number(value):
            raise TypeError(
                f"random_split: lengths must be ints or fractions, got {type(value).__name__}"
            )
    total = sum(values)
    if math.isclose(total, 1.0) and total <= 1.0:  # torch's test, also for [1] or [0, 1]
        if any(not 0.0 <= value <= 1.0 for value in values):
            raise ValueError(f"random_split: every fraction must be in [0, 1], got {values}")
        sizes = [int(math.floor(n_items * fraction)) for fraction in values]
        for i in range(n_items - sum(sizes)):
            sizes[i % len(sizes)] += 1
    elif all(isinstance(value, int) for value in values):
        sizes = [int(value) for value in values]
    else:
        raise ValueError(
            f"random_split: lengths must be ints that sum to the dataset size, or fractions "
            f"that sum to 1, got {values} (sum {total})"
        )
    if any(size < 0 for size in sizes):
        raise ValueError(f"random_split: lengths must not be negative, got {sizes}")
    if sum(sizes) != n_items:
        raise ValueError(
            f"random_split: lengths sum to {sum(sizes)} but the dataset has {n_items} items"
        )
    return sizes


def random_split(
    dataset: Any, lengths: Sequence[int | float], generator: random.Random | None = None
) -> list[Subset]:
    """Split ``dataset`` into non-overlapping :class:`Subset` s of the given lengths, picked at
    random, as ``torch.utils.data.random_split``.

    ``lengths`` are counts that sum to ``len(dataset)``, or fractions that sum to 1: then each
    part gets ``floor(fraction * len(dataset))`` items and the items left over go one each to
    the parts in turn, from the first (so ``[0.5, 0.5]`` of 5 items gives 3 and 2, as torch).

    The order comes from ``generator`` (a ``random.Random``) if given, else from the library's
    generator, so ``match.manual_seed`` makes the split repeatable. The sizes equal torch's;
    the chosen items cannot, since torch draws from its own generator.

    Raises:
        ValueError: if the lengths do not add up to the dataset's size (or to 1).
        TypeError: if a length is not a number, ``dataset`` has no ``len()`` and ``[i]``, or
            ``generator`` is not a ``random.Random``.
    """
    check_generator(generator, "random_split")
    sizes = _split_lengths(lengths, len(check_dataset(dataset, "random_split")))
    order = list(range(len(dataset)))
    (generator or rng()).shuffle(order)
    parts, start = [], 0
    for size in sizes:
        parts.append(Subset(dataset, order[start : start + size]))
        start += size
    return parts
