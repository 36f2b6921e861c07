"""Small datasets and data helpers for Match, written with the standard library only.

The datasets and helpers work on plain Python lists, so they can be used (and read) without
knowing anything about ``Matrix``. Matrices appear in :class:`TensorDataset` and in the
:class:`DataLoader`, which turns each minibatch into Matrices for the model.

Contents:

- :func:`load_digits`: the UCI handwritten digits (1,797 images of 8x8 pixels),
  shipped with the package (see ``DIGITS-LICENSE.txt`` for its CC BY 4.0 licence).
- :func:`make_moons`, :func:`make_spirals`, :func:`make_blobs`,
  :func:`make_regression`: synthetic datasets drawn from a seeded
  ``random.Random``, never the global random generator.
- :func:`train_test_split`: split rows and targets into a training and a test part.
- :func:`one_hot`: turn integer labels into one-hot rows.
- :class:`Dataset`, :class:`TensorDataset`, :class:`Subset`, :class:`ConcatDataset`,
  :func:`random_split`: torch's map-style datasets (``datasets.py``).
- :class:`DataLoader`: iterate over minibatches, optionally shuffled, either torch's way
  ``DataLoader(dataset, batch_size=...)`` or on plain lists ``DataLoader(X, y)`` (``loader.py``).

Files: ``digits.py``, ``synthetic.py``, ``prepare.py`` (splitting, one-hot), ``datasets.py``,
``loader.py``, and ``_checks.py`` (the input checks they share).

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

    # or as in a PyTorch tutorial:
    from match.data import TensorDataset, random_split
    dataset = TensorDataset(match.mat(X_train, requires_grad=False), y_train)
    train_set, val_set = random_split(dataset, [0.8, 0.2])
    for xb, yb in DataLoader(train_set, batch_size=64, shuffle=True):
        ...
"""

from .datasets import ConcatDataset, Dataset, Subset, TensorDataset, random_split
from .digits import DIGITS_N_TEST, DIGITS_N_TRAIN, load_digits
from .loader import DataLoader, default_collate
from .prepare import one_hot, train_test_split
from .synthetic import make_blobs, make_moons, make_regression, make_spirals

__all__ = [
    "DIGITS_N_TEST",
    "DIGITS_N_TRAIN",
    "ConcatDataset",
    "DataLoader",
    "Dataset",
    "Subset",
    "TensorDataset",
    "default_collate",
    "load_digits",
    "make_blobs",
    "make_moons",
    "make_regression",
    "make_spirals",
    "one_hot",
    "random_split",
    "train_test_split",
]
