import { Socket } from 'node:net';

/**
 * Node builds each accepted socket itself, without the `onread` option a client socket can
 * take, so every read of a busy connection lands in a fresh buffer of up to 64 KiB. That
 * external memory is what set off most of the broker's full garbage collections under load
 * (issue 9: 91 mark-compacts in a run of 1 GB of 1 KiB sets, 61 once reads went into one
 * buffer, the rest being the bodies copied out of it).
 *
 * The broker listens with `pauseOnConnect`, so an accepted socket has not read anything yet;
 * its handle then moves to a socket built with `onread`, reading into `buffer`. One buffer
 * serves every connection of the broker: Node delivers one read at a time on its one thread,
 * and the connection's decoder copies out what it keeps before the callback returns.
 *
 * This relies on `socket._handle`, undocumented but the same since Node's first releases (its
 * own `net.Server`, `child_process` handle passing and many libraries use it). Where it is
 * missing the accepted socket is returned unchanged, resumed, and the caller reads its 'data'
 * events as before.
 */
export function readIntoSharedBuffer(accepted: Socket, buffer: Buffer, onData: (chunk: Buffer) => void): { socket: Socket; pushed: boolean } {
  const internals = accepted as unknown as { _handle?: object | null };
  const handle = internals._handle;
  if (handle === undefined || handle === null) {
    accepted.resume();
    return { socket: accepted, pushed: false };
  }
  // Detached first: destroying the emptied socket then only settles the server's count of it.
  internals._handle = null;
  accepted.destroy();
  const socket = new Socket({
    handle,
    readable: true,
    writable: true,
    onread: {
      buffer,
      callback: (length: number, into: Uint8Array) => {
        onData((into as Buffer).subarray(0, length));
      },
    },
  } as ConstructorParameters<typeof Socket>[0]);
  return { socket, pushed: true };
}
