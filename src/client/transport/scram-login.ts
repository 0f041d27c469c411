import type { AuthCommand } from '../../protocol/commands.js';
import { SCRAM_MECHANISM, ScramClientExchange } from '../../protocol/scram.js';
import { brokerStatus } from '../../protocol/broker-error.js';
import { decodeAuthReply } from '../../protocol/commands/auth.js';
import { MetaqError } from '../../common/errors.js';
import type { Reply } from './broker-connection.js';

/** A user's name and password for brokers with `[auth] enabled=true`. */
export interface Credentials {
  username: string;
  password: string;
}

/** The broker refused the login, or is not one that asks for it. */
export class AuthenticationError extends MetaqError {
  constructor(message: string) {
    super('AUTHENTICATION', message);
  }
}

/**
 * The client's side of the `auth` extension, one per connection attempt: `first` is the
 * opening command, `next` reads each reply and gives the following command, or undefined once
 * the broker accepted the proof and proved it holds the user's keys.
 */
export class ScramLogin {
  private readonly exchange: ScramClientExchange;
  private step: 'first' | 'final' | 'done' = 'first';

  constructor(
    private readonly credentials: Credentials,
    private readonly brokerUrl: string,
  ) {
    this.exchange = new ScramClientExchange(credentials.username, credentials.password);
  }

  first(opaque: number): AuthCommand {
    return this.command(this.exchange.first(), opaque);
  }

  async next(reply: Reply, opaque: number): Promise<AuthCommand | undefined> {
    let text: string;
    try {
      text = decodeAuthReply(reply);
    } catch (error) {
      const status = brokerStatus(error) || 'a value';
      throw new AuthenticationError(`${this.brokerUrl} refused the login of ${this.credentials.username} (${status}): ${reply.body.toString('utf8')}`);
    }
    if (this.step === 'first') {
      this.step = 'final';
      return this.command(await this.exchange.final(text), opaque);
    }
    if (this.step === 'final' && this.exchange.verify(text)) {
      this.step = 'done';
      return undefined;
    }
    throw new AuthenticationError(
      `${this.brokerUrl} accepted the login of ${this.credentials.username} without proving it knows the user's keys; not trusting it`,
    );
  }

  private command(message: string, opaque: number): AuthCommand {
    return { kind: 'auth', mechanism: SCRAM_MECHANISM, opaque, body: Buffer.from(message, 'utf8') };
  }
}
