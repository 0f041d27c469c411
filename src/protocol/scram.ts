import { createHash, createHmac, pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import saslprep from '@mongodb-js/saslprep';

/**
 * SCRAM-SHA-256 (RFC 5802, RFC 7677), the mechanism of metaq's `auth` extension: the password
 * never travels and the broker stores only keys derived from it, so a stolen users file does not
 * give the passwords away. No npm package does the server side, so the few hash steps are here;
 * names follow the RFC.
 */
export const SCRAM_MECHANISM = 'SCRAM-SHA-256';
/** RFC 7677's minimum, Kafka's default. */
export const SCRAM_DEFAULT_ITERATIONS = 4096;
/** The gs2 header of a client that binds no channel. */
const GS2_HEADER = 'n,,';

/** What the broker keeps for a user (RFC 5802, section 3): enough to check a proof, not to make one. */
export interface ScramCredentials {
  salt: Buffer;
  iterations: number;
  storedKey: Buffer;
  serverKey: Buffer;
}

const derive = promisify(pbkdf2);
const hmac = (key: Buffer, text: string): Buffer => createHmac('sha256', key).update(text).digest();
const sha256 = (data: Buffer): Buffer => createHash('sha256').update(data).digest();
const xor = (a: Buffer, b: Buffer): Buffer => Buffer.from(a.map((byte, i) => byte ^ b[i]!));

async function saltedPassword(password: string, salt: Buffer, iterations: number): Promise<Buffer> {
  return derive(saslprep(password), salt, iterations, 32, 'sha256');
}

/** Derive the stored credentials of a password (a fresh salt unless one is given). */
export async function scramCredentials(password: string, iterations = SCRAM_DEFAULT_ITERATIONS, salt: Buffer = randomBytes(16)): Promise<ScramCredentials> {
  const salted = await saltedPassword(password, salt, iterations);
  return { salt, iterations, storedKey: sha256(hmac(salted, 'Client Key')), serverKey: hmac(salted, 'Server Key') };
}

/** Does `password` match the credentials? (For HTTP Basic on the front end; costs one PBKDF2.) */
export async function passwordMatches(password: string, credentials: ScramCredentials): Promise<boolean> {
  const derived = await scramCredentials(password, credentials.iterations, credentials.salt);
  return timingSafeEqual(derived.storedKey, credentials.storedKey);
}

/** `a=1,b=2` into its attributes; a value may hold `=`. */
function attributes(message: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of message.split(',')) {
    const at = part.indexOf('=');
    if (at === 1) out.set(part[0]!, part.slice(2));
  }
  return out;
}

const encodeName = (name: string): string => name.replace(/=/g, '=3D').replace(/,/g, '=2C');
const decodeName = (name: string): string => name.replace(/=2C/g, ',').replace(/=3D/g, '=');

/** Why an exchange failed; the broker answers every such failure with one text, so nothing tells a wrong user from a wrong password. */
export class ScramError extends Error {}

/** A client's user name as RFC 5802 compares it; one SASLprep forbids is bad input, not a fault. */
function preparedName(name: string): string {
  try {
    return saslprep(decodeName(name));
  } catch (error) {
    throw new ScramError(`the user name is not allowed by SASLprep (RFC 4013): ${(error as Error).message}`);
  }
}

/**
 * The broker's side of one exchange: `first` takes the client-first message and answers the
 * server-first one; `final` takes the client-final message, checks the proof and answers the
 * server-final one (the client checks it to know it talked to a broker holding its keys).
 */
export class ScramServerExchange {
  private state: { user: string; clientFirstBare: string; serverFirst: string; nonce: string; credentials: ScramCredentials; known: boolean } | undefined;
  private done = false;
  /** The authenticated user, once `final` succeeded. */
  user: string | undefined;

  /**
   * @param lookup the stored credentials of a user, or undefined: an unknown user goes through
   *   the exchange with made-up credentials and fails at the proof, as a wrong password does.
   * @param decoy credentials for unknown users (stable per name, so a probe learns nothing).
   */
  constructor(
    private readonly lookup: (user: string) => ScramCredentials | undefined,
    private readonly decoy: (user: string) => ScramCredentials,
  ) {}

  /** The user name the client-first message claimed (not yet proven). */
  get claimedUser(): string | undefined {
    return this.state?.user;
  }

  /** @param serverNonce the broker's part of the nonce (random; given only by tests of the RFC's example). */
  first(clientFirst: string, serverNonce = randomBytes(18).toString('base64')): string {
    if (this.state !== undefined || this.done) throw new ScramError('the exchange already started');
    if (!clientFirst.startsWith(GS2_HEADER)) throw new ScramError(`client-first message must start with "${GS2_HEADER}" (no channel binding)`);
    const clientFirstBare = clientFirst.slice(GS2_HEADER.length);
    const fields = attributes(clientFirstBare);
    const name = fields.get('n');
    const clientNonce = fields.get('r');
    if (name === undefined || name === '' || clientNonce === undefined || clientNonce === '')
      throw new ScramError('client-first message needs n=<user> and r=<nonce>');
    const user = preparedName(name);
    const stored = this.lookup(user);
    const credentials = stored ?? this.decoy(user);
    const nonce = clientNonce + serverNonce;
    const serverFirst = `r=${nonce},s=${credentials.salt.toString('base64')},i=${credentials.iterations}`;
    this.state = { user, clientFirstBare, serverFirst, nonce, credentials, known: stored !== undefined };
    return serverFirst;
  }

  final(clientFinal: string): string {
    const state = this.state;
    if (state === undefined || this.done) throw new ScramError('client-final message before client-first');
    this.done = true;
    const proofAt = clientFinal.lastIndexOf(',p=');
    if (proofAt < 0) throw new ScramError('client-final message needs p=<proof>');
    const withoutProof = clientFinal.slice(0, proofAt);
    const fields = attributes(withoutProof);
    if (fields.get('c') !== Buffer.from(GS2_HEADER).toString('base64')) throw new ScramError('channel binding must be c=biws (none)');
    if (fields.get('r') !== state.nonce) throw new ScramError('the nonce does not match this exchange');
    const proof = Buffer.from(clientFinal.slice(proofAt + 3), 'base64');
    const authMessage = `${state.clientFirstBare},${state.serverFirst},${withoutProof}`;
    const clientSignature = hmac(state.credentials.storedKey, authMessage);
    if (proof.length !== clientSignature.length) throw new ScramError('authentication failed');
    const storedKey = sha256(xor(proof, clientSignature));
    if (!timingSafeEqual(storedKey, state.credentials.storedKey) || !state.known) throw new ScramError('authentication failed');
    this.user = state.user;
    return `v=${hmac(state.credentials.serverKey, authMessage).toString('base64')}`;
  }
}

/** The client's side: `first()`, then `final(serverFirst)`, then `verify(serverFinal)`. */
export class ScramClientExchange {
  private expectedServerSignature: Buffer | undefined;

  /** @param clientNonce random; given only by tests of the RFC's example. */
  constructor(
    private readonly user: string,
    private readonly password: string,
    private readonly clientNonce = randomBytes(18).toString('base64'),
  ) {}

  private get clientFirstBare(): string {
    return `n=${encodeName(saslprep(this.user))},r=${this.clientNonce}`;
  }

  first(): string {
    return GS2_HEADER + this.clientFirstBare;
  }

  async final(serverFirst: string): Promise<string> {
    const fields = attributes(serverFirst);
    const nonce = fields.get('r');
    const salt = fields.get('s');
    const iterations = Number(fields.get('i'));
    if (nonce === undefined || !nonce.startsWith(this.clientNonce) || salt === undefined || !Number.isInteger(iterations) || iterations < 1) {
      throw new ScramError(`the broker's server-first message is not valid SCRAM: ${serverFirst}`);
    }
    const salted = await saltedPassword(this.password, Buffer.from(salt, 'base64'), iterations);
    const clientKey = hmac(salted, 'Client Key');
    const withoutProof = `c=${Buffer.from(GS2_HEADER).toString('base64')},r=${nonce}`;
    const authMessage = `${this.clientFirstBare},${serverFirst},${withoutProof}`;
    const proof = xor(clientKey, hmac(sha256(clientKey), authMessage));
    this.expectedServerSignature = hmac(hmac(salted, 'Server Key'), authMessage);
    return `${withoutProof},p=${proof.toString('base64')}`;
  }

  /** Did the broker prove it holds this user's keys? */
  verify(serverFinal: string): boolean {
    const signature = attributes(serverFinal).get('v');
    if (signature === undefined || this.expectedServerSignature === undefined) return false;
    const received = Buffer.from(signature, 'base64');
    return received.length === this.expectedServerSignature.length && timingSafeEqual(received, this.expectedServerSignature);
  }
}
