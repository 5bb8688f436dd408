"""The worker process is confined even if the language-level policy were bypassed:
no file data, no network, bounded memory."""
import os
import subprocess
import sys

import pytest

from cap.sandbox.controller import confine

PROBE = """
import os, socket, sys
results = {}
try:
    with open(sys.argv[1], "w") as f:
        f.write("x")
        f.flush()
    results["write"] = "ok"
except Exception as e:
    results["write"] = type(e).__name__
try:
    socket.create_connection(("127.0.0.1", int(sys.argv[2])), timeout=1)
    results["net"] = "ok"
except Exception as e:
    results["net"] = type(e).__name__
try:
    bytearray(2 * 1024 ** 3)
    results["memory"] = "ok"
except MemoryError:
    results["memory"] = "MemoryError"
print(results)
"""


@pytest.mark.skipif(os.geteuid() != 0, reason="network isolation needs root")
def test_worker_confinement_holds_without_the_static_checks(tmp_path):
    import socket
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(tmp_path / "canary"), str(listener.getsockname()[1])],
        capture_output=True, text=True, timeout=30, preexec_fn=confine(512), cwd="/")
    listener.close()
    results = eval(result.stdout)  # noqa: S307 -- our own probe's dict
    assert results["write"] == "OSError"  # RLIMIT_FSIZE: no byte can be written to a file
    assert not (tmp_path / "canary").exists() or (tmp_path / "canary").stat().st_size == 0
    assert results["net"] != "ok"
    assert results["memory"] == "MemoryError"
