"""Sending messages (docs/client.md, Producer): round robin over a topic's partitions, pipelined on one connection per broker."""

import itertools
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Optional, Tuple, Union

from .wire import encode_payload, put_frame


class SendFailed(Exception):
    """The broker refused the message (its code and text say why); nothing was stored."""

    def __init__(self, code: int, text: str) -> None:
        super().__init__("broker answered %d: %s" % (code, text))
        self.code = code
        self.text = text


@dataclass
class SendResult:
    id: int
    partition: Tuple[int, int]
    offset: int


class Producer:
    """`send` waits for the broker's ack; `send_async` returns a future, so many sends can be in
    flight. `legacy_put` sends MetaQ's 6-token put without a checksum, as its Python 2 client did."""

    def __init__(self, router, timeout: float = 3.0, legacy_put: bool = False) -> None:
        self._router = router
        self._timeout = timeout
        self._legacy = legacy_put
        self._counter = itertools.count(1)

    def send(self, topic: str, data: Union[bytes, str], attribute: Optional[str] = None, partition: Optional[Tuple[int, int]] = None) -> SendResult:
        return self.send_async(topic, data, attribute, partition).result(self._timeout)

    def send_async(self, topic: str, data: Union[bytes, str], attribute: Optional[str] = None, partition: Optional[Tuple[int, int]] = None) -> "Future[SendResult]":
        if not topic or " " in topic:
            raise ValueError("topic must be a non-empty name without spaces, got %r" % topic)
        body = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        payload, flag = encode_payload(body, attribute)
        if partition is None:
            partitions = self._router.partitions(topic)
            if not partitions:
                raise LookupError("topic %s has no partitions on any broker: configure [topic=%s] on a broker" % (topic, topic))
            partition = partitions[next(self._counter) % len(partitions)]
        broker_id, index = partition
        connection = self._router.connection(broker_id)
        reply = connection.request_async(lambda opaque: put_frame(topic, index, payload, flag, opaque, self._legacy))
        result: Future = Future()

        def settle(done: Future) -> None:
            try:
                answer = done.result()
            except Exception as error:  # the connection failed: the outcome is unknown
                result.set_exception(error)
                return
            if answer.code != 200:
                result.set_exception(SendFailed(answer.code, answer.text))
                return
            msg_id, used, offset = answer.text.split(" ")
            result.set_result(SendResult(int(msg_id), (max(broker_id, 0), int(used)), int(offset)))

        reply.add_done_callback(settle)
        return result
