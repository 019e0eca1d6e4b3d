"""A CPU-burning neighbour for determinism tests: the same seed must give the same answer."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cpu_load(processes: int = 2) -> Iterator[None]:
    """Run ``processes`` busy-looping Python processes while the block runs."""
    burners = [
        subprocess.Popen([sys.executable, "-c", "while True:\n    pass"]) for _ in range(processes)
    ]
    try:
        time.sleep(0.2)  # let them take the cores
        assert all(p.poll() is None for p in burners), "the CPU burners did not start"
        yield
    finally:
        for p in burners:
            p.kill()
        for p in burners:
            p.wait(timeout=10)
