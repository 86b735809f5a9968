"""The cache file: a header (magic, version, number of segments), then per segment the length
and crc32 of its list part and of its detail part, then every list part, then every detail part.
A slim load reads the header, the table and the list parts: one contiguous read.

A missing, foreign, truncated or corrupt file reads as empty; writes are atomic (temporary file
and `os.replace`), and a failed write only costs the next load its speed.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import struct
import tempfile
import zlib
from pathlib import Path

from reader.cache.records import RawDetail, RawEntry, Segment

__all__ = ["CACHE_VERSION", "read_cache", "write_cache"]

#: Bump on any change to the model or to the record layout (reader.cache.records): old caches
#: are then simply not read.
CACHE_VERSION = 3
_MAGIC = b"RDRPARSE"
_HEADER = struct.Struct("<8sII")  # magic, version, number of segments
_SEGMENT = struct.Struct("<QIQI")  # list part: length, crc32; detail part: length, crc32


def read_cache(
    path: Path, *, details: bool
) -> tuple[dict[str, RawEntry], dict[str, RawDetail | None] | None]:
    """Entries of a cache file (and the detail records when asked for); empty when missing,
    foreign or corrupt. Entries that can never be hits (size -1) are left out."""
    empty: tuple[dict[str, RawEntry], None] = ({}, None)
    try:
        with open(path, "rb") as handle:
            magic, version, count = _HEADER.unpack(handle.read(_HEADER.size))
            if magic != _MAGIC or version != CACHE_VERSION or count > 1 << 20:
                return empty
            table_bytes = handle.read(_SEGMENT.size * count)
            if len(table_bytes) != _SEGMENT.size * count:
                return empty
            table = list(_SEGMENT.iter_unpack(table_bytes))
            list_length = sum(row[0] for row in table)
            list_area = handle.read(list_length)
            detail_length = sum(row[2] for row in table)
            detail_area = handle.read(detail_length) if details else None
        if len(list_area) != list_length:
            return empty
        if detail_area is not None and len(detail_area) != detail_length:
            return empty
        entries: dict[str, RawEntry] = {}
        detail_map: dict[str, RawDetail | None] | None = {} if detail_area is not None else None
        list_view = memoryview(list_area)
        detail_view = memoryview(detail_area) if detail_area is not None else None
        list_at = detail_at = 0
        for length, crc, length_detail, crc_detail in table:
            part = list_view[list_at : list_at + length]
            list_at += length
            if zlib.crc32(part) != crc:
                return empty
            relatives, segment_entries = marshal.loads(part)
            if len(relatives) != len(segment_entries):
                return empty
            usable = [size >= 0 for size, _mtime, _record, _problems in segment_entries]
            if all(usable):
                entries.update(zip(relatives, segment_entries, strict=True))
            else:
                entries.update(
                    (relative, entry)
                    for relative, entry, ok in zip(relatives, segment_entries, usable, strict=True)
                    if ok
                )
            if detail_view is not None and detail_map is not None:
                part = detail_view[detail_at : detail_at + length_detail]
                detail_at += length_detail
                if zlib.crc32(part) != crc_detail:
                    return empty
                segment_details = marshal.loads(part)
                if len(segment_details) != len(relatives):
                    return empty
                detail_map.update(zip(relatives, segment_details, strict=True))
        return entries, detail_map
    except Exception:
        return empty


def write_cache(path: Path, segments: list[Segment]) -> None:
    """Write atomically; failures (read-only folder, full disk) are ignored."""
    header = _HEADER.pack(_MAGIC, CACHE_VERSION, len(segments))
    table = b"".join(
        _SEGMENT.pack(len(lst), zlib.crc32(lst), len(det), zlib.crc32(det)) for lst, det in segments
    )
    tmp_name = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(header)
            handle.write(table)
            for list_part, _ in segments:
                handle.write(list_part)
            for _, detail_part in segments:
                handle.write(detail_part)
        os.replace(tmp_name, path)
        tmp_name = None
    except OSError:  # unwritable folder, full disk
        pass
    finally:
        if tmp_name is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)
