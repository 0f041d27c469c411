import type { GetCommand, OffsetCommand, PutCommand } from '../protocol/commands.js';
import type { BrokerContext } from './broker-context.js';
import { nameRefusal } from './command-names.js';
import { runHandler } from './handlers/handler-table.js';
import type { Outcome } from './handlers/outcome.js';
import type { RequestContext } from './handlers/request-context.js';
import { countOutcome } from './stats/request-stats.js';

export type LocalRequest = PutCommand | GetCommand | OffsetCommand;

/**
 * Run a put, get or offset through the handlers a broker-port connection uses, past the same name
 * check, and hand back its outcome, so another transport (the HTTP front end, docs/operations.md)
 * answers exactly what the wire answers without decoding wire bytes. Its login is the caller's.
 */
export function runLocally(ctx: BrokerContext, command: LocalRequest, client: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const request: RequestContext = {
      broker: ctx,
      client,
      owner: {}, // a fresh owner: no transactions over HTTP
      answer: (answered, outcome) => {
        countOutcome(ctx, answered, outcome);
        resolve(outcome);
      },
      run: (next) => runHandler(next, request),
      waiting: () => undefined,
      waited: () => undefined,
    };
    const refusal = nameRefusal(command);
    if (refusal !== undefined) request.answer(command, refusal);
    else runHandler(command, request);
  });
}
