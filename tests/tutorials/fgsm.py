"""Ported: PyTorch's "Adversarial Example Generation" (FGSM): the input's own gradient,
`data.requires_grad = True`, `data_grad = data.grad.data`, `data_grad.sign()`, the perturbed
image clamped to [0, 1], and `output.max(1, keepdim=True)[1]` for the prediction.

What changes: nothing but the imports. `data.grad` is a List2D (values without a graph, as
torch's `.grad` is in practice); `sign()` and the arithmetic with a Matrix work on it.
"""

from __future__ import annotations

from typing import Any


def build(lib: Any) -> Any:
    """A small classifier of 8x8 digits (the tutorial attacks a trained LeNet)."""
    nn = lib.nn
    return nn.Sequential(nn.Linear(64, 24), nn.Tanh(), nn.Linear(24, 10))


def fgsm_attack(lib: Any, image: Any, epsilon: float, data_grad: Any) -> Any:
    """The tutorial's attack: a step of size epsilon along the sign of the gradient."""
    sign_data_grad = data_grad.sign()
    perturbed_image = image + epsilon * sign_data_grad
    perturbed_image = lib.clamp(perturbed_image, 0, 1)
    return perturbed_image


def run(
    lib: Any, model: Any, images: list[list[float]], labels: list[int], epsilon: float
) -> tuple[list[float], list[int], list[list[float]]]:
    """Attack each image; returns the losses, the predictions after the attack and the
    perturbed images."""
    F = lib.nn.functional
    model.eval()
    losses, predictions, perturbed = [], [], []
    for pixels, label in zip(images, labels):
        data = lib.tensor([pixels], requires_grad=False)
        target = lib.tensor([label], dtype=lib.long, requires_grad=False)
        data.requires_grad = True
        output = model(data)
        init_pred = output.max(1, keepdim=True)[1]
        loss = F.nll_loss(F.log_softmax(output, dim=1), target)
        model.zero_grad()
        loss.backward()
        data_grad = data.grad.data
        perturbed_data = fgsm_attack(lib, data, epsilon, data_grad)
        output = model(perturbed_data)
        final_pred = output.max(1, keepdim=True)[1]
        losses.append(loss.item())
        predictions += [init_pred.item(), final_pred.item()]
        perturbed.append(perturbed_data.detach().tolist()[0])
    return losses, predictions, perturbed
