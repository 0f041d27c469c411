import type { Command } from '../../protocol/commands.js';
import type { BrokerContext } from '../broker-context.js';
import type { TransactionOwner } from '../transactions/transaction.js';
import type { Outcome } from './outcome.js';

/**
 * What a handler is given besides its command: the broker's services and the transport the
 * request came on (a broker-port connection, or the HTTP front end), which takes the outcome.
 * One object per connection, not per request: the hot path allocates nothing for it.
 */
export interface RequestContext {
  readonly broker: BrokerContext;
  /** Who asked: `address:port` on the broker port, `http:<ip>` on the front end (consumer positions, traces). */
  readonly client: string;
  /** The connection it came on: it owns its local transactions and a master's replication stream. */
  readonly owner: TransactionOwner;
  /** The command's outcome, exactly once per command (a waiting get answers as the get it became). */
  answer(command: Command, outcome: Outcome): void;
  /** Run another command on the same transport, past the checks it already passed (a waiting get's get, once its wait ends). */
  run(command: HandledCommand): void;
  /**
   * A long poll starts waiting: `cancel` drops it if the connection closes first; `answerNow`
   * ends the wait and answers at once (the broker is stopping and drains its connections).
   */
  waiting(cancel: () => void, answerNow: () => void): void;
  /** A long poll stopped waiting (it is about to answer). */
  waited(cancel: () => void): void;
}

/** The commands the handler table answers; a connection itself takes `quit`, `auth` and replies sent to it. */
export type HandledCommand = Exclude<Command, { kind: 'quit' | 'result' | 'value' | 'auth' }>;

/** Every handler has this shape: it answers through `request.answer`, now or later. */
export type Handler<C extends Command> = (command: C, request: RequestContext) => void;
