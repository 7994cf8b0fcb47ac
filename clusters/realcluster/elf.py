"""Two tiny static x86-64 Linux programs, written byte by byte.

A FROM-scratch image needs a static executable. Compilers embed paths, build ids and
versions; these few hand-assembled instructions give the same bytes on every machine, so the
image digests never drift. Each program only calls nanosleep(2) and exit(2).
"""

from __future__ import annotations

import struct

_LOAD_ADDRESS = 0x400000
_HEADERS_SIZE = 64 + 56  # one ELF header + one program header


def _timespec(seconds: int) -> bytes:
    return struct.pack("<qq", seconds, 0)


def _elf(code: bytes) -> bytes:
    """Wrap code in a minimal ELF64 executable with one read+execute PT_LOAD segment."""
    total = _HEADERS_SIZE + len(code)
    entry = _LOAD_ADDRESS + _HEADERS_SIZE
    ident = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)  # 64-bit, little-endian, SysV
    header = ident + struct.pack(
        "<HHIQQQIHHHHHH",
        2,  # e_type: ET_EXEC
        0x3E,  # e_machine: x86-64
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
        0x1000,
    )
    return header + program_header + code


def sleep_forever(seconds: int = 3600) -> bytes:
    """loop: nanosleep(&ts, NULL); goto loop."""
    code = (
        b"\xb8\x23\x00\x00\x00"  # 0: mov eax, 35 (nanosleep)
        b"\x48\x8d\x3d\x06\x00\x00\x00"  # 5: lea rdi, [rip+6] -> ts at 18
        b"\x31\xf6"  # 12: xor esi, esi
        b"\x0f\x05"  # 14: syscall
        b"\xeb\xee"  # 16: jmp 0
    )
    return _elf(code + _timespec(seconds))


def crash_after(seconds: int) -> bytes:
    """nanosleep(&ts, NULL); exit(1): a container that crashes on a steady beat."""
    code = (
        b"\xb8\x23\x00\x00\x00"  # 0: mov eax, 35 (nanosleep)
        b"\x48\x8d\x3d\x10\x00\x00\x00"  # 5: lea rdi, [rip+16] -> ts at 28
        b"\x31\xf6"  # 12: xor esi, esi
        b"\x0f\x05"  # 14: syscall
        b"\xb8\x3c\x00\x00\x00"  # 16: mov eax, 60 (exit)
        b"\xbf\x01\x00\x00\x00"  # 21: mov edi, 1
        b"\x0f\x05"  # 26: syscall
    )
    return _elf(code + _timespec(seconds))
