"""Ported: nanoGPT's (and "Let's build GPT") bigram language model: an `nn.Embedding(vocab,
vocab)` of next-token logits, `logits.view(B*T, C)` and `targets.view(B*T)` into
`F.cross_entropy`, AdamW, and `generate` (softmax of the last position, multinomial).

What changes: Match's Embedding takes a row or column of positions, so the (B, T) batch is
looked up as `idx.view(-1)` (B*T tokens), which is what the tutorial's view does next anyway;
the next token is drawn from given uniform numbers (torch.multinomial's generator is not
Match's), by the inverse of the cumulative probabilities.
"""

from __future__ import annotations

from typing import Any


def build(lib: Any, vocab_size: int = 12) -> Any:
    """The tutorial's BigramLanguageModel."""
    nn, F = lib.nn, lib.nn.functional

    class BigramLanguageModel(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.token_embedding_table = nn.Embedding(vocab_size, vocab_size)

        def forward(self, idx: Any, targets: Any = None) -> tuple[Any, Any]:
            B, T = idx.shape
            if lib.__name__ == "torch":
                logits = self.token_embedding_table(idx).view(B * T, vocab_size)
            else:  # (B, T, C) is 3-D: look the B*T tokens up at once
                logits = self.token_embedding_table(idx.view(-1))
            loss = None if targets is None else F.cross_entropy(logits, targets.view(B * T))
            return logits, loss

    return BigramLanguageModel()


def draw(lib: Any, probs: Any, u: float) -> int:
    """torch.multinomial(probs, 1) with a given uniform number: the first id whose cumulative
    probability passes u."""
    return int((probs.cumsum(-1) < u).sum().item())


def run(
    lib: Any, model: Any, batches: list[tuple[list[list[int]], list[list[int]]]], draws: list[float]
) -> tuple[list[float], list[int]]:
    """Train on the given (B, T) batches (the tutorial's get_batch, drawn once); generate one
    token per draw from token 0. Returns the losses and the generated ids."""
    optimizer = lib.optim.AdamW(model.parameters(), lr=1e-2)
    losses = []
    for x, y in batches:
        xb = lib.tensor(x, dtype=lib.long, requires_grad=False)
        yb = lib.tensor(y, dtype=lib.long, requires_grad=False)
        logits, loss = model(xb, yb)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    idx = [0]
    with lib.no_grad():
        for u in draws:
            context = lib.tensor([idx], dtype=lib.long, requires_grad=False)
            logits, _ = model(context)
            probs = lib.nn.functional.softmax(logits[-1:], dim=-1)  # logits[:, -1, :] in 3-D
            idx.append(draw(lib, probs, u))
    return losses, idx
