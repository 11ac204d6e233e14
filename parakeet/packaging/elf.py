"""The shared libraries an ELF file asks the dynamic loader for (its ``DT_NEEDED`` entries).

Pruning uses it to never remove a library that a kept extension module links against. Only
what Lambda runs is supported: 64-bit little-endian ELF (x86_64 and aarch64).
"""

from __future__ import annotations

import re
import struct
from pathlib import Path

_MAGIC = b"\x7fELF"
_SHT_DYNAMIC = 6
_DT_NULL = 0
_DT_NEEDED = 1


def is_elf(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(4) == _MAGIC


def needed_libraries(path: Path) -> frozenset[str]:
    """``DT_NEEDED`` names of a 64-bit little-endian ELF; empty for anything else."""
    data = path.read_bytes()
    if len(data) < 64 or data[:4] != _MAGIC or data[4] != 2 or data[5] != 1:
        return frozenset()
    (section_offset,) = struct.unpack_from("<Q", data, 0x28)
    entry_size, count = struct.unpack_from("<HH", data, 0x3A)
    sections = []
    for index in range(count):
        start = section_offset + index * entry_size
        if start + 64 > len(data):
            return frozenset()
        (kind,) = struct.unpack_from("<I", data, start + 4)
        offset, size = struct.unpack_from("<QQ", data, start + 0x18)
        (link,) = struct.unpack_from("<I", data, start + 0x28)
        sections.append((kind, offset, size, link))
    names: set[str] = set()
    for kind, offset, size, link in sections:
        if kind != _SHT_DYNAMIC or link >= len(sections):
            continue
        strings_offset = sections[link][1]
        for entry in range(offset, offset + size, 16):
            tag, value = struct.unpack_from("<qQ", data, entry)
            if tag == _DT_NULL:
                break
            if tag == _DT_NEEDED:
                start = strings_offset + value
                names.add(data[start : data.index(b"\0", start)].decode())
    return frozenset(names)


_MACHINES = {62: "x86_64", 183: "aarch64"}
_GLIBC_VERSION = re.compile(rb"GLIBC_(\d+)\.(\d+)(?:\.\d+)?\0")


def elf_machine(path: Path) -> str | None:
    """The architecture an ELF file is built for (``x86_64``/``aarch64``; ``e_machine``
    spelled as in wheel tags), ``"other"`` for any other ELF, ``None`` for a non-ELF file."""
    with path.open("rb") as handle:
        header = handle.read(20)
    if len(header) < 20 or header[:4] != _MAGIC:
        return None
    (machine,) = struct.unpack_from("<H", header, 0x12)
    return _MACHINES.get(machine, "other")


def glibc_versions(path: Path) -> frozenset[tuple[int, int]]:
    """The ``GLIBC_x.y`` symbol versions an ELF file names (what it needs from the C library)."""
    if not is_elf(path):
        return frozenset()
    return frozenset(
        (int(major), int(minor)) for major, minor in _GLIBC_VERSION.findall(path.read_bytes())
    )
