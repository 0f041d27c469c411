import type { GetCommand, OffsetCommand, PutCommand, ResultCommand, ValueCommand } from '../protocol/commands.js';
import { CommandDecoder } from '../protocol/decoder.js';
import { storedFrame } from '../protocol/encoder.js';
import { Status } from '../protocol/status.js';
import type { BrokerContext } from './broker-context.js';
import { commandNameProblem } from './command-names.js';
import { handleGet } from './handlers/get-handler.js';
import { handleOffset } from './handlers/offset-handler.js';
import { handlePut } from './handlers/put-handler.js';

export type LocalRequest = PutCommand | GetCommand | OffsetCommand;
export type LocalReply = ResultCommand | ValueCommand;

/**
 * Run a put, get or offset through the handlers a TCP connection uses and decode the reply, so
 * another transport (the HTTP front end, §7.2) answers exactly what the wire answers.
 */
export function runLocally(ctx: BrokerContext, command: LocalRequest, client: string): Promise<LocalReply> {
  const nameProblem = commandNameProblem(command);
  if (nameProblem !== undefined) {
    ctx.counters.invalidNames += 1;
    return Promise.resolve({ kind: 'result', code: Status.badRequest, body: Buffer.from(nameProblem), opaque: command.opaque });
  }
  return new Promise((resolve, reject) => {
    const sink = {
      send(frame: Buffer | string, body?: Buffer): void {
        // A get's message set comes as a separate body after its `value` line: pass it on uncopied.
        if (body !== undefined) return resolve({ kind: 'value', opaque: command.opaque, body });
        const [reply] = new CommandDecoder().push(typeof frame === 'string' ? Buffer.from(frame) : frame);
        if (reply?.kind === 'result') resolve(reply);
        else reject(new Error(`the ${command.kind} handler answered something that is not a reply`));
      },
      stored(opaque: number, id: bigint, partition: number, offset: number, count?: number): void {
        this.send(storedFrame(opaque, id, partition, offset, count));
      },
    };
    if (command.kind === 'put') handlePut(command, ctx, sink, {}, client); // a fresh owner: no transactions over HTTP
    else if (command.kind === 'get') handleGet(command, ctx, sink, client);
    else handleOffset(command, ctx, sink);
  });
}
