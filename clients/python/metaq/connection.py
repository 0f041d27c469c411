"""One TCP connection to one broker: pipelined requests matched to replies by opaque (docs/protocol.md, Opaque)."""

import itertools
import socket
import threading
from concurrent.futures import Future
from typing import Callable, Dict, Optional
from urllib.parse import urlparse

from .wire import Reply, ReplyDecoder


class BrokerUnavailable(Exception):
    """The broker could not be reached, or the connection dropped with the request in flight."""


def parse_url(url: str) -> tuple:
    """`meta://host:port` (or `host:port`) to (host, port); port 8123 by default."""
    parsed = urlparse(url if "://" in url else "meta://" + url)
    if parsed.scheme != "meta" or not parsed.hostname:
        raise ValueError("broker address must look like meta://host:port, got %r" % url)
    return parsed.hostname, parsed.port or 8123


class Connection:
    """Requests are written at once and may be answered out of order; a reader thread settles each
    request's future by its opaque. A dropped connection fails every request in flight (their
    outcome is unknown) and the next request reconnects."""

    def __init__(self, url: str, connect_timeout: float = 5.0) -> None:
        self.url = url
        self.host, self.port = parse_url(url)
        self._connect_timeout = connect_timeout
        self._lock = threading.Lock()
        self._socket: Optional[socket.socket] = None
        self._pending: Dict[int, Future] = {}
        # Python 2's MetaQ client counted up from -2147483647 too (docs/protocol.md, Opaque).
        self._opaques = itertools.count(-2147483647)

    def request(self, frame: Callable[[int], bytes], timeout: float = 10.0) -> Reply:
        return self.request_async(frame).result(timeout)

    def request_async(self, frame: Callable[[int], bytes]) -> "Future[Reply]":
        future: Future = Future()
        with self._lock:
            opaque = next(self._opaques)
            if opaque >= 2147483637:
                self._opaques = itertools.count(-2147483647)
            sock = self._connected()
            self._pending[opaque] = future
            try:
                sock.sendall(frame(opaque))
            except OSError as error:
                self._drop(sock, error)
        return future

    def close(self) -> None:
        with self._lock:
            if self._socket is not None:
                self._drop(self._socket, BrokerUnavailable("connection closed"))

    def _connected(self) -> socket.socket:
        if self._socket is None:
            try:
                sock = socket.create_connection((self.host, self.port), timeout=self._connect_timeout)
            except OSError as error:
                raise BrokerUnavailable("cannot connect to %s: %s" % (self.url, error)) from error
            sock.settimeout(None)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._socket = sock
            threading.Thread(target=self._read, args=(sock,), name="metaq-reader-%s" % self.url, daemon=True).start()
        return self._socket

    def _read(self, sock: socket.socket) -> None:
        decoder = ReplyDecoder()
        try:
            while True:
                chunk = sock.recv(256 * 1024)
                if not chunk:
                    raise BrokerUnavailable("%s closed the connection" % self.url)
                for reply in decoder.feed(chunk):
                    with self._lock:
                        future = self._pending.pop(reply.opaque, None)
                    if future is not None:
                        future.set_result(reply)
        except (OSError, ValueError, BrokerUnavailable) as error:
            with self._lock:
                self._drop(sock, error)

    def _drop(self, sock: socket.socket, error: BaseException) -> None:
        """Called with the lock held. Only the current socket's requests fail with it."""
        current = self._socket is sock
        if current:
            self._socket = None
        try:
            sock.close()
        except OSError:
            pass
        if not current:
            return
        pending, self._pending = self._pending, {}
        for future in pending.values():
            if not future.done():
                future.set_exception(error if isinstance(error, BrokerUnavailable) else BrokerUnavailable("connection to %s lost: %s" % (self.url, error)))
