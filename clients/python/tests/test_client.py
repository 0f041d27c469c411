"""The Python client against a live broker: METAQ_URL (direct mode) and, when set, METAQ_ZK
(cluster mode, with METAQ_TOPIC configured on a ZooKeeper-registered broker). Run by
test/integrations/python-client.test.ts from `npm test`. The broker may flush on MetaQ's normal
policy (a server.ini with unflushThreshold > 0): consumers see a message only once it is flushed,
so reads wait for what they expect, up to VISIBLE_WITHIN seconds."""

import os
import socket
import sys
import tempfile
import time
import unittest
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from metaq import BrokerUnavailable, Client, FileOffsets, SendFailed, checksum  # noqa: E402
from metaq.wire import ReplyDecoder, decode_message_set  # noqa: E402

URL = os.environ.get("METAQ_URL", "meta://127.0.0.1:8123")
ZK = os.environ.get("METAQ_ZK")


# MetaQ's unflushInterval is 10 s at most in its sample server.ini: a sent message is visible by then.
VISIBLE_WITHIN = float(os.environ.get("METAQ_VISIBLE_WITHIN", "15"))


def fresh(name: str) -> str:
    return "%s-%s" % (name, uuid.uuid4().hex[:8])


def poll_for(consumer, count: int):
    """Poll until `count` messages arrived (or VISIBLE_WITHIN passed): what was sent may not be flushed yet."""
    received = []
    deadline = time.monotonic() + VISIBLE_WITHIN
    while len(received) < count and time.monotonic() < deadline:
        batch = consumer.poll()
        received.extend(batch)
        if not batch:
            time.sleep(0.05)
    return received


class WireTest(unittest.TestCase):
    def test_checksum_vectors(self):
        self.assertEqual(checksum(b"hello"), 907060870)
        self.assertEqual(checksum(b"123456789"), 1274296614)
        self.assertEqual(checksum(b"\x00\x00\x00\x04attrhello"), 1264772380)

    def test_replies_split_anywhere(self):
        stream = b"result 200 5 -7\r\nhellovalue 0 -6\r\n"
        for cut in range(len(stream)):
            decoder = ReplyDecoder()
            replies = decoder.feed(stream[:cut]) + decoder.feed(stream[cut:])
            self.assertEqual([(r.kind, r.code, r.opaque, r.body) for r in replies], [("result", 200, -7, b"hello"), ("value", 200, -6, b"")])

    def test_partial_record_left_for_the_next_fetch(self):
        self.assertEqual(decode_message_set("t", 0, 0, b"\x00" * 19), ([], 0))


class DirectModeTest(unittest.TestCase):
    def setUp(self):
        self.client = Client(server_url=URL)

    def tearDown(self):
        self.client.close()

    def test_send_then_consume_in_order_with_attributes(self):
        topic = fresh("py")
        producer = self.client.producer()
        sent = [producer.send(topic, "message %d" % i, attribute="n=%d" % i if i % 2 else None) for i in range(50)]
        self.assertEqual([s.offset for s in sent], sorted(s.offset for s in sent))
        consumer = self.client.consumer("py-group", topic)
        received = poll_for(consumer, 50)
        self.assertEqual([m.data.decode() for m in received], ["message %d" % i for i in range(50)])
        self.assertEqual([m.attribute for m in received][:4], [None, "n=1", None, "n=3"])
        self.assertEqual([m.id for m in received], [s.id for s in sent])
        self.assertEqual(consumer.poll(), [], "caught up")

    def test_pipelined_sends(self):
        topic = fresh("pipe")
        futures = [self.client.producer().send_async(topic, b"x" * 100) for _ in range(2000)]
        offsets = [f.result(10).offset for f in futures]
        self.assertEqual(len(set(offsets)), 2000)

    def test_legacy_six_token_put_is_accepted(self):
        topic = fresh("legacy")
        result = self.client.producer(legacy_put=True).send(topic, "from the Python 2 wire shape")
        consumer = self.client.consumer("legacy", topic)
        self.assertEqual([m.data for m in poll_for(consumer, 1)], [b"from the Python 2 wire shape"])
        self.assertGreater(result.id, 0)

    def test_offsets_in_a_file_resume_after_a_restart(self):
        topic = fresh("resume")
        producer = self.client.producer()
        for i in range(10):
            producer.send(topic, "m%d" % i)
        path = os.path.join(tempfile.mkdtemp(), "offsets.json")
        first = self.client.consumer("resume", topic, offsets=FileOffsets(path))
        got = poll_for(first, 10)
        first.close()
        self.assertEqual(len(got), 10)
        producer.send(topic, "after")
        again = self.client.consumer("resume", topic, offsets=FileOffsets(path))
        self.assertEqual([m.data for m in poll_for(again, 1)], [b"after"])

    def test_newest_skips_what_is_there(self):
        topic = fresh("newest")
        self.client.producer().send(topic, "old")
        # "newest" is the visible end: start there once "old" is visible, so that it is skipped.
        self.assertEqual(len(poll_for(self.client.consumer("probe", topic), 1)), 1)
        consumer = self.client.consumer("newest", topic, start="newest")
        self.assertEqual(consumer.poll(), [])
        self.client.producer().send(topic, "new")
        self.assertEqual([m.data for m in poll_for(consumer, 1)], [b"new"])

    def test_a_message_bigger_than_the_fetch_size_grows_it(self):
        topic = fresh("big")
        self.client.producer().send(topic, b"y" * 5000)
        consumer = self.client.consumer("big", topic, max_size=1024)
        received = poll_for(consumer, 1)
        self.assertEqual([len(m.data) for m in received], [5000])

    def test_refusals_say_why(self):
        with self.assertRaises(SendFailed) as refused:
            self.client.producer().send(fresh("p"), "x", partition=(0, 999))
        self.assertEqual(refused.exception.code, 500)
        self.assertIn("wrong partition 999", str(refused.exception))
        with self.assertRaises(ValueError):
            self.client.producer().send("bad topic", "x")

    def test_unreachable_broker(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        with Client(server_url="meta://127.0.0.1:%d" % port) as nowhere:
            with self.assertRaises(BrokerUnavailable):
                nowhere.producer().send("t", "x")


@unittest.skipUnless(ZK, "METAQ_ZK not set")
class ClusterModeTest(unittest.TestCase):
    def test_partitions_from_zookeeper_and_offsets_there(self):
        topic = os.environ["METAQ_TOPIC"]
        with Client(zk_connect=ZK) as client:
            partitions = client.router.partitions(topic)
            self.assertGreaterEqual(len(partitions), 2)
            producer = client.producer()
            sent = [producer.send(topic, "cluster %d" % i) for i in range(20)]
            self.assertEqual({s.partition for s in sent}, set(partitions), "round robin over every partition")
            consumer = client.consumer("py-cluster", topic)
            received = poll_for(consumer, 20)
            consumer.close()
            self.assertEqual(sorted(m.data.decode() for m in received), sorted("cluster %d" % i for i in range(20)))
            data, _ = client.router.zk.get("/meta/consumers/py-cluster/offsets/%s/%d-%d" % (topic, *partitions[0]))
            self.assertRegex(data.decode(), r"^-?\d+-\d+$", "MetaQ's msgId-offset node")


if __name__ == "__main__":
    unittest.main()
