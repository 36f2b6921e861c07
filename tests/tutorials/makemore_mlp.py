"""Ported: Karpathy's makemore part 2 (the MLP language model of Bengio et al.): an embedding
table C, a tanh layer, minibatches drawn with randint, and `p.data += -lr * p.grad`.

The one line that changes: `emb = C[X[ix]]` is 3-D in torch ((32, 3, 10)); Match writes the
same numbers as `C[X[ix].flatten()].view(-1, 30)`, the view the tutorial takes next anyway.
"""

from __future__ import annotations

from typing import Any


def run(
    lib: Any, X: list[list[int]], Y: list[int], weights: dict[str, Any], batches: list[list[int]]
) -> tuple[list[float], list[Any]]:
    """Train on the given minibatches (positions drawn once, so both libraries see the same);
    returns the losses and the parameters."""
    F = lib.nn.functional
    Xt = lib.tensor(X, dtype=lib.long)
    Yt = lib.tensor(Y, dtype=lib.long)
    names = ("C", "W1", "b1", "W2", "b2")
    C, W1, b1, W2, b2 = (lib.tensor(weights[k], requires_grad=False) for k in names)
    if lib.__name__ == "torch":  # the biases as torch's vectors (Match's are (1, n) rows)
        b1, b2 = b1.reshape(-1), b2.reshape(-1)
    parameters = [C, W1, b1, W2, b2]
    for p in parameters:
        p.requires_grad = True
    losses = []
    for i, batch in enumerate(batches):
        ix = lib.tensor(batch, dtype=lib.long)  # torch.randint(0, Xt.shape[0], (32,))
        emb = C[Xt[ix]] if lib.__name__ == "torch" else C[Xt[ix].flatten()]
        h = lib.tanh(emb.view(-1, 30) @ W1 + b1)
        logits = h @ W2 + b2
        loss = F.cross_entropy(logits, Yt[ix])
        losses.append(loss.item())
        for p in parameters:
            p.grad = None
        loss.backward()
        lr = 0.1 if i < len(batches) // 2 else 0.01
        for p in parameters:
            p.data += -lr * p.grad
    return losses, parameters
