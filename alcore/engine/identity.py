"""What a run's picks depend on in alcore's code: the versions of its strategies and loop."""

from __future__ import annotations

from alcore.engine.loop import LOOP_VERSION
from alcore.engine.strategies import get_class

__all__ = ["code_identity"]


def code_identity(ips: str, strategy: str) -> str:
    """The versions of a run's IPS, its query strategy (``"none"``: an IPS-only run) and the
    AL loop (:data:`alcore.engine.loop.LOOP_VERSION`), e.g.
    ``"loop=1 ips:typiclust=1 strategy:margin=1"``. The grid stores it with each run: a run
    recorded under another string is stale and runs again."""
    parts = [f"loop={LOOP_VERSION}", f"ips:{ips}={get_class(ips).version}"]
    if str(strategy).lower() != "none":
        parts.append(f"strategy:{strategy}={get_class(strategy).version}")
    return " ".join(parts)
