"""Optimizers and learning-rate schedulers with torch.optim's names, defaults and formulas.

Each optimizer follows torch's single-tensor code path step by step, so that the same model,
data and loss give the same parameters as torch after any number of steps.

>>> opt = match.optim.Adam(model.parameters(), lr=1e-3)
>>> opt.zero_grad(); loss.backward(); opt.step()

One module per topic: `optimizer` (the base class: groups, checks, saving), `sgd`, `adam`
(Adam, AdamW, NAdam, RAdam), `rmsprop`, `adagrad`, and `lr_scheduler`, whose schedulers are
also here (`match.optim.StepLR` is `match.optim.lr_scheduler.StepLR`).
"""

from . import lr_scheduler
from .adagrad import Adagrad
from .adam import Adam, AdamW, NAdam, RAdam
from .lr_scheduler import (
    CosineAnnealingLR,
    ExponentialLR,
    LambdaLR,
    LinearLR,
    LRScheduler,
    MultiStepLR,
    OneCycleLR,
    ReduceLROnPlateau,
    SequentialLR,
    StepLR,
)
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = [
    "Optimizer",
    "SGD",
    "Adam",
    "AdamW",
    "NAdam",
    "RAdam",
    "RMSprop",
    "Adagrad",
    "lr_scheduler",
    "LRScheduler",
    "LambdaLR",
    "StepLR",
    "MultiStepLR",
    "LinearLR",
    "ExponentialLR",
    "SequentialLR",
    "CosineAnnealingLR",
    "ReduceLROnPlateau",
    "OneCycleLR",
]
