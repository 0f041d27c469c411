"""Where a topic's partitions live: one broker given by URL (direct mode), or ZooKeeper (docs/cluster.md)."""

import threading
from typing import Dict, List, Optional, Tuple

from .connection import Connection

Partition = Tuple[int, int]
"""(broker id, partition index); MetaQ writes it "<brokerId>-<index>"."""


class DirectRouter:
    """One broker, no ZooKeeper (MetaQ's direct mode, docs/client.md). Without a partition count for a topic,
    producers send to partition -1 and the broker picks one."""

    def __init__(self, server_url: str, partitions: Optional[Dict[str, int]] = None) -> None:
        self._connection = Connection(server_url)
        self._counts = dict(partitions or {})

    def partitions(self, topic: str) -> List[Partition]:
        count = self._counts.get(topic)
        return [(-1, -1)] if count is None else [(0, index) for index in range(count)]

    def connection(self, broker_id: int) -> Connection:
        return self._connection

    def close(self) -> None:
        self._connection.close()


class ZookeeperRouter:
    """Cluster mode: brokers and partitions from MetaQ's znodes, read with kazoo (Debian's
    python3-kazoo): `<root>/brokers/ids/<id>/master` holds a broker's `meta://` URL and
    `<root>/brokers/topics/<topic>/<id>-m` its partition count for the topic."""

    def __init__(self, zk_connect: str, root: str = "/meta", timeout: float = 10.0) -> None:
        try:
            from kazoo.client import KazooClient
        except ImportError as error:
            raise ImportError("cluster mode needs kazoo: apt-get install python3-kazoo (or pip install kazoo)") from error
        self.root = root.rstrip("/")
        self.zk = KazooClient(hosts=zk_connect, timeout=timeout)
        self.zk.start(timeout=timeout)
        self._lock = threading.Lock()
        self._connections: Dict[int, Connection] = {}

    def partitions(self, topic: str) -> List[Partition]:
        path = "%s/brokers/topics/%s" % (self.root, topic)
        found: List[Partition] = []
        if not self.zk.exists(path):
            return found
        for child in self.zk.get_children(path):
            if not child.endswith("-m"):
                continue
            broker_id = int(child[:-2])
            data, _ = self.zk.get("%s/%s" % (path, child))
            found.extend((broker_id, index) for index in range(int(data.decode() or 0)))
        return sorted(found)

    def connection(self, broker_id: int) -> Connection:
        with self._lock:
            url = self._master(broker_id)
            known = self._connections.get(broker_id)
            if known is None or known.url != url:
                if known is not None:
                    known.close()
                known = self._connections[broker_id] = Connection(url)
            return known

    def _master(self, broker_id: int) -> str:
        path = "%s/brokers/ids/%d/master" % (self.root, broker_id)
        if not self.zk.exists(path):
            raise LookupError("broker %d is not registered in ZooKeeper (%s)" % (broker_id, path))
        data, _ = self.zk.get(path)
        return data.decode()

    def close(self) -> None:
        with self._lock:
            for connection in self._connections.values():
                connection.close()
        self.zk.stop()
        self.zk.close()
