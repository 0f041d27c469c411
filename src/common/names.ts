/**
 * The one rule for names that come from outside: topics and consumer groups. A topic name
 * becomes a directory name (`<topic>-<partition>`), a ZooKeeper node and an ACL subject, so it
 * is checked here before any of those; Kafka's rule keeps it a safe file name on every system
 * (no '/', NUL, spaces or non-ASCII; not '.' or '..') with room for `-<partition>` in 255 bytes.
 */

/** As a JSON-schema `pattern` and a RegExp: 1-249 of A-Z a-z 0-9 . _ -, and not "." or "..". */
export const TOPIC_NAME_PATTERN = '^(?!\\.\\.?$)[A-Za-z0-9._-]{1,249}$';
const TOPIC_NAME = new RegExp(TOPIC_NAME_PATTERN);

export const TOPIC_NAME_RULE = 'a topic name is 1 to 249 characters from A-Z, a-z, 0-9, ".", "_" and "-", and is not "." or ".."';

/** Groups never reach a path on the broker, but they do reach ZooKeeper paths and maps: the same characters. */
export const GROUP_NAME_PATTERN = '^[A-Za-z0-9._-]{1,249}$';
const GROUP_NAME = new RegExp(GROUP_NAME_PATTERN);

export const GROUP_NAME_RULE = 'a group name is 1 to 249 characters from A-Z, a-z, 0-9, ".", "_" and "-"';

/** How a refused name is shown: quoted and escaped (NUL, control bytes), cut at 80 characters. */
function shown(name: unknown): string {
  if (typeof name !== 'string') return String(name);
  return JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}…` : name);
}

export function isTopicName(name: unknown): name is string {
  return typeof name === 'string' && TOPIC_NAME.test(name);
}

/** Undefined for a valid topic name, else the refusal: what was wrong and what is allowed. */
export function topicNameProblem(name: unknown): string | undefined {
  return isTopicName(name) ? undefined : `invalid topic name ${shown(name)}: ${TOPIC_NAME_RULE}`;
}

export function groupNameProblem(name: unknown): string | undefined {
  return typeof name === 'string' && GROUP_NAME.test(name) ? undefined : `invalid group name ${shown(name)}: ${GROUP_NAME_RULE}`;
}

/**
 * A topic section of server.ini may name a pattern (`[topic=log-*]`): the topic rule with `*`
 * standing for any run of allowed characters.
 */
export function topicPatternProblem(pattern: string): string | undefined {
  const asName = pattern.replaceAll('*', 'x');
  return pattern !== '' && isTopicName(asName)
    ? undefined
    : `invalid topic section name ${shown(pattern)}: ${TOPIC_NAME_RULE}, where "*" stands for any run of them`;
}

/** A saved CLI profile's name: a JSON key and a word typed on the command line, so the group characters. */
export const PROFILE_NAME_RULE = 'a profile name is 1 to 64 characters from A-Z, a-z, 0-9, ".", "_" and "-", starting with a letter or digit';
const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function profileNameProblem(name: unknown): string | undefined {
  return typeof name === 'string' && PROFILE_NAME.test(name) ? undefined : `invalid profile name ${shown(name)}: ${PROFILE_NAME_RULE}`;
}
