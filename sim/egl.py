"""PyBullet's EGL renderer plugin, and keeping its C-level chatter off stdout."""
from __future__ import annotations

import contextlib
import ctypes
import os
import pkgutil
import sys

import pybullet

_LIBC = ctypes.CDLL(None)


@contextlib.contextmanager
def stdout_to_stderr():
    """Send C-level stdout to stderr: the EGL plugin prints banners that would corrupt --json."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        yield
    finally:
        _LIBC.fflush(None)  # C's buffered stdout must drain into stderr, not later into stdout
        os.dup2(saved, 1)
        os.close(saved)


def load_egl(client: int) -> bool:
    """Load PyBullet's EGL renderer into `client`; False when the machine has no EGL."""
    loader = pkgutil.get_loader("eglRenderer")
    if loader is None:
        return False
    with stdout_to_stderr():
        plugin = pybullet.loadPlugin(loader.get_filename(), "_eglRendererPlugin",
                                     physicsClientId=client)
    return plugin >= 0
