"""Neural-network building blocks made from Matrix operations (placeholder, expanded later)."""

from __future__ import annotations

from .matrix import Matrix


class Module:
    """Base class for layers and models: subclasses define `forward`."""

    def __call__(self, *args, **kwargs):
        """Run forward."""
        return self.forward(*args, **kwargs)

    def parameters(self) -> list[Matrix]:
        """All parameters."""
        out = []
        for v in vars(self).values():
            if isinstance(v, Matrix) and v.requires_grad:
                out.append(v)
            elif isinstance(v, Module):
                out.extend(v.parameters())
        return out

    def zero_grad(self) -> None:
        """Reset gradients."""
        for p in self.parameters():
            p.zero_grad()
