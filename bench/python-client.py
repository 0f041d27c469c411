"""Python client throughput against a broker: sync sends, pipelined sends, and a consumer reading them.
Usage: python3 bench/python-client.py meta://host:port COUNT PARTITIONS  (prints one JSON object)."""

import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "clients", "python"))
from metaq import Client  # noqa: E402

url, count, partitions = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
payload = b"x" * 100
with Client(server_url=url, partitions={"py-bench": partitions}) as client:
    producer = client.producer()
    started = time.perf_counter()
    for _ in range(count // 10):
        producer.send("py-bench-sync", payload)
    sync = (count // 10) / (time.perf_counter() - started)
    started = time.perf_counter()
    window = []
    for _ in range(count):
        window.append(producer.send_async("py-bench", payload))
        if len(window) >= 1000:
            for future in window:
                future.result(30)
            window = []
    for future in window:
        future.result(30)
    pipelined = count / (time.perf_counter() - started)
    consumer = client.consumer("py-bench", "py-bench")
    started = time.perf_counter()
    received = 0
    while received < count:
        received += len(consumer.poll())
    consumed = count / (time.perf_counter() - started)
print(json.dumps({"count": count, "syncPerSec": sync, "pipelinedPerSec": pipelined, "consumePerSec": consumed}))
