"""MetaQ's text protocol (docs/protocol.md): frames, payloads, checksums and message sets.

Pure functions and small value classes: bytes in, values out. No sockets here.
"""

import struct
import zlib
from dataclasses import dataclass
from typing import List, Optional, Tuple

RECORD_HEADER = 20


def checksum(payload: bytes) -> int:
    """CRC-32 of the whole payload with the top bit cleared, as MetaQ's CheckSum (docs/protocol.md, Payloads, flags and attributes)."""
    return zlib.crc32(payload) & 0x7FFFFFFF


def encode_payload(data: bytes, attribute: Optional[str]) -> Tuple[bytes, int]:
    """The put body and its flag: with an attribute, int32 length + UTF-8 attribute + data (docs/protocol.md, Payloads, flags and attributes)."""
    if attribute is None:
        return data, 0
    attr = attribute.encode("utf-8")
    return struct.pack(">i", len(attr)) + attr + data, 1


def put_frame(topic: str, partition: int, payload: bytes, flag: int, opaque: int, legacy: bool = False) -> bytes:
    """`put` with a checksum (7 tokens), or the legacy 6-token put of MetaQ's Python 2 client."""
    if legacy:
        header = "put %s %d %d %d %d\r\n" % (topic, partition, len(payload), flag, opaque)
    else:
        header = "put %s %d %d %d %d %d\r\n" % (topic, partition, len(payload), flag, checksum(payload), opaque)
    return header.encode("utf-8") + payload


def get_frame(topic: str, group: str, partition: int, offset: int, max_size: int, opaque: int) -> bytes:
    return ("get %s %s %d %d %d %d\r\n" % (topic, group, partition, offset, max_size, opaque)).encode("utf-8")


def offset_frame(topic: str, group: str, partition: int, offset: int, opaque: int) -> bytes:
    return ("offset %s %s %d %d %d\r\n" % (topic, group, partition, offset, opaque)).encode("utf-8")


def version_frame(opaque: int) -> bytes:
    return ("version %d\r\n" % opaque).encode("utf-8")


@dataclass
class Reply:
    """`result <code> <len> <opaque>` or `value <len> <opaque>` and its body."""

    kind: str
    code: int
    opaque: int
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class ReplyDecoder:
    """Turns a stream of bytes from the broker into replies; feed it what the socket gives."""

    def __init__(self, max_body: int = 64 * 1024 * 1024) -> None:
        self._buffer = bytearray()
        self._max_body = max_body

    def feed(self, chunk: bytes) -> List[Reply]:
        self._buffer += chunk
        replies = []
        while True:
            end = self._buffer.find(b"\r\n")
            if end < 0:
                return replies
            tokens = self._buffer[:end].decode("utf-8").split(" ")
            if tokens[0] == "result" and len(tokens) >= 4:
                kind, code, length, opaque = "result", int(tokens[1]), int(tokens[2]), int(tokens[3])
            elif tokens[0] == "value" and len(tokens) >= 3:
                kind, code, length, opaque = "value", 200, int(tokens[1]), int(tokens[2])
            else:
                raise ValueError("malformed reply header from the broker: %r" % bytes(self._buffer[:end]))
            if length < 0 or length > self._max_body:
                raise ValueError("reply body of %d bytes is out of bounds" % length)
            if len(self._buffer) < end + 2 + length:
                return replies
            body = bytes(self._buffer[end + 2 : end + 2 + length])
            del self._buffer[: end + 2 + length]
            replies.append(Reply(kind, code, opaque, body))


@dataclass
class Message:
    """A message as a consumer receives it."""

    topic: str
    partition: int
    offset: int
    id: int
    flag: int
    data: bytes
    attribute: Optional[str]


class CorruptMessage(Exception):
    """A record whose checksum does not match its payload: never delivered."""


def decode_message_set(topic: str, partition: int, start: int, body: bytes) -> Tuple[List[Message], int]:
    """Complete records of a `value` body (docs/protocol.md, Records and message sets) and the bytes they take; a trailing partial record is left."""
    messages = []
    at = 0
    while len(body) - at >= RECORD_HEADER:
        length, crc, msg_id, flag = struct.unpack_from(">iiqi", body, at)
        if length < 0 or len(body) - at - RECORD_HEADER < length:
            break
        payload = body[at + RECORD_HEADER : at + RECORD_HEADER + length]
        if checksum(payload) != crc:
            raise CorruptMessage("record at offset %d of %s-%d fails its checksum" % (start + at, topic, partition))
        attribute = None
        data = payload
        if flag & 1:
            (attr_len,) = struct.unpack_from(">i", payload, 0)
            attribute = payload[4 : 4 + attr_len].decode("utf-8")
            data = payload[4 + attr_len :]
        messages.append(Message(topic, partition, start + at, msg_id, flag, data, attribute))
        at += RECORD_HEADER + length
    return messages, at
