/** One broker under test, as its Node.js client sees it: publish with acknowledgement, consume from the start. */
export interface PeerClient {
  /**
   * Resolves once the server acknowledged the message as stored: the client's own promise,
   * unwrapped, so the harness adds the same (least) work to every peer.
   */
  publish(data: Buffer): Promise<unknown>;
  /** Deliver every message of the destination from its start to `onMessage`; resolves after `count`. */
  consume(count: number, onMessage: (data: Buffer) => void): Promise<void>;
  close(): Promise<void>;
}

/** Where a peer's server listens, and the destination (topic, stream, queue, key) of one run. */
export interface PeerTarget {
  port: number;
  destination: string;
}
