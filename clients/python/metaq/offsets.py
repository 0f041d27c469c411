"""Where a consumer keeps its position per partition (docs/client.md, Offset storage): memory, a JSON file, or ZooKeeper."""

import json
import os
import tempfile
from typing import Dict, Optional, Tuple

Key = Tuple[str, str]
"""(topic, "<brokerId>-<index>")."""


class MemoryOffsets:
    def __init__(self) -> None:
        self._offsets: Dict[Key, int] = {}

    def load(self, topic: str, partition: str) -> Optional[int]:
        return self._offsets.get((topic, partition))

    def save(self, positions: Dict[Key, Tuple[int, int]]) -> None:
        for key, (offset, _msg_id) in positions.items():
            self._offsets[key] = offset


class FileOffsets(MemoryOffsets):
    """One JSON file, replaced atomically (temp file, fsync, rename) at each commit."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path
        if os.path.exists(path):
            with open(path, encoding="utf-8") as file:
                for entry in json.load(file):
                    self._offsets[(entry["topic"], entry["partition"])] = int(entry["offset"])

    def save(self, positions: Dict[Key, Tuple[int, int]]) -> None:
        super().save(positions)
        entries = [{"topic": t, "partition": p, "offset": o} for (t, p), o in sorted(self._offsets.items())]
        directory = os.path.dirname(os.path.abspath(self.path))
        fd, temp = tempfile.mkstemp(dir=directory, prefix=".metaq-offsets-")
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            json.dump(entries, file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, self.path)


class ZookeeperOffsets:
    """MetaQ's offset znodes, `<root>/consumers/<group>/offsets/<topic>/<brokerId>-<index>` holding
    `<msgId>-<offset>`: shared with Java and Node consumers of the same group."""

    def __init__(self, router, group: str) -> None:
        self._zk = router.zk
        self._base = "%s/consumers/%s/offsets" % (router.root, group)

    def load(self, topic: str, partition: str) -> Optional[int]:
        path = "%s/%s/%s" % (self._base, topic, partition)
        if not self._zk.exists(path):
            return None
        data, _ = self._zk.get(path)
        text = data.decode()
        return int(text.rsplit("-", 1)[1] if "-" in text.lstrip("-") else text)

    def save(self, positions: Dict[Key, Tuple[int, int]]) -> None:
        for (topic, partition), (offset, msg_id) in positions.items():
            path = "%s/%s/%s" % (self._base, topic, partition)
            value = ("%d-%d" % (msg_id, offset)).encode()
            if self._zk.exists(path):
                self._zk.set(path, value)
            else:
                self._zk.create(path, value, makepath=True)
