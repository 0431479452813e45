"""Write a VBA project (vbaProject.bin) from module source text, following MS-OVBA.

What is written, all inside an OLE compound file (``addin.xlam.cfb``):

    VBA/_VBA_PROJECT   the 7 version-independent bytes (Version 0xFFFF, no performance
                       cache), so the host compiles the source on first load
    VBA/dir            (compressed) project information, references, one record per module
    VBA/<module>       (compressed) each module's source; text offset 0 (no p-code)
    PROJECT            the project's text properties (ID, modules, CMG/DPB/GC encrypted as
                       "unprotected, no password, visible")
    PROJECTwm          module names in MBCS and UTF-16

The source of every module is stored exactly as given (CRLF line ends, ``Attribute`` lines
first); ``compress``/``decompress`` implement the MS-OVBA 2.4.1 algorithm.
"""

from __future__ import annotations

import hashlib
import struct
import uuid
from dataclasses import dataclass
from typing import Iterable, Literal

from addin.xlam.cfb import write_cfb

ModuleKind = Literal["standard", "document", "class"]

CHUNK = 4096
LCID_EN_US = 0x0409  # MS-OVBA: PROJECTLCID and PROJECTLCIDINVOKE MUST be 0x409
SYSKIND_WIN32 = 0x00000001

# References every Excel project carries (the Office library provides IRibbonControl).
STDOLE = (
    "stdole",
    "*\\G{00020430-0000-0000-C000-000000000046}#2.0#0#C:\\Windows\\System32\\stdole2.tlb#OLE Automation",
)
OFFICE = (
    "Office",
    "*\\G{2DF8D04C-5BFA-101B-BDE5-00AA0044DE52}#2.0#0#"
    "C:\\Program Files\\Common Files\\Microsoft Shared\\OFFICE16\\MSO.DLL#Microsoft Office 16.0 Object Library",
)

WORKBOOK_BASE = "0{00020819-0000-0000-C000-000000000046}"
WORKSHEET_BASE = "0{00020820-0000-0000-C000-000000000046}"


class OVBAError(ValueError):
    """A module or project that cannot be written."""


@dataclass(frozen=True)
class Module:
    """One VBA module: its name, kind and full source text (CRLF, Attribute lines first)."""

    name: str
    kind: ModuleKind
    source: str


def document_header(name: str, base: str) -> str:
    """The Attribute block Excel keeps at the top of a document module's source."""
    return "\r\n".join(
        [
            f'Attribute VB_Name = "{name}"',
            f'Attribute VB_Base = "{base}"',
            "Attribute VB_GlobalNameSpace = False",
            "Attribute VB_Creatable = False",
            "Attribute VB_PredeclaredId = True",
            "Attribute VB_Exposed = True",
            "Attribute VB_TemplateDerived = False",
            "Attribute VB_Customizable = True",
            "",
        ]
    )


# -- MS-OVBA 2.4.1 compression ----------------------------------------------------------


def compress(data: bytes) -> bytes:
    """A CompressedContainer holding ``data``."""
    out = bytearray(b"\x01")
    for start in range(0, len(data), CHUNK):
        out += _compress_chunk(data[start : start + CHUNK])
    return bytes(out)


def _copy_token_help(position: int) -> tuple[int, int]:
    """(bit count of the offset, maximum length) at ``position`` bytes into a chunk."""
    bit_count = max((position - 1).bit_length(), 4)
    return bit_count, (0xFFFF >> bit_count) + 3


def _compress_chunk(chunk: bytes) -> bytes:
    body = bytearray()
    heads: dict[bytes, list[int]] = {}
    position = 0
    size = len(chunk)

    def remember(at: int) -> None:
        if at + 3 <= size:
            heads.setdefault(chunk[at : at + 3], []).append(at)

    while position < size:
        flag_at = len(body)
        body.append(0)
        flags = 0
        for bit in range(8):
            if position >= size:
                break
            offset, length = _longest_match(chunk, position, heads)
            if length >= 3:
                bit_count, _ = _copy_token_help(position)
                token = ((offset - 1) << (16 - bit_count)) | (length - 3)
                body += struct.pack("<H", token)
                flags |= 1 << bit
                for at in range(position, position + length):
                    remember(at)
                position += length
            else:
                body.append(chunk[position])
                remember(position)
                position += 1
        body[flag_at] = flags

    if len(body) + 2 <= CHUNK + 2:
        return struct.pack("<H", (len(body) + 2 - 3) | (0b011 << 12) | 0x8000) + bytes(body)
    if size == CHUNK:  # incompressible: a raw chunk
        return struct.pack("<H", 0x0FFF | (0b011 << 12)) + chunk
    raise OVBAError("a short final chunk that does not compress cannot be stored")


def _longest_match(chunk: bytes, position: int, heads: dict[bytes, list[int]]) -> tuple[int, int]:
    if position == 0 or position + 3 > len(chunk):
        return 0, 0
    candidates = heads.get(chunk[position : position + 3])
    if not candidates:
        return 0, 0
    _, max_length = _copy_token_help(position)
    limit = min(max_length, len(chunk) - position)
    best_offset, best_length = 0, 0
    for candidate in reversed(candidates[-512:]):  # nearest first; bounded for speed
        length = 3
        while length < limit and chunk[candidate + length] == chunk[position + length]:
            length += 1
        if length > best_length:
            best_offset, best_length = position - candidate, length
            if length == limit:
                break
    return best_offset, best_length


def decompress(container: bytes) -> bytes:
    """The data of a CompressedContainer (MS-OVBA 2.4.1.3.1)."""
    if not container or container[0] != 0x01:
        raise OVBAError("not a compressed container (signature byte is not 0x01)")
    out = bytearray()
    i = 1
    while i < len(container):
        (header,) = struct.unpack_from("<H", container, i)
        chunk_size = (header & 0x0FFF) + 3
        if (header >> 12) & 0b111 != 0b011:
            raise OVBAError(f"bad chunk signature at byte {i}")
        end = min(i + chunk_size, len(container))
        i += 2
        chunk_start = len(out)
        if not header & 0x8000:
            out += container[i : i + CHUNK]
            i += CHUNK
            continue
        while i < end:
            flags = container[i]
            i += 1
            for bit in range(8):
                if i >= end:
                    break
                if flags & (1 << bit):
                    (token,) = struct.unpack_from("<H", container, i)
                    i += 2
                    bit_count, _ = _copy_token_help(len(out) - chunk_start)
                    length = (token & (0xFFFF >> bit_count)) + 3
                    offset = (token >> (16 - bit_count)) + 1
                    for _ in range(length):
                        out.append(out[-offset])
                else:
                    out.append(container[i])
                    i += 1
    return bytes(out)


# -- MS-OVBA 2.4.3 data encryption (CMG, DPB, GC in the PROJECT stream) -----------------


def encrypt(data: bytes, project_id: str, seed: int) -> str:
    """Hex text of the encrypted ``data`` (MS-OVBA 2.4.3.2); ``seed`` is 0–255."""
    version = 2
    project_key = sum(project_id.encode("ascii")) & 0xFF
    out = bytearray([seed, seed ^ version, seed ^ project_key])
    unencrypted_1, encrypted_1, encrypted_2 = project_key, seed ^ project_key, seed ^ version
    ignored = bytes([0] * ((seed & 6) // 2))
    for byte in ignored + struct.pack("<I", len(data)) + data:
        encrypted = byte ^ ((encrypted_2 + unencrypted_1) & 0xFF)
        out.append(encrypted)
        encrypted_2, encrypted_1, unencrypted_1 = encrypted_1, encrypted, byte
    return out.hex().upper()


def decrypt(text: str) -> bytes:
    """The data behind an encrypted hex text (MS-OVBA 2.4.3.3)."""
    raw = bytes.fromhex(text)
    seed, version_enc, project_key_enc = raw[0], raw[1], raw[2]
    if seed ^ version_enc != 2:
        raise OVBAError("encrypted data has the wrong version")
    unencrypted_1 = seed ^ project_key_enc
    encrypted_1, encrypted_2 = project_key_enc, version_enc
    plain = bytearray()
    for encrypted in raw[3:]:
        byte = encrypted ^ ((encrypted_2 + unencrypted_1) & 0xFF)
        plain.append(byte)
        encrypted_2, encrypted_1, unencrypted_1 = encrypted_1, encrypted, byte
    ignored = (seed & 6) // 2
    (length,) = struct.unpack_from("<I", plain, ignored)
    return bytes(plain[ignored + 4 : ignored + 4 + length])


# -- the project ---------------------------------------------------------------------------


def project_id(name: str) -> str:
    """A stable project GUID derived from the project name (same input, same bytes)."""
    return "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"zhuize:vba-project:{name}")).upper() + "}"


def _record(record_id: int, payload: bytes) -> bytes:
    return struct.pack("<HI", record_id, len(payload)) + payload


def _text_record(record_id: int, text: str, codepage: str) -> bytes:
    return _record(record_id, text.encode(codepage))


def _unicode_pair(record_id: int, reserved: int, text: str, codepage: str) -> bytes:
    """A record whose MBCS string is followed by a reserved id and the UTF-16 form."""
    return _text_record(record_id, text, codepage) + _record(reserved, text.encode("utf-16-le"))


def dir_stream(name: str, modules: Iterable[Module], codepage: int,
               references: Iterable[tuple[str, str]] = (STDOLE, OFFICE)) -> bytes:
    """The uncompressed ``dir`` stream (MS-OVBA 2.3.4.2)."""
    modules = list(modules)
    codec = f"cp{codepage}"
    out = bytearray()
    # PROJECTINFORMATION
    out += _record(0x0001, struct.pack("<I", SYSKIND_WIN32))
    out += _record(0x0002, struct.pack("<I", LCID_EN_US))
    out += _record(0x0014, struct.pack("<I", LCID_EN_US))
    out += _record(0x0003, struct.pack("<H", codepage))
    out += _text_record(0x0004, name, codec)
    out += _unicode_pair(0x0005, 0x0040, "", codec)  # doc string
    out += _text_record(0x0006, "", codec) + _text_record(0x003D, "", codec)  # help file 1 and 2
    out += _record(0x0007, struct.pack("<I", 0))  # help context
    out += _record(0x0008, struct.pack("<I", 0))  # lib flags
    out += struct.pack("<HIIH", 0x0009, 4, 1, 0)  # version: Reserved=4, major, minor
    out += _unicode_pair(0x000C, 0x003C, "", codec)  # constants
    # PROJECTREFERENCES
    for ref_name, libid in references:
        out += _unicode_pair(0x0016, 0x003E, ref_name, codec)
        encoded = libid.encode(codec)
        out += _record(0x000D, struct.pack("<I", len(encoded)) + encoded + struct.pack("<IH", 0, 0))
    # PROJECTMODULES
    out += _record(0x000F, struct.pack("<H", len(modules)))
    out += _record(0x0013, struct.pack("<H", 0xFFFF))  # project cookie
    for module in modules:
        out += _text_record(0x0019, module.name, codec)
        out += _record(0x0047, module.name.encode("utf-16-le"))
        out += _unicode_pair(0x001A, 0x0032, module.name, codec)  # stream name
        out += _unicode_pair(0x001C, 0x0048, "", codec)  # doc string
        out += _record(0x0031, struct.pack("<I", 0))  # text offset: no performance cache
        out += _record(0x001E, struct.pack("<I", 0))  # help context
        out += _record(0x002C, struct.pack("<H", 0xFFFF))  # cookie
        out += _record(0x0021 if module.kind == "standard" else 0x0022, b"")
        out += _record(0x002B, b"")  # module terminator
    out += _record(0x0010, b"")  # dir terminator
    return bytes(out)


def project_stream(name: str, modules: Iterable[Module], codepage: int) -> bytes:
    """The ``PROJECT`` stream (MS-OVBA 2.3.1)."""
    pid = project_id(name)
    seed = hashlib.sha256(pid.encode("ascii")).digest()[0]
    lines = [f'ID="{pid}"']
    for module in modules:
        if module.kind == "document":
            lines.append(f"Document={module.name}/&H00000000")
        elif module.kind == "class":
            lines.append(f"Class={module.name}")
        else:
            lines.append(f"Module={module.name}")
    lines += [
        f'Name="{name}"',
        'HelpContextID="0"',
        'VersionCompatible32="393222000"',
        f'CMG="{encrypt(struct.pack("<I", 0), pid, seed)}"',  # not protected
        f'DPB="{encrypt(bytes([0]), pid, (seed + 1) & 0xFF)}"',  # no password
        f'GC="{encrypt(bytes([0xFF]), pid, (seed + 2) & 0xFF)}"',  # visible
        "",
        "[Host Extender Info]",
        "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000",
        "",
        "[Workspace]",
    ]
    lines += [f"{module.name}=0, 0, 0, 0, C" for module in modules]
    return ("\r\n".join(lines) + "\r\n").encode(f"cp{codepage}")


def projectwm_stream(modules: Iterable[Module], codepage: int) -> bytes:
    out = bytearray()
    for module in modules:
        out += module.name.encode(f"cp{codepage}") + b"\0" + module.name.encode("utf-16-le") + b"\0\0"
    return bytes(out + b"\0\0")


VBA_PROJECT_STREAM = bytes([0xCC, 0x61, 0xFF, 0xFF, 0x00, 0x01, 0x00])


def vba_project_bin(name: str, modules: list[Module], codepage: int = 936) -> bytes:
    """The complete vbaProject.bin for ``modules`` (sources must be ASCII-safe for ``codepage``)."""
    _check(name, modules, codepage)
    vba: dict[str, bytes] = {"_VBA_PROJECT": VBA_PROJECT_STREAM, "dir": compress(dir_stream(name, modules, codepage))}
    for module in modules:
        vba[module.name] = compress(module.source.encode(f"cp{codepage}"))
    return write_cfb(
        {
            "VBA": vba,
            "PROJECT": project_stream(name, modules, codepage),
            "PROJECTwm": projectwm_stream(modules, codepage),
        }
    )


def _check(name: str, modules: list[Module], codepage: int) -> None:
    names = [name] + [m.name for m in modules]
    folded = [n.upper() for n in names]
    if len(set(folded)) != len(folded):
        raise OVBAError(f"project and module names must be unique (case-insensitive): {names}")
    for module in modules:
        if not module.name.isascii() or not module.name.replace("_", "a").isalnum() or not module.name[0].isalpha():
            raise OVBAError(f"module name {module.name!r} is not a VBA identifier")
        first = module.source.split("\r\n", 1)[0]
        if first != f'Attribute VB_Name = "{module.name}"':
            raise OVBAError(f"module {module.name} must start with its Attribute VB_Name line, found {first!r}")
        if "\n" in module.source.replace("\r\n", ""):
            raise OVBAError(f"module {module.name}: line ends must be CRLF")
        try:
            module.source.encode(f"cp{codepage}")
        except UnicodeEncodeError as exc:
            raise OVBAError(f"module {module.name}: text not encodable in code page {codepage}: {exc}") from None
