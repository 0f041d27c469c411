import type { Socket } from 'node:net';
import { resultFrame } from '../protocol/encoder.js';
import { ReplyBytes } from '../protocol/reply-bytes.js';
import { Status } from '../protocol/status.js';
import type { Outcome } from './handlers/outcome.js';

/**
 * The one place outcomes become wire bytes on the broker port (docs/protocol.md, replies).
 * Text replies are encoded into one buffer and the socket is corked until the end of the
 * event-loop turn, so the replies produced in one turn leave in one writev: the acks of every
 * fsync that finished in it (group commit over many partitions), not one write per fsync. A
 * get's message set is written after them, uncopied.
 */
export class ConnectionReplies {
  private corked = false;
  /** Text replies gathered since the last write, already as bytes. */
  private readonly text = new ReplyBytes();

  constructor(
    private readonly socket: Socket,
    /** Told after the turn's replies went to the socket: how much is still unsent is known only then. */
    private readonly uncorked: () => void = () => undefined,
  ) {}

  /** Write `outcome` as the reply with `opaque`; false when the socket is gone (a message set's buffer is released). */
  write(opaque: number, outcome: Outcome): boolean {
    if (this.socket.destroyed) {
      if (outcome.kind === 'messages') outcome.release?.();
      return false;
    }
    this.cork();
    switch (outcome.kind) {
      case 'stored':
        this.text.stored(opaque, outcome.id, outcome.partition, outcome.offset, outcome.count);
        break;
      case 'ok':
        this.text.frame(resultFrame(Status.success, opaque, outcome.text));
        break;
      case 'refused':
      case 'writeFailed':
        this.text.frame(resultFrame(outcome.status, opaque, outcome.text));
        break;
      case 'messages':
        this.text.frame(`value ${outcome.bytes.length} ${opaque}\r\n`);
        this.flush(); // keep the order of replies
        this.socket.write(outcome.bytes, outcome.release);
        break;
    }
    return true;
  }

  /** A reply to no request (a malformed frame, whose opaque is not known); false when the socket is gone. */
  writeResult(status: number, opaque: number, text: string): boolean {
    if (this.socket.destroyed) return false;
    this.cork();
    this.text.frame(resultFrame(status, opaque, text));
    return true;
  }

  /** Text replies of this turn so far, written as one buffer (before the socket ends, too). */
  flush(): void {
    const bytes = this.text.take();
    if (bytes !== undefined) this.socket.write(bytes);
  }

  private cork(): void {
    if (this.corked) return;
    this.corked = true;
    this.socket.cork();
    setImmediate(this.uncork);
  }

  private readonly uncork = (): void => {
    this.corked = false;
    if (!this.socket.writableEnded) this.flush(); // ended meanwhile: whoever ended it flushed first
    this.socket.uncork();
    this.uncorked();
  };
}
