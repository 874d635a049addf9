"""Turn a migration file's bytes into text the way Python itself would.

Python source may declare any encoding with a PEP 263 cookie and may start with a UTF-8 BOM; real
histories also carry CRLF line endings. Decoding with `tokenize.detect_encoding` is exactly what the
interpreter does, so a file that imports fine also analyses fine, and a file that would not import
gets a clear message instead of a traceback.
"""

from __future__ import annotations

import io
import tokenize


class SourceError(Exception):
    """The file's bytes cannot be turned into text; the message says why."""


def decode_source(data: bytes) -> str:
    """Decode `data` per PEP 263 (cookie or BOM, default UTF-8) and normalise line endings."""
    if not data.startswith(b"\xef\xbb\xbf") and b"coding" not in _first_two_lines(data):
        encoding = "utf-8"  # what detect_encoding would say, without its Python-level line scanning
    else:
        encoding = _declared_encoding(data)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise SourceError(
            f"not valid {encoding} at byte {exc.start} (declare the file's encoding with a "
            f"'# -*- coding: ... -*-' line or save it as UTF-8)"
        ) from exc
    except LookupError as exc:
        raise SourceError(f"unknown encoding {encoding!r}") from exc
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _first_two_lines(data: bytes) -> bytes:
    end = data.find(b"\n")
    if end != -1:
        second = data.find(b"\n", end + 1)
        end = len(data) if second == -1 else second
    return data if end == -1 else data[:end]


def _declared_encoding(data: bytes) -> str:
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        raise SourceError(f"unknown or invalid source encoding ({exc.msg})") from exc
    return encoding


def read_source(path: str) -> str:
    """Read and decode a file; OS errors become `SourceError` with the reason."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise SourceError(f"cannot read file ({exc.strerror or exc})") from exc
    return decode_source(data)
