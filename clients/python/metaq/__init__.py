"""A Python 3 client for metaq and MetaQ brokers: the standard library only (kazoo for cluster mode).

    from metaq import Client
    client = Client(server_url="meta://127.0.0.1:8123")       # or Client(zk_connect="127.0.0.1:2181")
    client.producer().send("orders", b"hello")
    for message in client.consumer("billing", "orders"):
        print(message.offset, message.data)
"""

from typing import Dict, Optional

from .connection import BrokerUnavailable, Connection
from .consumer import Consumer, FetchFailed
from .offsets import FileOffsets, MemoryOffsets, ZookeeperOffsets
from .producer import Producer, SendFailed, SendResult
from .routers import DirectRouter, ZookeeperRouter
from .wire import CorruptMessage, Message, checksum

__all__ = [
    "BrokerUnavailable", "Client", "Connection", "Consumer", "CorruptMessage", "DirectRouter", "FetchFailed", "FileOffsets",
    "MemoryOffsets", "Message", "Producer", "SendFailed", "SendResult", "ZookeeperOffsets", "ZookeeperRouter", "checksum",
]


class Client:
    """Direct mode with `server_url` (and `partitions`, a topic's partition count), or cluster mode
    with `zk_connect` (brokers and partitions from ZooKeeper, offsets there by default)."""

    def __init__(self, server_url: Optional[str] = None, zk_connect: Optional[str] = None, zk_root: str = "/meta", partitions: Optional[Dict[str, int]] = None) -> None:
        if zk_connect is not None:
            self.router = ZookeeperRouter(zk_connect, zk_root)
        elif server_url is not None:
            self.router = DirectRouter(server_url, partitions)
        else:
            raise ValueError("give server_url (meta://host:port) or zk_connect (host:port)")

    def producer(self, **options) -> Producer:
        return Producer(self.router, **options)

    def consumer(self, group: str, topic: str, **options) -> Consumer:
        if "offsets" not in options and isinstance(self.router, ZookeeperRouter):
            options["offsets"] = ZookeeperOffsets(self.router, group)
        return Consumer(self.router, group, topic, **options)

    def close(self) -> None:
        self.router.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *_exc) -> None:
        self.close()
