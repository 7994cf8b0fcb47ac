"""Two tiny static Linux programs, written byte by byte, for x86-64 and arm64.

A FROM-scratch image needs a static executable. Compilers embed paths, build ids and
versions; these few hand-assembled instructions give the same bytes on every machine, so the
image digests never drift. Each program only calls nanosleep(2) and exit(2).
"""

from __future__ import annotations

import struct

_LOAD_ADDRESS = 0x400000
_HEADERS_SIZE = 64 + 56  # one ELF header + one program header

# ELF e_machine values, and the page alignment each architecture's kernels accept
# (arm64 kernels may use 64 KiB pages).
_MACHINES = {"amd64": (0x3E, 0x1000), "arm64": (0xB7, 0x10000)}

# Linux syscall numbers: x86-64 arch/x86/entry/syscalls/syscall_64.tbl,
# arm64 include/uapi/asm-generic/unistd.h.
_NANOSLEEP = {"amd64": 35, "arm64": 101}
_EXIT = {"amd64": 60, "arm64": 93}

ARCHITECTURES = tuple(_MACHINES)


def _timespec(seconds: int) -> bytes:
    return struct.pack("<qq", seconds, 0)


def _elf(code: bytes, architecture: str) -> bytes:
    """Wrap code in a minimal ELF64 executable with one read+execute PT_LOAD segment."""
    machine, alignment = _MACHINES[architecture]
    total = _HEADERS_SIZE + len(code)
    entry = _LOAD_ADDRESS + _HEADERS_SIZE
    ident = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)  # 64-bit, little-endian, SysV
    header = ident + struct.pack(
        "<HHIQQQIHHHHHH",
        2,  # e_type: ET_EXEC
        machine,
        1,  # e_version
        entry,
        64,  # e_phoff: program header right after this header
        0,  # e_shoff: no sections
        0,  # e_flags
        64,  # e_ehsize
        56,  # e_phentsize
        1,  # e_phnum
        0,
        0,
        0,  # no section headers
    )
    program_header = struct.pack(
        "<IIQQQQQQ",
        1,  # p_type: PT_LOAD
        5,  # p_flags: read + execute
        0,  # p_offset: map the whole file
        _LOAD_ADDRESS,
        _LOAD_ADDRESS,
        total,
        total,
        alignment,
    )
    return header + program_header + code


def _arm64(*words: int) -> bytes:
    return b"".join(struct.pack("<I", word) for word in words)


def _arm64_movz(register: int, value: int) -> int:
    return 0xD2800000 | value << 5 | register  # MOVZ Xd, #value


def _arm64_adr(register: int, offset: int) -> int:
    return 0x10000000 | (offset & 3) << 29 | (offset >> 2) << 5 | register  # ADR Xd, .+offset


_ARM64_SVC = 0xD4000001  # SVC #0


def _arm64_nanosleep(timespec_at: int) -> tuple[int, ...]:
    """Instructions 0-12: nanosleep(&ts, NULL), with ts at byte `timespec_at`."""
    return (
        _arm64_adr(0, timespec_at),  # 0: x0 = &ts
        _arm64_movz(1, 0),  # 4: x1 = NULL
        _arm64_movz(8, _NANOSLEEP["arm64"]),  # 8
        _ARM64_SVC,  # 12
    )


def sleep_forever(seconds: int = 3600, architecture: str = "amd64") -> bytes:
    """loop: nanosleep(&ts, NULL); goto loop."""
    if architecture == "arm64":
        code = _arm64(*_arm64_nanosleep(timespec_at=20), 0x17FFFFFC)  # 16: B 0 (back 4)
        return _elf(code + _timespec(seconds), architecture)
    code = (
        b"\xb8\x23\x00\x00\x00"  # 0: mov eax, 35 (nanosleep)
        b"\x48\x8d\x3d\x06\x00\x00\x00"  # 5: lea rdi, [rip+6] -> ts at 18
        b"\x31\xf6"  # 12: xor esi, esi
        b"\x0f\x05"  # 14: syscall
        b"\xeb\xee"  # 16: jmp 0
    )
    return _elf(code + _timespec(seconds), architecture)


def crash_after(seconds: int, architecture: str = "amd64") -> bytes:
    """nanosleep(&ts, NULL); exit(1): a container that crashes on a steady beat."""
    if architecture == "arm64":
        code = _arm64(
            *_arm64_nanosleep(timespec_at=28),
            _arm64_movz(0, 1),  # 16: exit status 1
            _arm64_movz(8, _EXIT["arm64"]),  # 20
            _ARM64_SVC,  # 24
        )
        return _elf(code + _timespec(seconds), architecture)
    code = (
        b"\xb8\x23\x00\x00\x00"  # 0: mov eax, 35 (nanosleep)
        b"\x48\x8d\x3d\x10\x00\x00\x00"  # 5: lea rdi, [rip+16] -> ts at 28
        b"\x31\xf6"  # 12: xor esi, esi
        b"\x0f\x05"  # 14: syscall
        b"\xb8\x3c\x00\x00\x00"  # 16: mov eax, 60 (exit)
        b"\xbf\x01\x00\x00\x00"  # 21: mov edi, 1
        b"\x0f\x05"  # 26: syscall
    )
    return _elf(code + _timespec(seconds), architecture)
