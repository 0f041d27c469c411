import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { NodeFileIO, writeFileAtomically } from '../../broker/local-files.js';
import type { FileIO } from '../../broker/local-files.js';
import { MetaqError } from '../../common/errors.js';
import { profileNameProblem } from '../../common/names.js';

// The saved connection profiles of `metaq profile` (README, "Saved profiles"): one JSON file of the
// user's, holding admin tokens, so it is written 0600 and, as ssh does with a private key, refused
// when others may read it.

/** One broker's admin API and the token its [http] section (or its start-up log) gives. */
export interface ProfileBroker {
  admin: string;
  token?: string;
}

export interface Profile {
  /** The broker over the wire, as `--server` takes it (meta://host:port). */
  server?: string;
  zk?: string;
  brokers: ProfileBroker[];
}

export interface ProfileFile {
  /** The profile used when neither --profile nor METAQ_PROFILE names one (`metaq profile use`). */
  current?: string;
  profiles: Record<string, Profile>;
}

/** `$METAQ_CONFIG`, else `$XDG_CONFIG_HOME/metaq/profiles.json`, else `~/.config/metaq/profiles.json`. */
export function profilePath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.METAQ_CONFIG !== undefined && env.METAQ_CONFIG !== '') return env.METAQ_CONFIG;
  const base = env.XDG_CONFIG_HOME !== undefined && env.XDG_CONFIG_HOME !== '' ? env.XDG_CONFIG_HOME : join(homedir(), '.config');
  return join(base, 'metaq', 'profiles.json');
}

/** A name from the command line or the environment, by the one rule (src/common/names.ts). */
export function checkProfileName(name: string): string {
  const problem = profileNameProblem(name);
  if (problem !== undefined) throw new MetaqError('USAGE', problem);
  return name;
}

/** Admin URLs compare without trailing slashes, so `http://a:8120/` finds the token saved for `http://a:8120`. */
export function adminKey(url: string): string {
  return url.replace(/\/+$/, '');
}

function holdsTokens(file: ProfileFile): boolean {
  return Object.values(file.profiles).some((profile) => profile.brokers.some((broker) => broker.token !== undefined));
}

// Not usage errors (exit 64 with a help hint): the file, not the command line, is wrong; exit 1.
function malformed(path: string, what: string): Error {
  return new Error(`${path} is not a metaq profile file: ${what}; fix or remove it (metaq profile save writes it)`);
}

function parse(path: string, text: string): ProfileFile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw malformed(path, (error as Error).message);
  }
  const file = data as Partial<ProfileFile>;
  if (typeof file !== 'object' || file === null || typeof file.profiles !== 'object' || file.profiles === null) throw malformed(path, 'no "profiles" object');
  for (const [name, profile] of Object.entries(file.profiles)) {
    if (profileNameProblem(name) !== undefined) throw malformed(path, profileNameProblem(name)!);
    const brokers = (profile as Partial<Profile>).brokers;
    if (!Array.isArray(brokers) || brokers.some((b: Partial<ProfileBroker>) => typeof b?.admin !== 'string'))
      throw malformed(path, `profile ${name} has no "brokers" list of {"admin", "token"}`);
  }
  return { ...(typeof file.current === 'string' ? { current: file.current } : {}), profiles: file.profiles };
}

/** The file, or an empty one when there is none. Refuses tokens that group or others may read. */
export async function readProfiles(path = profilePath(), io: FileIO = new NodeFileIO()): Promise<ProfileFile> {
  const bytes = await io.readFile(path);
  if (bytes === undefined) return { profiles: {} };
  const file = parse(path, bytes.toString('utf8'));
  const mode = (await io.stat(path))?.mode ?? 0o600;
  // Windows reports no group or other bits worth checking (0o666 for every writable file).
  if ((mode & 0o077) !== 0 && holdsTokens(file) && process.platform !== 'win32')
    throw new Error(`${path} holds admin tokens and is readable by others (mode ${mode.toString(8).padStart(4, '0')}); run: chmod 600 ${path}`);
  return file;
}

/** Temporary file (0600 from its first byte), fsync, rename over: a crash leaves the old file or the new one. */
export async function writeProfiles(file: ProfileFile, path = profilePath(), io: FileIO = new NodeFileIO()): Promise<void> {
  await io.mkdirp(dirname(path));
  await writeFileAtomically(io, path, Buffer.from(`${JSON.stringify(file, null, 2)}\n`), 0o600);
}

/** The profile named, or NOT_FOUND listing the saved ones. */
export function findProfile(file: ProfileFile, name: string, path: string): Profile {
  // Own keys only: "constructor" passes the name rule and is on every object's prototype.
  const profile = Object.hasOwn(file.profiles, name) ? file.profiles[name] : undefined;
  if (profile === undefined) {
    const names = Object.keys(file.profiles);
    throw new MetaqError(
      'NOT_FOUND',
      `no profile ${name} in ${path}${names.length === 0 ? ' (none saved: metaq profile save NAME ...)' : `; saved: ${names.join(', ')}`}`,
    );
  }
  return profile;
}
