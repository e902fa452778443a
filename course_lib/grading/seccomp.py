"""A seccomp filter for a learner's worker: no new processes, no signals to others, no ptrace.

Installed by the worker on itself, after its imports and before any learner code
(``install(os.getpid())``). The
filter is a short classic-BPF program written out here, so it needs no library:

- ``fork``, ``vfork``, ``clone`` and ``clone3`` fail with EPERM: a worker is one process
  with one thread (numpy and torch run on one thread here), so it cannot leave a
  double-forked child behind, nor start a thread bomb;
- ``kill`` and ``tgkill`` only to the worker itself (``kill(0, ...)`` included, as the worker
  leads its own process group), so it cannot stop or kill the zygote or a sibling; nor can it
  make the kernel signal another process for it (``fcntl`` F_SETOWN, F_SETSIG, F_SETOWN_EX and
  ``ioctl`` FIOSETOWN, SIOCSPGRP fail);
- ``ptrace``, ``process_vm_*``, namespaces, mounts, keyrings, ``bpf``, ``perf_event_open``,
  ``userfaultfd``, ``io_uring`` and module loading fail with EPERM;
- a system call of another architecture (x32, i386 on x86-64) kills the process.

>>> len(program(1234)) % 8 == 0   # each instruction is 8 bytes
True
"""

from __future__ import annotations

import ctypes
import errno
import platform
import struct

__all__ = ["install", "program", "supported", "set_dumpable"]

# instruction classes and fields (linux/filter.h, linux/bpf_common.h)
_LD_W_ABS = 0x20
_JEQ = 0x15
_JSET = 0x45
_RET = 0x06
_ALLOW = 0x7FFF0000
_KILL_PROCESS = 0x80000000
_EPERM = 0x00050000 | errno.EPERM
_OFF_NR, _OFF_ARCH, _OFF_ARG0, _OFF_ARG1 = 0, 4, 16, 24  # struct seccomp_data, low words
_FCNTL_OWNER = (8, 10, 15)  # F_SETOWN, F_SETSIG, F_SETOWN_EX
_IOCTL_OWNER = (0x8901, 0x8902)  # FIOSETOWN, SIOCSPGRP

# (audit arch, {name: number}) per machine; names absent on an arch are skipped
_ARCHES = {
    "x86_64": (
        0xC000003E,
        dict(
            fork=57,
            vfork=58,
            clone=56,
            clone3=435,
            kill=62,
            tkill=200,
            tgkill=234,
            rt_sigqueueinfo=129,
            rt_tgsigqueueinfo=297,
            pidfd_send_signal=424,
            pidfd_open=434,
            pidfd_getfd=438,
            ptrace=101,
            process_vm_readv=310,
            process_vm_writev=311,
            unshare=272,
            setns=308,
            mount=165,
            umount2=166,
            pivot_root=155,
            chroot=161,
            keyctl=250,
            add_key=248,
            request_key=249,
            bpf=321,
            perf_event_open=298,
            userfaultfd=323,
            io_uring_setup=425,
            init_module=175,
            finit_module=313,
            kexec_load=246,
            reboot=169,
            swapon=167,
            acct=163,
            open_by_handle_at=304,
            fcntl=72,
            ioctl=16,
        ),
    ),
    "aarch64": (
        0xC00000B7,
        dict(
            clone=220,
            clone3=435,
            kill=129,
            tkill=130,
            tgkill=131,
            rt_sigqueueinfo=138,
            rt_tgsigqueueinfo=240,
            pidfd_send_signal=424,
            pidfd_open=434,
            pidfd_getfd=438,
            ptrace=117,
            process_vm_readv=270,
            process_vm_writev=271,
            unshare=97,
            setns=268,
            mount=40,
            umount2=39,
            pivot_root=41,
            chroot=51,
            keyctl=219,
            add_key=217,
            request_key=218,
            bpf=280,
            perf_event_open=241,
            userfaultfd=282,
            io_uring_setup=425,
            init_module=105,
            finit_module=273,
            kexec_load=104,
            reboot=142,
            swapon=224,
            acct=89,
            open_by_handle_at=265,
            fcntl=25,
            ioctl=29,
        ),
    ),
}
_DENIED = (
    "fork vfork clone clone3 tkill rt_sigqueueinfo rt_tgsigqueueinfo pidfd_send_signal pidfd_open "
    "pidfd_getfd ptrace process_vm_readv process_vm_writev unshare setns mount umount2 "
    "pivot_root chroot keyctl add_key request_key bpf perf_event_open userfaultfd "
    "io_uring_setup init_module finit_module kexec_load reboot swapon acct open_by_handle_at"
).split()


def supported() -> bool:
    """Whether this machine's architecture has a filter here (x86-64 and arm64)."""
    return platform.machine() in _ARCHES


def _ins(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
    return struct.pack("<HBBI", code, jt, jf, k & 0xFFFFFFFF)


def program(own_pid: int) -> bytes:
    """The filter for a worker whose pid is ``own_pid``, as raw ``struct sock_filter`` bytes."""
    arch, numbers = _ARCHES[platform.machine()]
    out = [_ins(_LD_W_ABS, _OFF_ARCH), _ins(_JEQ, arch, 1, 0), _ins(_RET, _KILL_PROCESS)]
    out.append(_ins(_LD_W_ABS, _OFF_NR))
    if arch == 0xC000003E:  # x32 system calls carry bit 30: refuse them all
        out += [_ins(_JSET, 0x40000000, 0, 1), _ins(_RET, _KILL_PROCESS)]
    for name in _DENIED:
        if name in numbers:
            out += [_ins(_JEQ, numbers[name], 0, 1), _ins(_RET, _EPERM)]
    # kill(pid, sig) and tgkill(tgid, tid, sig): only to this process (kill(0) is its own group)
    for name, others in (("kill", (own_pid, 0)), ("tgkill", (own_pid,))):
        checks = [_ins(_JEQ, v, len(others) - i, 0) for i, v in enumerate(others)]
        out += [_ins(_JEQ, numbers[name], 0, len(checks) + 3), _ins(_LD_W_ABS, _OFF_ARG0)]
        out += checks + [_ins(_RET, _EPERM), _ins(_RET, _ALLOW)]
    # signals the kernel sends on a file's behalf go to its owner: only this process may own one
    for name, commands in (("fcntl", _FCNTL_OWNER), ("ioctl", _IOCTL_OWNER)):
        n = len(commands)
        out += [_ins(_JEQ, numbers[name], 0, n + 3), _ins(_LD_W_ABS, _OFF_ARG1)]
        out += [_ins(_JEQ, v, n - i, 0) for i, v in enumerate(commands)]
        out += [_ins(_RET, _ALLOW), _ins(_RET, _EPERM)]
    out.append(_ins(_RET, _ALLOW))
    return b"".join(out)


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_DUMPABLE = 4
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2


def _prctl(option: int, arg2: int, arg3: int = 0) -> None:
    """prctl(2) with its unused arguments zero; OSError if the kernel refuses."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p] + [ctypes.c_ulong] * 2
    if libc.prctl(option, arg2, arg3, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), f"prctl({option}) failed")


def set_dumpable(flag: bool) -> None:
    """PR_SET_DUMPABLE: a process that is not dumpable cannot have its /proc/<pid>/mem opened
    by another unprivileged process (the zygote, against its workers)."""
    _prctl(_PR_SET_DUMPABLE, int(flag))


def install(own_pid: int) -> None:
    """Apply the filter to the calling process (irreversible); OSError if the kernel refuses."""
    code = program(own_pid)
    buffer = ctypes.create_string_buffer(code, len(code))
    prog = _SockFprog(len(code) // 8, ctypes.addressof(buffer))
    _prctl(_PR_SET_NO_NEW_PRIVS, 1)
    _prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.addressof(prog))
