/** One broker under test, as its Node.js client sees it: publish with acknowledgement, consume from the start. */
export interface PeerClient {
  /**
   * Resolves once the server acknowledged the message as stored: the client's own promise,
   * unwrapped, so the harness adds the same (least) work to every peer. The latency runs use it.
   */
  publish(data: Buffer): Promise<unknown>;
  /**
   * Publish `batch` through the client's fastest acknowledged path; resolves once the server
   * acknowledged every message of it, rejects if it refused any. The throughput runs use it.
   */
  publishBatch(batch: Buffer[]): Promise<unknown>;
  /** Deliver every message of the destination from its start to `onMessage`; resolves after `count`. */
  consume(count: number, onMessage: (data: Buffer) => void): Promise<void>;
  close(): Promise<void>;
}

/** Where a peer's server listens, and the destination (topic, stream, queue, key) of one run. */
export interface PeerTarget {
  port: number;
  destination: string;
}

/**
 * The throughput window, the same for every peer: publish calls of PUBLISH_BATCH messages with
 * at most CALLS_IN_FLIGHT calls unacknowledged, so at most 2,000 messages are awaiting their ack.
 */
export const PUBLISH_BATCH = 100;
export const CALLS_IN_FLIGHT = 20;
/** Untimed seconds of publishing before each timed produce run, for every peer alike. */
export const WARM_UP_SECONDS = 2;
