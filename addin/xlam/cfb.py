"""A small writer for OLE compound files (MS-CFB, version 3), enough for vbaProject.bin.

No maintained PyPI package writes compound files (``olefile`` only reads and patches), so
this module writes them: 512-byte sectors, a mini stream for streams under 4096 bytes, one
FAT (up to 109 FAT sectors, about 6.8 MB — far more than a VBA project needs), and for
every storage its children as a red-black tree ordered the way MS-CFB compares names
(shorter first, then by upper-case code units).

The output is deterministic: no timestamps, no class ids, nothing random.

    write_cfb({"VBA": {"dir": b"...", "Module1": b"..."}, "PROJECT": b"..."}) -> bytes
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Mapping, Union

Tree = Mapping[str, Union[bytes, "Tree"]]

SECTOR_SIZE = 512
MINI_SECTOR_SIZE = 64
MINI_STREAM_CUTOFF = 4096
ENTRIES_PER_SECTOR = SECTOR_SIZE // 128
IDS_PER_SECTOR = SECTOR_SIZE // 4
HEADER_DIFAT_SLOTS = 109

FREESECT = 0xFFFFFFFF
ENDOFCHAIN = 0xFFFFFFFE
FATSECT = 0xFFFFFFFD
NOSTREAM = 0xFFFFFFFF

SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")

TYPE_EMPTY, TYPE_STORAGE, TYPE_STREAM, TYPE_ROOT = 0, 1, 2, 5
RED, BLACK = 0, 1


class CFBError(ValueError):
    """A tree that cannot be written as a compound file."""


@dataclass
class _Entry:
    name: str
    kind: int
    data: bytes = b""
    children: list["_Entry"] = field(default_factory=list)
    left: int = NOSTREAM
    right: int = NOSTREAM
    child: int = NOSTREAM
    color: int = BLACK
    start: int = ENDOFCHAIN
    index: int = -1


def name_key(name: str) -> tuple[int, list[int]]:
    """MS-CFB's order of sibling names: shorter first, then upper-cased UTF-16 code units."""
    units = name.upper().encode("utf-16-le")
    codes = [int.from_bytes(units[i : i + 2], "little") for i in range(0, len(units), 2)]
    return len(codes), codes


def write_cfb(tree: Tree) -> bytes:
    """The compound file holding ``tree``: a str key maps to bytes (a stream) or to a
    mapping (a storage)."""
    root = _Entry("Root Entry", TYPE_ROOT, children=_entries(tree))
    entries = _number(root)
    for entry in entries:
        if entry.children:
            entry.child = _link_children(entry.children)

    mini_data = bytearray()
    mini_fat: list[int] = []
    big_streams: list[_Entry] = []
    for entry in entries:
        if entry.kind != TYPE_STREAM or not entry.data:
            continue
        if len(entry.data) < MINI_STREAM_CUTOFF:
            first = len(mini_data) // MINI_SECTOR_SIZE
            count = _sectors(len(entry.data), MINI_SECTOR_SIZE)
            entry.start = first
            mini_fat += [first + i + 1 for i in range(count - 1)] + [ENDOFCHAIN]
            mini_data += _pad(entry.data, MINI_SECTOR_SIZE)
        else:
            big_streams.append(entry)

    # Sector layout: big streams, the mini stream, the mini FAT, the directory, the FAT.
    chains: list[tuple[int, int]] = []  # (first sector, sector count) of each chain
    body = bytearray()

    def place(data: bytes) -> int:
        first = len(body) // SECTOR_SIZE
        count = _sectors(len(data), SECTOR_SIZE)
        if count:
            chains.append((first, count))
            body.extend(_pad(data, SECTOR_SIZE))
        return first if count else ENDOFCHAIN

    for entry in big_streams:
        entry.start = place(entry.data)
    root.start = place(bytes(mini_data))
    root.data = bytes(mini_data)  # only its size is written
    mini_fat_bytes = b"".join(struct.pack("<I", v) for v in _pad_ids(mini_fat))
    mini_fat_start = place(mini_fat_bytes)
    mini_fat_sectors = _sectors(len(mini_fat_bytes), SECTOR_SIZE)

    directory = b"".join(_directory_entry(e) for e in entries)
    empty_slots = (-len(entries)) % ENTRIES_PER_SECTOR
    directory += _directory_entry(None) * empty_slots
    directory_start = place(directory)

    used = len(body) // SECTOR_SIZE
    fat_sectors = 1
    while fat_sectors * IDS_PER_SECTOR < used + fat_sectors:
        fat_sectors += 1
    if fat_sectors > HEADER_DIFAT_SLOTS:
        raise CFBError(f"compound file too large for this writer ({used} sectors)")
    fat = [FREESECT] * (fat_sectors * IDS_PER_SECTOR)
    for first, count in chains:
        for i in range(count - 1):
            fat[first + i] = first + i + 1
        fat[first + count - 1] = ENDOFCHAIN
    fat_positions = list(range(used, used + fat_sectors))
    for position in fat_positions:
        fat[position] = FATSECT
    body += b"".join(struct.pack("<I", v) for v in fat)

    difat = fat_positions + [FREESECT] * (HEADER_DIFAT_SLOTS - fat_sectors)
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        SIGNATURE,
        b"\0" * 16,
        0x003E,  # minor version
        0x0003,  # major version 3: 512-byte sectors
        0xFFFE,  # byte order: little-endian
        9,  # sector shift: 2**9 = 512
        6,  # mini sector shift: 2**6 = 64
        b"\0" * 6,
        0,  # number of directory sectors: must be 0 in version 3
        fat_sectors,
        directory_start,
        0,  # transaction signature
        MINI_STREAM_CUTOFF,
        mini_fat_start if mini_fat_sectors else ENDOFCHAIN,
        mini_fat_sectors,
        ENDOFCHAIN,  # first DIFAT sector: none
        0,  # number of DIFAT sectors
    )
    header += b"".join(struct.pack("<I", v) for v in difat)
    assert len(header) == SECTOR_SIZE
    return header + bytes(body)


def _entries(tree: Tree) -> list[_Entry]:
    out = []
    seen: set[str] = set()
    for name, value in tree.items():
        if not name or len(name) > 31 or any(c in name for c in "/\\:!"):
            raise CFBError(f"illegal compound-file name {name!r}")
        folded = name.upper()
        if folded in seen:
            raise CFBError(f"duplicate compound-file name {name!r}")
        seen.add(folded)
        if isinstance(value, (bytes, bytearray)):
            out.append(_Entry(name, TYPE_STREAM, bytes(value)))
        else:
            out.append(_Entry(name, TYPE_STORAGE, children=_entries(value)))
    return out


def _number(root: _Entry) -> list[_Entry]:
    """Directory order: the root, then each storage's children breadth-first."""
    order = [root]
    i = 0
    while i < len(order):
        order.extend(sorted(order[i].children, key=lambda e: name_key(e.name)))
        i += 1
    for index, entry in enumerate(order):
        entry.index = index
    return order


def _link_children(children: list[_Entry]) -> int:
    """Link siblings as a balanced red-black tree; returns the root's index.

    A tree built by splitting the sorted list in the middle has every level full except
    perhaps the deepest one; colouring that level red (when it is not full) and all others
    black gives every path the same number of black nodes, with a black root.
    """
    ordered = sorted(children, key=lambda e: name_key(e.name))
    count = len(ordered)
    full_levels = (count + 1).bit_length() - 1  # levels that are certainly full
    perfect = (1 << full_levels) - 1 == count

    def build(lo: int, hi: int, depth: int) -> int:
        if lo >= hi:
            return NOSTREAM
        mid = (lo + hi) // 2
        node = ordered[mid]
        node.left = build(lo, mid, depth + 1)
        node.right = build(mid + 1, hi, depth + 1)
        node.color = RED if (not perfect and depth == full_levels) else BLACK
        return node.index

    return build(0, count, 0)


def _directory_entry(entry: _Entry | None) -> bytes:
    if entry is None:
        return struct.pack("<64sHBBIII16sIQQIQ", b"", 0, TYPE_EMPTY, RED, NOSTREAM, NOSTREAM, NOSTREAM,
                           b"\0" * 16, 0, 0, 0, 0, 0)
    encoded = entry.name.encode("utf-16-le") + b"\0\0"
    size = len(entry.data) if entry.kind in (TYPE_STREAM, TYPE_ROOT) else 0
    start = entry.start if entry.kind in (TYPE_STREAM, TYPE_ROOT) else 0
    return struct.pack(
        "<64sHBBIII16sIQQIQ",
        encoded,
        len(encoded),
        entry.kind,
        entry.color,
        entry.left,
        entry.right,
        entry.child,
        b"\0" * 16,  # class id
        0,  # state bits
        0,  # creation time
        0,  # modified time
        start,
        size,
    )


def _sectors(size: int, sector: int) -> int:
    return (size + sector - 1) // sector


def _pad(data: bytes, sector: int) -> bytes:
    return bytes(data) + b"\0" * ((-len(data)) % sector)


def _pad_ids(ids: list[int]) -> list[int]:
    return ids + [FREESECT] * ((-len(ids)) % IDS_PER_SECTOR)
