"""PyTorch tutorial programs (tests/tutorials/), each run with torch and with Match from the
same weights: every loss, learning rate and final weight agrees in float64 to rtol 1e-7.

Each program has two tests. `..._torch_half` runs the program with torch alone and checks that
it learns, so the program itself is known to be right. `..._matches_torch` runs both twins; it
starts with `needs(...)`, which skips it, naming the missing feature, until Match has
everything the program uses.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import match
from match.data import load_digits, make_blobs
from tests.parity import assert_close, random_rows, rows_of
from tests.tutorials import (
    assert_same_numbers,
    assert_same_weights,
    attention,
    autoencoder,
    bigram,
    char_gru,
    copy_weights,
    fgsm,
    finetune,
    makemore_mlp,
    mlp,
    needs,
    poly_autograd,
    poly_function,
    poly_nn,
    quickstart,
    sampling,
    vae,
)

torch = pytest.importorskip("torch")


@pytest.fixture(autouse=True)
def float64() -> Iterator[None]:
    """torch in float64, as Match always is; restored afterwards."""
    before = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(before)


def twins(program: Any, seed: int = 0) -> tuple[Any, Any]:
    """The Match model and its torch twin, holding Match's initial weights."""
    match.manual_seed(seed)
    torch.manual_seed(seed)
    ours, theirs = program.build(match), program.build(torch)
    copy_weights(ours, theirs)
    return ours, theirs


def learned(losses: list[float], window: int = 3) -> bool:
    """The last few losses average below the first few."""
    return sum(losses[-window:]) < sum(losses[:window])


def blobs(n_samples: int, n_classes: int, seed: int) -> tuple[list[list[float]], list[int]]:
    """Gaussian blobs in 4D, scaled to about [-1, 1]."""
    X, y = make_blobs(
        n_samples=n_samples, centers=n_classes, n_features=4, cluster_std=2.0, seed=seed
    )
    return [[v / 10 for v in row] for row in X], y


def digit_images(n: int = 32) -> list[list[float]]:
    """The first n training digits, pixels scaled to [0, 1]."""
    X, _ = load_digits("train")
    return [[v / 16 for v in row] for row in X[:n]]


def assert_samples_follow(probs: list[float], samples: list[int]) -> None:
    """Every sample is a valid id and each id's frequency is within 5 standard deviations of
    its probability (the draws are seeded, so this is deterministic)."""
    n = len(samples)
    assert all(isinstance(i, int) and 0 <= i < len(probs) for i in samples)
    counts = Counter(samples)
    for i, p in enumerate(probs):
        bound = 5 * math.sqrt(p * (1 - p) / n) + 1 / n
        assert abs(counts[i] / n - p) <= bound, f"id {i}: {counts[i] / n} vs p={p}"


# -- 1. MLP: ModuleList, Parameter, nn.init, TensorDataset + DataLoader, ReduceLROnPlateau -------
MLP_DATA = blobs(64, 3, seed=0)


def test_mlp_torch_half() -> None:
    torch.manual_seed(1)
    model = mlp.build(torch)
    losses, lrs = mlp.train(torch, model, *MLP_DATA, epochs=6)
    assert learned(losses)
    assert lrs[0] == 0.1 and lrs[-1] < 0.1  # the scheduler halved the rate


def test_mlp_matches_torch() -> None:
    needs(
        "nn.Parameter",
        "nn.ModuleList",
        "nn.functional.relu",
        "nn.init.kaiming_uniform_",
        "optim.lr_scheduler.ReduceLROnPlateau",
    )
    ours, theirs = twins(mlp, seed=1)
    for layer in ours.layers:  # kaiming_uniform_ for relu: bound = sqrt(2) * sqrt(3 / fan_in)
        bound = math.sqrt(6 / layer.in_features)
        assert all(abs(w) <= bound for row in layer.weight.tolist() for w in row)
        assert layer.bias.tolist() == [[0.0] * layer.out_features]
    ours_losses, ours_lrs = mlp.train(match, ours, *MLP_DATA, epochs=6)
    theirs_losses, theirs_lrs = mlp.train(torch, theirs, *MLP_DATA, epochs=6)
    assert_same_numbers(ours_losses, theirs_losses, "mlp losses")
    assert ours_lrs == theirs_lrs
    assert_same_weights(ours, theirs, "mlp")


# -- 2. causal self-attention: tril buffer, masked_fill(-inf), softmax ---------------------------
SEQUENCES = [random_rows(6 - i % 3, 8, seed=i) for i in range(12)]


def test_attention_torch_half() -> None:
    torch.manual_seed(0)
    model = attention.build(torch)
    assert learned(attention.train(torch, model, SEQUENCES), window=4)


def test_attention_matches_torch() -> None:
    needs("nn.functional.softmax", "register_buffer of a Matrix")
    ours, theirs = twins(attention)
    assert_same_numbers(
        attention.train(match, ours, SEQUENCES),
        attention.train(torch, theirs, SEQUENCES),
        "attention losses",
    )
    assert_same_weights(ours, theirs, "attention")


# -- 3. character-level GRU language model, sampled with multinomial ----------------------------
def test_char_gru_torch_half() -> None:
    torch.manual_seed(0)
    model = char_gru.build(torch)
    assert learned(char_gru.train(torch, model, steps=16), window=4)
    text = char_gru.generate(torch, model, "hel", max_new_chars=20)
    assert text.startswith("hel") and len(text) == 23
    probs = char_gru.next_char_probs(torch, model, "hello w")
    samples = torch.multinomial(probs, num_samples=4000, replacement=True)
    assert_samples_follow(probs.tolist(), samples.tolist())


def test_char_gru_matches_torch() -> None:
    needs("nn.GRU", "nn.functional.softmax", "nn.GRU on one (T, features) sequence")
    ours, theirs = twins(char_gru)
    assert_same_numbers(
        char_gru.train(match, ours, steps=16),
        char_gru.train(torch, theirs, steps=16),
        "char GRU losses",
    )
    assert_same_weights(ours, theirs, "char GRU")
    probs = char_gru.next_char_probs(match, ours, "hello w")
    assert_close(probs, char_gru.next_char_probs(torch, theirs, "hello w"), what="next char")
    # the samples themselves come from different generators: check they follow the model
    match.manual_seed(0)
    text = char_gru.generate(match, ours, "hel", max_new_chars=20)
    assert text.startswith("hel") and len(text) == 23
    samples = match.multinomial(probs, num_samples=4000, replacement=True)
    assert_samples_follow(probs.tolist()[0], samples.tolist()[0])


# -- 4. fine-tuning a frozen body, then save and reload -----------------------------------------
FINETUNE_DATA = blobs(32, 2, seed=3)


def plain(state: dict[str, Any]) -> dict[str, list[list[float]]]:
    """A state dict as rows of floats (Match's values already are; torch's are tensors)."""
    return {key: rows_of(value) for key, value in state.items()}


def check_finetune(lib: Any, model: Any, path: Path) -> list[float]:
    """Fine-tune, then check what a frozen body means; returns the losses."""
    body_before = plain(model.body.state_dict())
    head_before = model.head.weight.tolist()
    losses = finetune.finetune(lib, model, *FINETUNE_DATA)
    assert learned(losses)
    assert plain(model.body.state_dict()) == body_before
    assert model.head.weight.tolist() != head_before
    assert all(p.grad is None and not p.requires_grad for p in model.body.parameters())
    assert {name for name, p in model.named_parameters() if p.requires_grad} == {
        "head.weight",
        "head.bias",
    }
    restored = finetune.save_and_reload(lib, model, str(path))
    assert plain(restored.state_dict()) == plain(model.state_dict())
    return losses


def test_finetune_torch_half(tmp_path: Path) -> None:
    torch.manual_seed(0)
    check_finetune(torch, finetune.build(torch), tmp_path / "model.pt")


def test_finetune_matches_torch(tmp_path: Path) -> None:
    needs("nn.Module.requires_grad_", "frozen parameters in state_dict")
    ours, theirs = twins(finetune)
    assert_same_numbers(
        check_finetune(match, ours, tmp_path / "model.json"),
        check_finetune(torch, theirs, tmp_path / "model.pt"),
        "fine-tuning losses",
    )
    assert_same_weights(ours, theirs, "fine-tuned")


# -- 5. autoencoder with Sigmoid + BCELoss --------------------------------------------------------
def test_autoencoder_torch_half() -> None:
    torch.manual_seed(0)
    assert learned(autoencoder.train(torch, autoencoder.build(torch), digit_images()))


def test_autoencoder_matches_torch() -> None:
    ours, theirs = twins(autoencoder)
    images = digit_images()
    assert_same_numbers(
        autoencoder.train(match, ours, images),
        autoencoder.train(torch, theirs, images),
        "autoencoder losses",
    )
    assert_same_weights(ours, theirs, "autoencoder")


def test_needs_skips_naming_what_is_missing() -> None:
    needs("nn.Linear", "tril")  # present: carries on
    with pytest.raises(pytest.skip.Exception, match="needs match.nn.NoSuchLayer"):
        needs("nn.Linear", "nn.NoSuchLayer")


# -- 6-8. "Learning PyTorch with Examples": the cubic fit three ways -----------------------------
POLY_START = [0.1, -0.2, 0.3, -0.05]


@pytest.mark.parametrize("program", [poly_autograd, poly_function], ids=["autograd", "function"])
def test_polynomial_by_hand_matches_torch(program: Any) -> None:
    """Scalars updated by hand under no_grad (`a -= lr * a.grad`), and P3 as a custom
    autograd.Function."""
    ours, ours_abcd = program.run(match, POLY_START)
    theirs, theirs_abcd = program.run(torch, POLY_START)
    assert learned(ours)
    assert_same_numbers(ours, theirs, "polynomial losses")
    assert_same_numbers(ours_abcd, theirs_abcd, "a, b, c, d")


def test_polynomial_nn_matches_torch() -> None:
    """`for param in model.parameters(): param -= lr * param.grad` trains the model."""
    ours, theirs = twins(poly_nn)
    losses = poly_nn.run(match, ours)
    assert learned(losses)
    assert_same_numbers(losses, poly_nn.run(torch, theirs), "polynomial nn losses")
    assert_same_weights(ours, theirs, "polynomial nn")


# -- 9. makemore's MLP: C[X[ix]], randint minibatches, p.data += -lr * p.grad --------------------
def test_makemore_mlp_matches_torch() -> None:
    draw = __import__("random").Random(0)
    X = [[draw.randrange(27) for _ in range(3)] for _ in range(100)]
    Y = [draw.randrange(27) for _ in range(100)]
    match.manual_seed(0)
    weights = {
        "C": match.randn(27, 10).tolist(),
        "W1": (match.randn(30, 50) * 0.2).tolist(),
        "b1": (match.randn(1, 50) * 0.01).tolist(),
        "W2": (match.randn(50, 27) * 0.1).tolist(),
        "b2": match.zeros(1, 27).tolist(),
    }
    batches = [[draw.randrange(100) for _ in range(32)] for _ in range(12)]
    ours, ours_params = makemore_mlp.run(match, X, Y, weights, batches)
    theirs, theirs_params = makemore_mlp.run(torch, X, Y, weights, batches)
    assert learned(ours)
    assert_same_numbers(ours, theirs, "makemore losses")
    for p, q in zip(ours_params, theirs_params):
        assert_close(p, q, what="makemore parameter")


# -- 10. PyTorch's Quickstart: DataLoader, train and test loops, save and load -------------------
def test_quickstart_matches_torch(tmp_path: Path) -> None:
    X, y = load_digits("train")
    X = [[v / 16 for v in row] for row in X[:96]]
    data = (X[:64], y[:64], X[64:96], y[64:96])
    ours, theirs = twins(quickstart)
    ours_numbers = quickstart.run(match, ours, data, str(tmp_path / "model.json"))
    theirs_numbers = quickstart.run(torch, theirs, data, str(tmp_path / "model.pth"))
    assert learned(ours_numbers[:4] + ours_numbers[-6:-2])
    assert_same_numbers(ours_numbers, theirs_numbers, "quickstart losses and accuracies")
    assert_same_weights(ours, theirs, "quickstart")


# -- 11. nanoGPT's bigram model: Embedding, view(B*T, C), AdamW, generate ------------------------
def test_bigram_matches_torch() -> None:
    draw = __import__("random").Random(1)
    text = [0]
    for _ in range(199):  # a learnable text: the next id is 3 or 4 after the last
        text.append((text[-1] + 3 + draw.randrange(2)) % 12)
    starts = [[draw.randrange(len(text) - 9) for _ in range(4)] for _ in range(20)]
    batches = [([text[i : i + 8] for i in ix], [text[i + 1 : i + 9] for i in ix]) for ix in starts]
    uniforms = [draw.random() for _ in range(10)]
    ours, theirs = twins(bigram)
    ours_losses, ours_ids = bigram.run(match, ours, batches, uniforms)
    theirs_losses, theirs_ids = bigram.run(torch, theirs, batches, uniforms)
    assert learned(ours_losses)
    assert_same_numbers(ours_losses, theirs_losses, "bigram losses")
    assert ours_ids == theirs_ids
    assert_same_weights(ours, theirs, "bigram")


# -- 12. FGSM: the input's gradient, data.grad.data.sign(), clamp --------------------------------
def test_fgsm_matches_torch() -> None:
    X, y = load_digits("test")
    images = [[v / 16 for v in row] for row in X[:6]]
    ours, theirs = twins(fgsm)
    ours_out = fgsm.run(match, ours, images, y[:6], epsilon=0.1)
    theirs_out = fgsm.run(torch, theirs, images, y[:6], epsilon=0.1)
    assert_same_numbers(ours_out[0], theirs_out[0], "fgsm losses")
    assert ours_out[1] == theirs_out[1]
    assert_close(ours_out[2], theirs_out[2], what="perturbed images")
    assert any(v not in (0.0, 1.0) for row in ours_out[2] for v in row)


# -- 13. top-k and top-p sampling ----------------------------------------------------------------
def test_top_k_top_p_sampling_matches_torch() -> None:
    rows = random_rows(5, 10, seed=4, low=-3.0, high=3.0)
    draws = [0.05, 0.3, 0.5, 0.75, 0.99]
    settings = [(0, 1.0), (3, 1.0), (0, 0.7), (5, 0.9), (1, 1.0)]
    ours_probs, ours_ids = sampling.run(match, rows, draws, settings)
    theirs_probs, theirs_ids = sampling.run(torch, rows, draws, settings)
    assert_close(ours_probs, theirs_probs, what="filtered probabilities")
    assert ours_ids == theirs_ids
    kept = [sum(p > 0 for p in probs) for probs in ours_probs[:5]]
    assert kept[0] == 10 and kept[1] == 3 and kept[4] == 1


# -- 14. VAE: reparameterization with the noise passed in, BCE + KLD -----------------------------
def test_vae_matches_torch() -> None:
    images = digit_images(32)
    match.manual_seed(3)
    noise = [match.randn(8, 4).tolist() for _ in range(4)] * 2
    images = images * 2
    ours, theirs = twins(vae)
    ours_losses = vae.run(match, ours, images, noise)
    assert learned(ours_losses)
    assert_same_numbers(ours_losses, vae.run(torch, theirs, images, noise), "vae losses")
    assert_same_weights(ours, theirs, "vae")
