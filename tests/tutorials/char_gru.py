"""Tutorial 3: a character-level language model with a GRU, as the char-RNN tutorials write it:
Embedding -> GRU -> Linear, trained on next-character prediction, then sampled one character at
a time with softmax + multinomial. The text is one sequence, so the GRU gets torch's unbatched
(T, features) input and gives a (T, hidden) output and a (1, hidden) final state."""

from __future__ import annotations

from typing import Any

from tests.tutorials import class_indices

TEXT = "hello world, hello match. the cat sat on the mat. "
CHARS = sorted(set(TEXT))
STOI = {ch: i for i, ch in enumerate(CHARS)}
ITOS = dict(enumerate(CHARS))


def encode(text: str) -> list[int]:
    """Characters to ids."""
    return [STOI[ch] for ch in text]


def decode(ids: list[int]) -> str:
    """Ids to characters."""
    return "".join(ITOS[i] for i in ids)


def build(lib: Any, n_embd: int = 8, hidden_size: int = 16) -> Any:
    """The model: forward(idx, h=None) -> (logits (T, vocab), h)."""
    nn = lib.nn

    class CharGRU(nn.Module):
        def __init__(self, vocab_size: int) -> None:
            super().__init__()
            self.embed = nn.Embedding(vocab_size, n_embd)
            self.gru = nn.GRU(n_embd, hidden_size)
            self.head = nn.Linear(hidden_size, vocab_size)

        def forward(self, idx: Any, h: Any = None) -> Any:
            out, h = self.gru(self.embed(idx), h)
            return self.head(out), h

    return CharGRU(len(CHARS))


def train(lib: Any, model: Any, block_size: int = 8, steps: int = 12) -> list[float]:
    """Adam on consecutive windows of the text; returns every step's loss."""
    F = lib.nn.functional
    data = encode(TEXT)
    optimizer = lib.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for step in range(steps):
        i = step * block_size % (len(data) - block_size - 1)
        x = class_indices(lib, data[i : i + block_size])
        y = class_indices(lib, data[i + 1 : i + block_size + 1])
        logits, _ = model(x)
        loss = F.cross_entropy(logits, y)
        optimizer.zero_grad()
        loss.backward()
        lib.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
        optimizer.step()
        losses.append(loss.item())
    return losses


def next_char_probs(lib: Any, model: Any, prompt: str) -> Any:
    """The model's distribution of the character after prompt, a (1, vocab) row in Match and a
    (vocab,) vector in torch."""
    F = lib.nn.functional
    with lib.no_grad():
        logits, _ = model(class_indices(lib, encode(prompt)))
        return F.softmax(logits[-1], dim=-1)


def generate(lib: Any, model: Any, prompt: str, max_new_chars: int) -> str:
    """Sample one character at a time, feeding the state forward (seed with lib.manual_seed)."""
    F = lib.nn.functional
    ids = encode(prompt)
    with lib.no_grad():
        logits, h = model(class_indices(lib, ids))
        for _ in range(max_new_chars):
            probs = F.softmax(logits[-1], dim=-1)
            next_id = lib.multinomial(probs, num_samples=1)
            ids.append(int(next_id.item()))
            logits, h = model(next_id, h)  # a 1-step sequence: (1,) in torch, (1, 1) in Match
    return decode(ids)
