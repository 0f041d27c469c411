"""Reading partitions (docs/client.md, Consumer): fetch with `get`, follow 301 to the offset the broker names, grow the
fetch size for a message bigger than it, verify every record's checksum."""

import time
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

from .offsets import MemoryOffsets
from .wire import Message, decode_message_set, get_frame

NEWEST = 9223372036854775807
"""Asking for Long.MAX_VALUE makes the broker answer 301 with the end of the log (docs/protocol.md, get)."""


class FetchFailed(Exception):
    def __init__(self, code: int, text: str) -> None:
        super().__init__("get answered %d: %s" % (code, text))
        self.code = code


class Consumer:
    """Reads the given partitions of one topic (all of them by default) for `group`, from the
    stored offsets or `start` ("earliest" or "newest"). At-least-once: `commit()` saves positions
    (also every `commit_every` polls); after a restart reading resumes there.

    There is no group rebalancing: each Python consumer reads the partitions it is given, as
    MetaQ's direct-mode consumers did."""

    def __init__(self, router, group: str, topic: str, partitions: Optional[Sequence[Tuple[int, int]]] = None, offsets=None, start: str = "earliest", max_size: int = 1024 * 1024, timeout: float = 10.0, commit_every: int = 10) -> None:
        if start not in ("earliest", "newest"):
            raise ValueError("start must be 'earliest' or 'newest', got %r" % start)
        self._router = router
        self.group = group
        self.topic = topic
        self._offsets_store = offsets if offsets is not None else MemoryOffsets()
        self._timeout = timeout
        self._commit_every = commit_every
        self._polls = 0
        listed = list(partitions) if partitions is not None else router.partitions(topic)
        self._partitions = [(0, 0) if p == (-1, -1) else p for p in listed]
        self._max_size: Dict[Tuple[int, int], int] = {p: max_size for p in self._partitions}
        self._positions: Dict[Tuple[int, int], Tuple[int, int]] = {}
        self._dirty: set = set()
        for partition in self._partitions:
            stored = self._offsets_store.load(topic, "%d-%d" % partition)
            self._positions[partition] = (stored if stored is not None else (0 if start == "earliest" else NEWEST), -1)

    def poll(self) -> List[Message]:
        """One get per partition; the messages that arrived, in order per partition."""
        messages: List[Message] = []
        for partition in self._partitions:
            messages.extend(self._fetch(partition))
        self._polls += 1
        if self._polls % self._commit_every == 0:
            self.commit()
        return messages

    def __iter__(self) -> Iterator[Message]:
        """Messages forever, backing off up to a second while caught up."""
        idle = 0.0
        while True:
            batch = self.poll()
            if batch:
                idle = 0.0
                yield from batch
            else:
                idle = min(1.0, idle * 2 or 0.05)
                time.sleep(idle)

    def positions(self) -> Dict[str, int]:
        return {"%d-%d" % p: offset for p, (offset, _) in self._positions.items()}

    def commit(self) -> None:
        changed = {(self.topic, "%d-%d" % p): self._positions[p] for p in self._dirty if self._positions[p][0] != NEWEST}
        if changed:
            self._offsets_store.save(changed)
        self._dirty.clear()

    def close(self) -> None:
        self.commit()

    def _fetch(self, partition: Tuple[int, int]) -> List[Message]:
        broker_id, index = partition
        offset, _ = self._positions[partition]
        size = self._max_size[partition]
        reply = self._router.connection(broker_id).request(lambda opaque: get_frame(self.topic, self.group, index, offset, size, opaque), self._timeout)
        if reply.kind == "value":
            # A record failing its checksum raises CorruptMessage: it is never delivered.
            messages, consumed = decode_message_set(self.topic, index, offset, reply.body)
            if consumed == 0:
                # One message is bigger than the fetch size: ask for more next time (docs/protocol.md, Records and message sets).
                self._max_size[partition] = size * 2
                return []
            self._positions[partition] = (offset + consumed, messages[-1].id)
            self._dirty.add(partition)
            return messages
        if reply.code == 301:
            self._positions[partition] = (int(reply.text), -1)
            self._dirty.add(partition)
            return []
        if reply.code == 404:
            return []
        raise FetchFailed(reply.code, reply.text)
