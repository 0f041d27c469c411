// The first two sections of BENCHMARKS.md: MetaQ put and get against one broker, and the same
// through the client library.

export interface PutResult {
  messages: number;
  failed: number;
  seconds: number;
  msgsPerSec: number;
  mbPerSec: number;
  p50us: number;
  p99us: number;
  p999us: number;
}

export interface ClientConsumeResult {
  messages: number;
  seconds: number;
  msgsPerSec: number;
  mbPerSec: number;
  clientPeakRssMb: number;
}

export interface PutRun {
  mode: string;
  size: number;
  result: PutResult & { peakRssMb: number };
}

export interface GetRun {
  read: { bytes: number; gets: number; seconds: number; mbPerSec: number };
  clientRead: ClientConsumeResult;
  peakRssMb: number;
}

export interface ClientRun {
  send: PutResult & { clientPeakRssMb: number };
  receive: ClientConsumeResult;
  receiveBatches: ClientConsumeResult;
  peakRssMb: number;
}

const count = (value: number): string => value.toLocaleString('en');
const rate = (value: number): string => Math.round(value).toLocaleString('en');
const ms = (us: number): string => (us / 1000).toFixed(2);
const gib = (bytes: number): string => (bytes / 2 ** 30).toFixed(2);

export function putGetSection(putRuns: readonly PutRun[], getRun: GetRun, backlogBytes: number): string {
  const rows = putRuns
    .map(
      ({ mode, size, result: r }) =>
        `| put ${size} B | ${mode} | ${count(r.messages)} | ${rate(r.msgsPerSec)} | ${r.mbPerSec.toFixed(1)} | ${ms(r.p50us)} | ${ms(r.p99us)} | ${ms(r.p999us)} | ${r.peakRssMb.toFixed(0)} |`,
    )
    .join('\n');
  return `## Put and get (MetaQ protocol)

One broker process, one producer process pipelining MetaQ \`put\`s (4,000 in flight, one partition, timed after an untimed fifth as a warm-up), one consumer process reading with \`get\` (1 MiB). Normal flush acks after the write and fsyncs every 1,000 messages or 10 s; group commit acks after the fsync that covers the put.

| workload | flush | messages | msgs/s | MB/s | p50 ms | p99 ms | p99.9 ms | broker peak RSS MB |
|---|---|---|---|---|---|---|---|---|
${rows}

| workload | bytes | gets | MB/s | broker peak RSS MB |
|---|---|---|---|---|
| get over a ${gib(backlogBytes)} GiB backlog (1 KiB messages) | ${count(getRun.read.bytes)} | ${count(getRun.read.gets)} | ${getRun.read.mbPerSec.toFixed(0)} | ${getRun.peakRssMb.toFixed(0)} |`;
}

export function clientSection(clientRun: ClientRun, getRun: GetRun, backlogBytes: number): string {
  const { send, receive, receiveBatches } = clientRun;
  const consumeRow = (label: string, r: ClientConsumeResult, brokerRssMb: number): string =>
    `| ${label} | ${count(r.messages)} | ${rate(r.msgsPerSec)} | ${r.mbPerSec.toFixed(1)} | | | ${r.clientPeakRssMb.toFixed(0)} | ${brokerRssMb.toFixed(0)} |`;
  return `## Client library

The TypeScript client: \`producer.send()\` with 2,000 sends in flight on one connection, and consumers reading a backlog (one partition, 1 MiB fetches, checksums verified). Normal flush.

| workload | messages | msgs/s | MB/s | p50 ms | p99 ms | client peak RSS MB | broker peak RSS MB |
|---|---|---|---|---|---|---|---|
| client send 100 B (normal flush) | ${count(send.messages)} | ${rate(send.msgsPerSec)} | ${send.mbPerSec.toFixed(1)} | ${ms(send.p50us)} | ${ms(send.p99us)} | ${send.clientPeakRssMb.toFixed(0)} | ${clientRun.peakRssMb.toFixed(0)} |
${consumeRow('client consume 100 B backlog, no-op listener', receive, clientRun.peakRssMb)}
${consumeRow("client consume 100 B backlog with `runBatches`, reading each message's data", receiveBatches, clientRun.peakRssMb)}
${consumeRow(`client consume the ${gib(backlogBytes)} GiB backlog (1 KiB messages)`, getRun.clientRead, getRun.peakRssMb)}`;
}
