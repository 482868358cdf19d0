"""numba's ``njit`` applied on first use, so that a module defining compiled helpers imports without numba.

``validate``, ``scenario export`` and loading a scenario need the plain Python parts of
simengine.distributions and simengine.rng, not their compiled functions; importing numba costs
seconds and a few hundred MiB. A module declares its compiled functions with :func:`lazy`'s
decorator and ends with ``finish()``; the first access to any of them from outside (``from
simengine.rng import uniform``, ``rng.uniform``) imports numba, after simengine/__init__.py has
set the kernels' cache folder, and compiles them all into the module's namespace, where they
find each other by name as before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def lazy(namespace: dict[str, Any]) -> tuple[Callable[..., Callable[[Callable], Any]], Callable[[str], Any],
                                                Callable[[], None]]:
    """(njit decorator, the module's ``__getattr__``, ``finish``) for the module whose globals are ``namespace``."""
    pending: dict[str, tuple[Callable, dict[str, Any]]] = {}

    def njit(**options: Any) -> Callable[[Callable], Any]:
        def deco(f: Callable) -> Any:
            pending[f.__name__] = (f, options)
            return f

        return deco

    def compile_all() -> None:
        import numba

        for name, (f, options) in list(pending.items()):
            namespace[name] = numba.njit(**options)(f)
        pending.clear()

    def getattr_(name: str) -> Any:
        if name in pending:
            compile_all()
            return namespace[name]
        raise AttributeError(f"module {namespace['__name__']!r} has no attribute {name!r}")

    def finish() -> None:
        """Remove the plain functions from the namespace: the first access compiles them."""
        for name in pending:
            namespace.pop(name, None)

    return njit, getattr_, finish
