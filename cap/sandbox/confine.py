"""Operating-system confinement of the policy worker: what still holds if a program gets past
the static policy. Each layer is applied where the kernel offers it, without root:

- resource limits and its own process group (always);
- no new privileges (always on Linux): no setuid program gains anything;
- user and network namespaces: no network at all, no capability on the host (root included);
- Landlock: reads only the interpreter, the libraries and cap's packages; writes only its
  temporary folder; no TCP, no signals or abstract sockets beyond itself, no ptrace of others;
- seccomp (inside the worker, after start-up): no sockets, no programs, no ptrace, no
  namespaces, no mounts.

`confined` gives what the forked child runs before it executes the worker; `forbid_syscalls`
runs in the worker once it has started (it would forbid starting it).
"""
from __future__ import annotations

import ctypes
import os
import platform
import resource
import site
import struct
import sys
from contextlib import contextmanager
from typing import Callable, Iterator

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long

CLONE_NEWUSER, CLONE_NEWNET = 0x10000000, 0x40000000
PR_SET_NO_NEW_PRIVS = 38
# syscall numbers (x86_64, aarch64) for Landlock and seccomp, and those seccomp forbids
LANDLOCK_CREATE_RULESET, LANDLOCK_ADD_RULE, LANDLOCK_RESTRICT_SELF = 444, 445, 446
SYSCALLS = {
    "x86_64": {"arch": 0xC000003E, "seccomp": 317, "forbidden": {
        "socket": 41, "execve": 59, "execveat": 322, "kill": 62, "ptrace": 101,
        "process_vm_readv": 310, "process_vm_writev": 311, "unshare": 272, "setns": 308,
        "mount": 165, "bpf": 321, "userfaultfd": 323, "perf_event_open": 298, "keyctl": 250}},
    "aarch64": {"arch": 0xC00000B7, "seccomp": 277, "forbidden": {
        "socket": 198, "execve": 221, "execveat": 281, "kill": 129, "ptrace": 117,
        "process_vm_readv": 270, "process_vm_writev": 271, "unshare": 97, "setns": 268,
        "mount": 40, "bpf": 280, "userfaultfd": 282, "perf_event_open": 241, "keyctl": 219}},
}
PACKAGES = ("cap", "robots", "perception", "sim")  # what the worker imports from cap's root
SYSTEM_LIBRARIES = ("/usr/lib", "/usr/lib64", "/lib", "/lib64", "/usr/local/lib")


@contextmanager
def confined(memory_mb: int, workdir: str) -> Iterator[Callable[[], None]]:
    """The function the child runs before it executes the worker (subprocess's preexec_fn).
    The Landlock rules are built here, in the parent, so the child only makes system calls."""
    ruleset = landlock_ruleset(filesystem_rules(workdir))

    def apply() -> None:
        os.setpgrp()
        set_limits(memory_mb)
        no_new_privileges()
        leave_network()
        restrict_self(ruleset)
    try:
        yield apply
    finally:
        if ruleset >= 0:
            os.close(ruleset)


def set_limits(memory_mb: int) -> None:
    """Address space, no byte written to any file, no core dumps, few descriptors."""
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))


def no_new_privileges() -> bool:
    """No program this process runs gains privileges (setuid bits, file capabilities)."""
    return _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0


def leave_network() -> str:
    """Enter new user and network namespaces (no interface but a loopback that is down, no
    capability outside); where user namespaces are refused, root still gets a network one."""
    if _libc.unshare(CLONE_NEWUSER | CLONE_NEWNET) == 0:
        return "user+network namespace"
    if os.geteuid() == 0 and _libc.unshare(CLONE_NEWNET) == 0:
        return "network namespace"
    return "none"


# Landlock: access rights (linux/landlock.h) and the ABI version that added them
EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
TRUNCATE, IOCTL_DEV, EVERYTHING = 1 << 14, 1 << 15, (1 << 64) - 1
FS_RIGHTS_BY_ABI = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 5: (1 << 16) - 1}
FILE_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV  # the rest are folders'
NET_TCP = 0b11  # bind and connect (ABI 4)
SCOPES = 0b11  # abstract unix sockets and signals beyond the domain (ABI 6)


def filesystem_rules(workdir: str) -> list[tuple[str, int]]:
    """What the worker may touch: read the interpreter's prefixes, site-packages, the system
    libraries and cap's own packages (cap's folder itself: list only); execute the interpreter
    and its dynamic loader; write in `workdir` and /dev/null. Nothing else: no /proc, no home."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    read = [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, sys.executable,
            *site.getsitepackages(), *SYSTEM_LIBRARIES, *(os.path.join(root, p) for p in PACKAGES),
            "/etc/ld.so.cache", "/dev/urandom"]
    rules = [(p, READ_FILE | READ_DIR) for p in _existing(read)]
    loader = _program_loader(sys.executable)
    run = [sys.executable, *([loader] if loader else SYSTEM_LIBRARIES)]  # none named: any there
    rules += [(p, EXECUTE) for p in _existing(run)]
    rules += [(root, READ_DIR), (os.devnull, READ_FILE | WRITE_FILE | TRUNCATE),
              (workdir, EVERYTHING)]
    merged: dict[str, int] = {}
    for path, rights in rules:
        merged[path] = merged.get(path, 0) | rights
    return list(merged.items())


def _program_loader(executable: str) -> str:
    """The dynamic loader an ELF program names (its PT_INTERP header), which the kernel runs
    with it; "" for a static or unreadable program."""
    try:
        with open(executable, "rb") as program:
            header = program.read(64)
            if header[:5] != b"\x7fELF\x02":  # a 64-bit ELF program (x86_64, aarch64)
                return ""
            (offset,), (size, count) = (struct.unpack_from("<Q", header, 0x20),
                                        struct.unpack_from("<HH", header, 0x36))
            for index in range(count):
                program.seek(offset + index * size)
                kind, _, start, _, _, length = struct.unpack("<IIQQQQ", program.read(40))
                if kind == 3:  # PT_INTERP
                    program.seek(start)
                    return program.read(length).rstrip(b"\0").decode()
    except (OSError, struct.error, UnicodeDecodeError):
        pass
    return ""


def _existing(paths: list[str]) -> list[str]:
    return sorted({os.path.realpath(p) for p in paths if p and os.path.exists(p)})


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("fs", ctypes.c_uint64), ("net", ctypes.c_uint64), ("scoped", ctypes.c_uint64)]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def landlock_abi() -> int:
    """The kernel's Landlock ABI version; 0 where Landlock is missing or off."""
    return max(0, _libc.syscall(LANDLOCK_CREATE_RULESET, None, 0, 1))


def landlock_ruleset(rules: list[tuple[str, int]]) -> int:
    """A Landlock ruleset allowing only `rules` on the file system and, with newer kernels, no
    TCP and no signals or abstract sockets beyond the process; -1 where there is no Landlock."""
    abi = landlock_abi()
    if abi < 1:
        return -1
    fs = FS_RIGHTS_BY_ABI[max(v for v in FS_RIGHTS_BY_ABI if v <= abi)]
    attr = _RulesetAttr(fs, NET_TCP if abi >= 4 else 0, SCOPES if abi >= 6 else 0)
    size = 24 if abi >= 6 else 16 if abi >= 4 else 8
    ruleset = _libc.syscall(LANDLOCK_CREATE_RULESET, ctypes.byref(attr), size, 0)
    for path, rights in rules if ruleset >= 0 else ():
        _allow(ruleset, path, rights & fs)
    return ruleset


def restrict_self(ruleset: int) -> bool:
    """Enter the ruleset's domain, for good (needs no new privileges, or root)."""
    return ruleset >= 0 and _libc.syscall(LANDLOCK_RESTRICT_SELF, ruleset, 0) == 0


def _allow(ruleset: int, path: str, rights: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return
    try:
        if not os.path.isdir(path):
            rights &= FILE_RIGHTS
        rule = _PathBeneath(rights, fd)
        _libc.syscall(LANDLOCK_ADD_RULE, ruleset, 1, ctypes.byref(rule), 0)
    finally:
        os.close(fd)


class _SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8),
                ("k", ctypes.c_uint32)]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


LOAD, JUMP_EQ, JUMP_GE, RETURN = 0x20, 0x15, 0x35, 0x06  # BPF_LD|W|ABS, JMP|JEQ|K, JMP|JGE|K, RET|K
ALLOW, DENY = 0x7FFF0000, 0x00050000 | 1  # SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO | EPERM


def forbid_syscalls() -> bool:
    """seccomp: the calls the worker never needs fail with EPERM from now on, in every thread
    (a worker needs no socket, no other program, no other process's memory)."""
    table = SYSCALLS.get(platform.machine())
    if table is None or not no_new_privileges():  # seccomp requires it without root
        return False
    numbers = sorted(table["forbidden"].values())
    program = [(LOAD, 0, 0, 4), (JUMP_EQ, 1, 0, table["arch"]), (RETURN, 0, 0, DENY),
               (LOAD, 0, 0, 0), (JUMP_GE, len(numbers) + 1, 0, 0x40000000)]  # x32 calls: no
    program += [(JUMP_EQ, len(numbers) - i, 0, n) for i, n in enumerate(numbers)]
    program += [(RETURN, 0, 0, ALLOW), (RETURN, 0, 0, DENY)]
    filters = (_SockFilter * len(program))(*program)
    prog = _SockFprog(len(program), filters)
    tsync = 1  # SECCOMP_FILTER_FLAG_TSYNC
    return _libc.syscall(table["seccomp"], 1, tsync, ctypes.byref(prog)) == 0
