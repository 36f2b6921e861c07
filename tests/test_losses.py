"""Every loss and distance of match.nn against torch float64 (regression, binary, classification
with ignore_index and probability targets, KL, NLL, margin and embedding losses, similarities and
norms): every reduction, every option,
values and the gradients of every input that takes one (rtol 1e-7), module and functional form.

Match is 2D, so torch's 1D per-sample results (N,) are compared as Match's (N, 1) columns.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest

import match
from match import nn
from tests.parity import assert_close, random_rows, tensor

torch = pytest.importorskip("torch")
torch.set_num_threads(1)
F = torch.nn.functional
D = torch.float64
REDUCTIONS = ("mean", "sum", "none")


def column(t: Any) -> Any:
    """torch's 1D per-sample result as Match's (N, 1) column; anything else unchanged."""
    return t.reshape(-1, 1) if t.dim() == 1 else t


def compare(
    match_fn: Callable[..., Any],
    torch_fn: Callable[..., Any],
    inputs: list[list[list[float]]],
    with_grad: tuple[bool, ...] | None = None,
    what: str = "",
) -> None:
    """Run both on the same rows (gradients for the inputs flagged in with_grad, all by
    default), backward with one random upstream gradient, compare values and gradients."""
    with_grad = with_grad or (True,) * len(inputs)
    ms = [match.mat(rows, requires_grad=g) for rows, g in zip(inputs, with_grad)]
    ts = [tensor(rows, requires_grad=g) for rows, g in zip(inputs, with_grad)]
    out_m, out_t = match_fn(*ms), column(torch_fn(*ts))
    assert_close(out_m, out_t, what=f"{what} value")
    up = random_rows(*out_m.shape, seed=99)
    out_m.backward(match.mat(up, requires_grad=False))
    out_t.backward(tensor(up, requires_grad=False).reshape(out_t.shape))
    for k, (m, t, g) in enumerate(zip(ms, ts, with_grad)):
        if g:
            assert_close(m.grad, t.grad, what=f"{what} grad of input {k}")


def log_probs(rows: list[list[float]]) -> list[list[float]]:
    """Rows of log-probabilities (log_softmax of rows)."""
    return match.mat(rows).log_softmax(1).tolist()


X = random_rows(5, 4, seed=1)
Y = random_rows(5, 4, seed=2)
LABELS = [1, -1, 1, -1, -1]


# --- KL divergence -----------------------------------------------------------------------------
@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides")  # torch's note on 'mean'
@pytest.mark.parametrize("reduction", (*REDUCTIONS, "batchmean"))
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(reduction: str, log_target: bool) -> None:
    inp = log_probs(X)
    target = log_probs(Y) if log_target else match.mat(Y).softmax(1).tolist()
    module = nn.KLDivLoss(reduction=reduction, log_target=log_target)
    reference = torch.nn.KLDivLoss(reduction=reduction, log_target=log_target)
    compare(module, reference, [inp, target], what="KLDivLoss")
    compare(
        lambda a, b: nn.functional.kl_div(a, b, reduction, log_target),
        lambda a, b: F.kl_div(a, b, reduction=reduction, log_target=log_target),
        [inp, target],
        what="kl_div",
    )


def test_kl_div_zero_target_is_zero_loss() -> None:
    target = [[0.0, 0.5, 0.5, 0.0], [1.0, 0.0, 0.0, 0.0]]
    compare(
        nn.KLDivLoss(reduction="sum"),
        torch.nn.KLDivLoss(reduction="sum"),
        [log_probs(X[:2]), target],
        with_grad=(True, False),
        what="KLDivLoss zeros",
    )


# --- Poisson and Gaussian negative log-likelihood ----------------------------------------------
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("log_input", [True, False])
@pytest.mark.parametrize("full", [False, True])
def test_poisson_nll(reduction: str, log_input: bool, full: bool) -> None:
    inp = X if log_input else random_rows(5, 4, seed=3, low=0.1, high=3.0)
    counts = [[float((i * 3 + j) % 5) for j in range(4)] for i in range(5)]  # 0 .. 4
    settings = dict(log_input=log_input, full=full, reduction=reduction)
    compare(
        nn.PoissonNLLLoss(**settings),
        torch.nn.PoissonNLLLoss(**settings),
        [inp, counts],
        with_grad=(True, False),
        what="PoissonNLLLoss",
    )
    positive = random_rows(5, 4, seed=4, low=1.5, high=4.0)  # the target's gradient, full or not
    compare(
        lambda a, b: nn.functional.poisson_nll_loss(a, b, log_input, full, 1e-8, reduction),
        lambda a, b: F.poisson_nll_loss(a, b, log_input, full, reduction=reduction),
        [inp, positive],
        what="poisson_nll_loss",
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("var_cols", [4, 1])
def test_gaussian_nll(reduction: str, full: bool, var_cols: int) -> None:
    var = random_rows(5, var_cols, seed=5, low=0.2, high=2.0)
    var[0][0] = 1e-9  # below eps: clamped for the value, the gradient passes as torch's does
    module = nn.GaussianNLLLoss(full=full, reduction=reduction)
    reference = torch.nn.GaussianNLLLoss(full=full, reduction=reduction)
    compare(module, reference, [X, Y, var], what="GaussianNLLLoss")


# --- losses on pairs ---------------------------------------------------------------------------
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, 0.3])
def test_cosine_embedding(reduction: str, margin: float) -> None:
    labels_t = torch.tensor(LABELS, dtype=D)
    for labels in (LABELS, match.mat([[float(v)] for v in LABELS], requires_grad=False)):
        compare(
            lambda a, b, y=labels: nn.CosineEmbeddingLoss(margin, reduction)(a, b, y),
            lambda a, b: torch.nn.CosineEmbeddingLoss(margin, reduction=reduction)(a, b, labels_t),
            [X, Y],
            what="CosineEmbeddingLoss",
        )


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, 0.5])
def test_margin_ranking(reduction: str, margin: float) -> None:
    x1, x2 = random_rows(5, 1, seed=6), random_rows(5, 1, seed=7)
    y = [[float(v)] for v in LABELS]
    compare(
        lambda a, b, t: nn.MarginRankingLoss(margin, reduction)(a, b, t),
        lambda a, b, t: torch.nn.MarginRankingLoss(margin, reduction=reduction)(a, b, t),
        [x1, x2, y],
        with_grad=(True, True, False),
        what="MarginRankingLoss",
    )
    compare(  # a flat list of labels is a column, as torch's 1D target
        lambda a, b: nn.functional.margin_ranking_loss(a, b, LABELS, margin, reduction),
        lambda a, b: F.margin_ranking_loss(
            a, b, torch.tensor(y, dtype=D), margin, reduction=reduction
        ),
        [x1, x2],
        what="margin_ranking_loss",
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [1.0, 0.4])
def test_hinge_embedding(reduction: str, margin: float) -> None:
    signs = [[1.0 if (i + j) % 3 else -1.0 for j in range(4)] for i in range(5)]
    compare(
        lambda a, t: nn.HingeEmbeddingLoss(margin, reduction)(a, t),
        lambda a, t: torch.nn.HingeEmbeddingLoss(margin, reduction=reduction)(a, t),
        [X, signs],
        with_grad=(True, False),
        what="HingeEmbeddingLoss",
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_soft_margin(reduction: str) -> None:
    signs = [[1.0 if (i * j) % 2 else -1.0 for j in range(4)] for i in range(5)]
    compare(
        nn.SoftMarginLoss(reduction),
        torch.nn.SoftMarginLoss(reduction=reduction),
        [X, signs],
        with_grad=(True, False),
        what="SoftMarginLoss",
    )


def test_hinge_embedding_default_margin_is_one() -> None:
    assert nn.HingeEmbeddingLoss().margin == 1.0
    assert nn.MarginRankingLoss().margin == nn.CosineEmbeddingLoss().margin == 0.0


# --- similarity and distance -------------------------------------------------------------------
@pytest.mark.parametrize("dim", [1, 0, -1])
def test_cosine_similarity(dim: int) -> None:
    compare(
        lambda a, b: nn.functional.cosine_similarity(a, b, dim),
        lambda a, b: F.cosine_similarity(a, b, dim).reshape((-1, 1) if dim % 2 == 1 else (1, -1)),
        [X, Y],
        what="cosine_similarity",
    )


def test_cosine_similarity_broadcasts_a_row() -> None:
    compare(
        nn.functional.cosine_similarity,
        lambda a, b: F.cosine_similarity(a, b).reshape(-1, 1),
        [X, Y[:1]],
        what="cosine_similarity broadcast",
    )


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, math.inf])
@pytest.mark.parametrize("dim", [1, 0])
def test_normalize(p: float, dim: int) -> None:
    compare(
        lambda a: nn.functional.normalize(a, p, dim),
        lambda a: F.normalize(a, p, dim),
        [X],
        what=f"normalize p={p}",
    )


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, math.inf])
def test_pairwise_distance(p: float) -> None:
    compare(
        lambda a, b: nn.functional.pairwise_distance(a, b, p),
        lambda a, b: F.pairwise_distance(a, b, p),
        [X, Y],
        what=f"pairwise_distance p={p}",
    )
    compare(
        nn.PairwiseDistance(p, eps=1e-3),
        torch.nn.PairwiseDistance(p, eps=1e-3),
        [X, Y],
        what=f"PairwiseDistance p={p}",
    )


def test_distance_modules_print_as_torch() -> None:
    compare(
        nn.CosineSimilarity(dim=0),
        lambda a, b: torch.nn.CosineSimilarity(dim=0)(a, b).reshape(1, -1),
        [X, Y],
        what="CosineSimilarity",
    )
    assert repr(nn.CosineSimilarity()) == "CosineSimilarity()"
    assert repr(nn.PairwiseDistance()) == "PairwiseDistance()"


# --- bad input ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "call,error,message",
    [
        (lambda: nn.KLDivLoss(reduction="avg"), ValueError, "KLDivLoss: reduction"),
        (lambda: nn.KLDivLoss(log_target=1), TypeError, "KLDivLoss: log_target"),
        (lambda: nn.PoissonNLLLoss(eps="a"), TypeError, "PoissonNLLLoss: eps"),
        (lambda: nn.GaussianNLLLoss(eps=-1.0), ValueError, "GaussianNLLLoss: eps"),
        (lambda: nn.CosineEmbeddingLoss(margin="a"), TypeError, "CosineEmbeddingLoss: margin"),
        (lambda: nn.MarginRankingLoss(reduction=3), ValueError, "MarginRankingLoss: reduction"),
        (
            lambda: nn.GaussianNLLLoss()(match.mat(X), match.mat(Y), match.mat([[-1.0]])),
            ValueError,
            "GaussianNLLLoss: gaussian_nll_loss: var has a negative entry",
        ),
        (
            lambda: nn.GaussianNLLLoss()(match.mat(X), match.mat(Y), match.ones(2, 4)),
            ValueError,
            "does not fit",
        ),
        (
            lambda: nn.CosineEmbeddingLoss()(match.mat(X), match.mat(Y), [1, -1]),
            ValueError,
            "CosineEmbeddingLoss: cosine_embedding_loss: target of shape (2, 1)",
        ),
        (
            lambda: nn.CosineEmbeddingLoss()(match.mat(X), match.mat(Y[:2]), LABELS),
            ValueError,
            "input1 shape (5, 4) and input2 shape (2, 4)",
        ),
        (lambda: nn.SoftMarginLoss()([[1.0]], [[1.0]]), TypeError, "SoftMarginLoss: input"),
        (lambda: nn.functional.normalize(match.mat(X), p=0), ValueError, "normalize: p"),
        (lambda: nn.functional.normalize(match.mat(X), dim=2), ValueError, "normalize: dim"),
        (lambda: nn.functional.kl_div(match.mat(X), "a"), TypeError, "kl_div"),
        (lambda: nn.functional.pairwise_distance([[1.0]], X), TypeError, "pairwise_distance"),
    ],
)
def test_bad_input_names_the_loss(call: Callable[[], Any], error: type, message: str) -> None:
    with pytest.raises(error) as info:
        call()
    assert message in str(info.value)


# --- regression, binary and classification losses ------------------------------------------------


def check_loss(m_loss, t_loss, x_rows, target_m, target_t, what: str) -> None:
    xm, xt = match.mat(x_rows), tensor(x_rows)
    lm, lt = m_loss(xm, target_m), t_loss(xt, target_t)
    if lt.dim() == 1:
        lt = lt.reshape(-1, 1)
    assert_close(lm, lt, what=f"{what} value")
    up = random_rows(*lm.shape, seed=13)
    lm.backward(match.mat(up))
    lt.backward(torch.tensor(up, dtype=D).reshape(lt.shape))
    assert_close(xm.grad, xt.grad, what=f"{what} grad")


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_regression_losses_match_torch(reduction: str) -> None:
    x, y = random_rows(4, 3, seed=14), random_rows(4, 3, seed=15, low=-3, high=3)
    y[0][0] = x[0][0]  # an exact tie: L1's gradient is 0 there, as in torch
    ym, yt = match.mat(y, requires_grad=False), tensor(y, requires_grad=False)
    for m_loss, t_loss in [
        (nn.MSELoss(reduction), torch.nn.MSELoss(reduction=reduction)),
        (nn.L1Loss(reduction), torch.nn.L1Loss(reduction=reduction)),
        (nn.HuberLoss(reduction), torch.nn.HuberLoss(reduction=reduction)),
        (nn.HuberLoss(reduction, delta=0.5), torch.nn.HuberLoss(reduction=reduction, delta=0.5)),
        (
            nn.SmoothL1Loss(reduction, beta=0.7),
            torch.nn.SmoothL1Loss(reduction=reduction, beta=0.7),
        ),
    ]:
        check_loss(m_loss, t_loss, x, ym, yt, repr(m_loss))


def test_mse_gradient_reaches_the_target_too() -> None:
    x, y = random_rows(3, 2, seed=16), random_rows(3, 2, seed=17)
    ym, yt = match.mat(y), tensor(y)
    check_loss(nn.MSELoss(), torch.nn.MSELoss(), x, ym, yt, "mse")
    assert_close(ym.grad, yt.grad, what="target grad")


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_binary_losses_match_torch(reduction: str) -> None:
    p = [[0.1, 0.9, 0.5], [0.0, 1.0, 0.3], [0.99, 0.01, 0.7]]  # includes exact 0 and 1
    y = [[0.0, 1.0, 1.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.5]]
    ym, yt = match.mat(y, requires_grad=False), tensor(y, requires_grad=False)
    check_loss(
        nn.BCELoss(reduction=reduction), torch.nn.BCELoss(reduction=reduction), p, ym, yt, "BCE"
    )
    w = [[0.5, 2.0, 1.0]]
    check_loss(
        nn.BCELoss(weight=w, reduction=reduction),
        torch.nn.BCELoss(weight=tensor(w, False), reduction=reduction),
        p,
        ym,
        yt,
        "BCE w",
    )
    logits = [[1000.0, -1000.0, 0.0], [-40.0, 40.0, 3.0], [0.5, -2.0, 1e-9]]
    check_loss(
        nn.BCEWithLogitsLoss(reduction=reduction),
        torch.nn.BCEWithLogitsLoss(reduction=reduction),
        logits,
        ym,
        yt,
        "BCEWithLogits",
    )
    pw = [[2.0, 0.5, 3.0]]
    check_loss(
        nn.BCEWithLogitsLoss(reduction=reduction, pos_weight=pw, weight=w),
        torch.nn.BCEWithLogitsLoss(
            reduction=reduction, pos_weight=tensor(pw, False)[0], weight=tensor(w, False)
        ),
        logits,
        ym,
        yt,
        "BCEWithLogits pos_weight",
    )


def test_bce_rejects_values_outside_0_1() -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.BCELoss()(match.mat([[1.5]]), [[1.0]])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_classification_losses_match_torch(reduction: str) -> None:
    logits = random_rows(5, 4, seed=18, low=-3, high=3)
    targets = [2, 0, 3, 3, 1]
    tt = torch.tensor(targets)
    col = match.mat([[float(i)] for i in targets], requires_grad=False)
    w = [0.5, 1.0, 2.0, 1.5]
    wt = torch.tensor(w, dtype=D)
    cases = [
        (nn.CrossEntropyLoss(reduction=reduction), torch.nn.CrossEntropyLoss(reduction=reduction)),
        (
            nn.CrossEntropyLoss(weight=w, reduction=reduction),
            torch.nn.CrossEntropyLoss(weight=wt, reduction=reduction),
        ),
        (
            nn.CrossEntropyLoss(reduction=reduction, label_smoothing=0.2),
            torch.nn.CrossEntropyLoss(reduction=reduction, label_smoothing=0.2),
        ),
        (
            nn.CrossEntropyLoss(weight=w, reduction=reduction, label_smoothing=0.1),
            torch.nn.CrossEntropyLoss(weight=wt, reduction=reduction, label_smoothing=0.1),
        ),
        (nn.NLLLoss(reduction=reduction), torch.nn.NLLLoss(reduction=reduction)),
        (
            nn.NLLLoss(weight=w, reduction=reduction),
            torch.nn.NLLLoss(weight=wt, reduction=reduction),
        ),
    ]
    for m_loss, t_loss in cases:
        for target in (targets, col):
            check_loss(m_loss, t_loss, logits, target, tt, repr(m_loss))


def test_cross_entropy_ignore_index_and_probability_targets() -> None:
    logits = random_rows(4, 3, seed=19)
    targets = [1, -100, 2, 0]
    for smoothing in (0.0, 0.3):
        check_loss(
            nn.CrossEntropyLoss(label_smoothing=smoothing),
            torch.nn.CrossEntropyLoss(label_smoothing=smoothing),
            logits,
            targets,
            torch.tensor(targets),
            "ignore_index",
        )
        w = [0.5, 2.0, 1.5]
        for reduction in ("mean", "sum", "none"):
            check_loss(
                nn.CrossEntropyLoss(weight=w, reduction=reduction, label_smoothing=smoothing),
                torch.nn.CrossEntropyLoss(
                    weight=torch.tensor(w, dtype=D), reduction=reduction, label_smoothing=smoothing
                ),
                logits,
                targets,
                torch.tensor(targets),
                "ignore_index weighted",
            )
    probs = [[0.2, 0.3, 0.5], [1.0, 0.0, 0.0], [0.1, 0.1, 0.8], [0.3, 0.3, 0.4]]
    for reduction in ("mean", "none"):
        check_loss(
            nn.CrossEntropyLoss(reduction=reduction, label_smoothing=0.1),
            torch.nn.CrossEntropyLoss(reduction=reduction, label_smoothing=0.1),
            logits,
            match.mat(probs, requires_grad=False),
            tensor(probs, False),
            "probabilities",
        )


def test_class_index_errors() -> None:
    x = match.mat(random_rows(3, 4, seed=20))
    with pytest.raises(IndexError, match="index 4"):
        nn.CrossEntropyLoss()(x, [0, 4, 1])
    with pytest.raises(IndexError, match="index -2"):
        nn.NLLLoss()(x, [0, -2, 1])
    with pytest.raises(ValueError, match="expected 3 targets"):
        nn.CrossEntropyLoss()(x, [0, 1])
    with pytest.raises(ValueError, match="not a class index"):
        nn.CrossEntropyLoss()(x, [0, 1.5, 1])
    with pytest.raises(ValueError, match="reduction"):
        nn.MSELoss(reduction="avg")


# --- ignore_index inside [0, C), and the errors that name the module -----------------------------

LOGITS = random_rows(6, 4, seed=31, low=-3.0, high=3.0)


TARGETS = [0, 2, 0, 3, 1, 0]  # PAD = 0 on three rows


WEIGHTS = [0.5, 2.0, 1.5, 1.0]


def run_loss(m_loss: nn.Module, t_loss: Any, target: Any, what: str) -> None:
    xm, xt = match.mat(LOGITS), tensor(LOGITS)
    lm, lt = m_loss(xm, target), t_loss(xt, torch.tensor(TARGETS))
    lt = lt.reshape(-1, 1) if lt.dim() == 1 else lt
    assert_close(lm, lt, what=f"{what} value")
    up = random_rows(*lm.shape, seed=32)
    lm.backward(match.mat(up))
    lt.backward(tensor(up, requires_grad=False).reshape(lt.shape))
    assert_close(xm.grad, xt.grad, what=f"{what} grad")


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
@pytest.mark.parametrize("ignore_index", [0, 3, -100])
def test_cross_entropy_ignore_index_inside_the_classes(
    reduction: str, weighted: bool, smoothing: float, ignore_index: int
) -> None:
    w = WEIGHTS if weighted else None
    wt = torch.tensor(WEIGHTS, dtype=D) if weighted else None
    column = match.mat([[float(t)] for t in TARGETS], requires_grad=False)
    for target in (TARGETS, column):
        run_loss(
            nn.CrossEntropyLoss(w, ignore_index, reduction, smoothing),
            torch.nn.CrossEntropyLoss(
                wt, ignore_index=ignore_index, reduction=reduction, label_smoothing=smoothing
            ),
            target,
            f"CrossEntropyLoss(ignore_index={ignore_index})",
        )


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
def test_nll_loss_ignore_index_zero(reduction: str, weighted: bool) -> None:
    w = WEIGHTS if weighted else None
    wt = torch.tensor(WEIGHTS, dtype=D) if weighted else None
    run_loss(
        nn.NLLLoss(w, 0, reduction),
        torch.nn.NLLLoss(wt, ignore_index=0, reduction=reduction),
        TARGETS,
        "NLLLoss(ignore_index=0)",
    )


def test_ignored_rows_get_no_gradient() -> None:
    x = match.mat(LOGITS)
    nn.CrossEntropyLoss(ignore_index=0)(x, TARGETS).backward()
    for row, target in zip(x.grad.tolist(), TARGETS):
        assert (target == 0) == all(g == 0.0 for g in row)


def test_every_row_ignored_gives_nan_mean_as_torch() -> None:
    lm = nn.CrossEntropyLoss(ignore_index=1)(match.mat(LOGITS[:2]), [1, 1])
    lt = torch.nn.CrossEntropyLoss(ignore_index=1)(tensor(LOGITS[:2]), torch.tensor([1, 1]))
    assert math.isnan(lm.item()) and math.isnan(lt.item())


def test_bad_target_is_found_without_reading_good_rows() -> None:
    x = match.mat(LOGITS)
    with pytest.raises(IndexError, match="cross_entropy: target index 7 in row 2"):
        nn.functional.cross_entropy(x, match.mat([[0.0], [1.0], [7.0], [1.0], [1.0], [0.0]]))
    with pytest.raises(ValueError, match="nll_loss: target 0.5 in row 0 is not a class index"):
        nn.functional.nll_loss(x, match.mat([[0.5], [1.0], [2.0], [1.0], [1.0], [0.0]]))
    with pytest.raises(ValueError, match="target nan in row 1"):
        nn.functional.nll_loss(x, match.mat([[0.0], [math.nan], [2.0], [1.0], [1.0], [0.0]]))


def test_loss_errors_name_the_module_then_the_function() -> None:
    with pytest.raises(ValueError) as info:
        nn.MSELoss()(match.ones(2, 2), match.ones(1, 3))
    assert str(info.value).startswith("MSELoss: mse_loss: input shape (2, 2) and target shape")
    with pytest.raises(IndexError) as info:
        nn.CrossEntropyLoss()(match.ones(2, 2), [0, 5])
    assert str(info.value).startswith("CrossEntropyLoss: cross_entropy: target index 5 in row 1")
