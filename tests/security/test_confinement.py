"""The worker process is confined even if the static policy were bypassed: each operating-system
layer alone, then all of them as the worker gets them. A probe program plays the escaped attacker
and reports what each attempt met (the errno says which layer stopped it)."""
import json
import os
import platform
import shutil
import socket
import subprocess
import sys

import pytest

from cap.sandbox import confine
from cap.config import SessionConfig
from cap.sandbox.controller import Limits, worker_environment
from cap.session import Session
from sim.scene import SceneSpec

PROBE = r"""
import ctypes, errno, json, os, signal, socket, subprocess, sys
secret, port, parent, outside = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
if "seccomp" in sys.argv[5:]:
    from cap.sandbox.confine import forbid_syscalls
    assert forbid_syscalls()
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # past the file-size limit a write fails instead

def attempt(action):
    try:
        action()
        return "ok"
    except OSError as error:
        return errno.errorcode.get(error.errno, type(error).__name__)

def write(path):
    with open(path, "w") as file:
        file.write("x")

def memory():
    try:
        bytearray(2 * 1024 ** 3)
        return "ok"
    except MemoryError:
        return "MemoryError"

def libraries():
    import numpy, shapely.geometry
    return float(numpy.linalg.norm([3, 4]) + shapely.geometry.Point(0, 0).buffer(1).area)

print(json.dumps({
    "read_secret": attempt(lambda: open(secret).read()),
    "read_controller_environment": attempt(lambda: open(f"/proc/{parent}/environ").read()),
    "write_outside": attempt(lambda: write(outside)),
    "write_inside": attempt(lambda: write("inside")),
    "tcp": attempt(lambda: socket.create_connection(("127.0.0.1", port), timeout=2).close()),
    "socket": attempt(lambda: socket.socket(socket.AF_UNIX).close()),
    "signal_controller": attempt(lambda: os.kill(parent, 0)),
    "run_program": attempt(lambda: subprocess.run(["/bin/true"])),
    "memory": memory(),
    "libraries": libraries() > 3,
    "no_new_privileges": ctypes.CDLL(None).prctl(39, 0, 0, 0, 0),
    "uid": os.geteuid(),
}))
"""


# what the worker's own start-up adds: Python's locale coercion, the ROS wheels' bootstrap
STARTUP_VARIABLES = {"LC_CTYPE", "LD_LIBRARY_PATH", "_ROS_WHEELS_BOOTSTRAP_COMPLETE"}


@pytest.fixture
def probe(tmp_path):
    """Runs the probe in a fresh process under `preexec_fn`, from an empty working folder."""
    secret = tmp_path / "secret.txt"
    secret.write_text("token")
    workdir = tmp_path / "work"
    workdir.mkdir()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()

    def run(preexec_fn=None, *flags: str) -> dict:
        arguments = [str(secret), str(listener.getsockname()[1]), str(os.getpid()),
                     str(tmp_path / "outside"), *flags]
        result = subprocess.run([sys.executable, "-c", PROBE, *arguments], capture_output=True,
                                text=True, timeout=60, cwd=workdir, preexec_fn=preexec_fn,
                                env={"PATH": "/usr/bin:/bin", "PYTHONPATH": os.getcwd()})
        assert result.returncode == 0, result.stderr
        found = json.loads(result.stdout)
        found["outside_exists"] = (tmp_path / "outside").exists()
        found["inside_bytes"] = (workdir / "inside").stat().st_size
        return found
    yield run
    listener.close()


def test_the_resource_limits_alone_stop_file_data_and_memory(probe):
    found = probe(lambda: confine.set_limits(512))
    assert found["write_inside"] == "EFBIG" and found["inside_bytes"] == 0
    assert found["memory"] == "MemoryError"


def test_no_new_privileges_holds_in_the_child(probe):
    assert probe(confine.no_new_privileges)["no_new_privileges"] == 1


def namespaces_allowed(*flags: str) -> bool:
    """Whether this process may enter new namespaces (`unshare -U -n`: user and network)."""
    unshare = shutil.which("unshare")
    return bool(unshare) and subprocess.run([unshare, *flags, "true"]).returncode == 0


def user_namespaces_allowed() -> bool:
    return namespaces_allowed("-U", "-n")


@pytest.mark.skipif(not user_namespaces_allowed(),
                    reason="this kernel or its policy refuses unprivileged user namespaces")
def test_the_namespaces_alone_leave_no_network_and_no_capability(probe):
    found = probe(confine.leave_network)
    assert found["tcp"] == "ENETUNREACH"  # no interface is up: not even loopback
    assert found["uid"] == 65534  # an unmapped user: no capability on the host, root included


@pytest.mark.skipif(confine.landlock_abi() < 1, reason="this kernel has no Landlock")
def test_landlock_alone_keeps_reads_and_writes_to_what_the_worker_needs(probe, tmp_path):
    def enter() -> None:
        confine.no_new_privileges()
        assert confine.restrict_self(ruleset)
    ruleset = confine.landlock_ruleset(confine.filesystem_rules(str(tmp_path / "work")))
    try:
        found = probe(enter)
    finally:
        os.close(ruleset)
    assert found["read_secret"] == found["read_controller_environment"] == "EACCES"
    assert found["write_outside"] == "EACCES" and not found["outside_exists"]
    assert found["write_inside"] == "ok"  # its own folder (the file-size limit is not set here)
    assert found["run_program"] == "EACCES"
    assert found["libraries"] is True
    if confine.landlock_abi() >= 4:
        assert found["tcp"] == "EACCES"
    if confine.landlock_abi() >= 6:
        assert found["signal_controller"] == "EPERM"


@pytest.mark.skipif(platform.machine() not in confine.SYSCALLS,
                    reason=f"no seccomp filter is written for {platform.machine()}")
def test_seccomp_alone_forbids_sockets_programs_and_signals(probe):
    found = probe(None, "seccomp")
    assert found["socket"] == found["tcp"] == "EPERM"
    assert found["run_program"] == found["signal_controller"] == "EPERM"
    assert found["libraries"] is True and found["no_new_privileges"] == 1


def test_all_layers_together_hold_without_the_static_checks(probe, tmp_path):
    with confine.confined(512, str(tmp_path / "work")) as apply:
        found = probe(apply, "seccomp")
    assert found["write_inside"] == "EFBIG" and found["inside_bytes"] == 0
    assert found["write_outside"] != "ok" and not found["outside_exists"]
    assert found["memory"] == "MemoryError"
    assert "ok" not in (found["tcp"], found["socket"], found["run_program"])
    assert found["libraries"] is True
    if confine.landlock_abi() >= 1:
        assert found["read_secret"] == found["read_controller_environment"] == "EACCES"


def test_the_worker_holds_no_secret_and_runs_confined(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-not-for-the-worker")
    session = Session(SessionConfig(SceneSpec(("red",), (), seed=0), limits=Limits()))
    try:
        assert session.exec_program("say('hi')").ok
        pid = session._sandbox.process.pid
        environment = open(f"/proc/{pid}/environ", "rb").read().split(b"\0")
        status = open(f"/proc/{pid}/status").read()
        worker_net = os.readlink(f"/proc/{pid}/ns/net")
    finally:
        session.close()
    names = {entry.split(b"=")[0].decode() for entry in environment if entry}
    assert b"sk-not-for-the-worker" not in b"".join(environment)
    assert names <= set(worker_environment()) | STARTUP_VARIABLES
    assert "NoNewPrivs:\t1" in status
    if platform.machine() in confine.SYSCALLS:
        assert "Seccomp:\t2" in status
    if user_namespaces_allowed() or namespaces_allowed("-n"):
        assert worker_net != os.readlink("/proc/self/ns/net")
    if user_namespaces_allowed():
        assert "CapEff:\t0000000000000000" in status  # root's capabilities stay outside
