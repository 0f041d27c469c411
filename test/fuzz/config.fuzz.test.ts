import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseBrokerConfig } from '../../src/broker/config/broker-config.js';
import { authKeys, httpKeys, replicationKeys, systemKeys, tlsKeys, topicKeys, zookeeperKeys } from '../../src/broker/config/config-keys.js';
import { ConfigError } from '../../src/common/errors.js';
import { fuzzParameters } from './fuzz-budget.js';

const sections: Record<string, string[]> = {
  system: Object.keys(systemKeys),
  zookeeper: Object.keys(zookeeperKeys),
  replication: Object.keys(replicationKeys),
  http: Object.keys(httpKeys),
  tls: Object.keys(tlsKeys),
  auth: Object.keys(authKeys),
  'topic=orders': [...Object.keys(topicKeys), 'group.g1'],
  'topic=*': Object.keys(topicKeys),
};

/** Values that break parsers: limits, expressions, cron and policy texts, junk. */
const value = fc.oneof(
  fc.constantFrom(
    '',
    '0',
    '-1',
    '1',
    '2147483647',
    '2147483648',
    '9007199254740993',
    '1024*1024',
    '1024*1024*1024*4',
    '10/0',
    '(1',
    'true',
    'false',
    'yes',
    'master',
    'sync-slave',
    'async-slave',
    'delete,168',
    'archive,24,true',
    'delete,-1',
    'nope,1',
    '0 0 6,18 * * *',
    '* * *',
    '127.0.0.1:2181',
    'host:99999',
    '/tmp/x',
    'é',
    '\u0000',
  ),
  fc.string({ maxLength: 20 }),
);

const line = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...Object.values(sections).flat(), 'unknownKey', ''), value).map(([k, v]) => `${k}=${v}`) },
  { weight: 1, arbitrary: fc.constantFrom('; a comment', '# another', '=', 'no equals sign', '  numPartitions = 4  ') },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }).filter((s) => !s.includes('\n')) },
);
const section = fc.tuple(
  fc.oneof(fc.constantFrom(...Object.keys(sections), 'topic=', 'topic=a/b', 'slave', ''), fc.string({ maxLength: 10 })),
  fc.array(line, { maxLength: 8 }),
);
const iniText = fc.array(section, { maxLength: 6 }).map((all) => all.map(([[name], lines]) => `[${name}]\n${lines.join('\n')}`).join('\n'));

describe('fuzz: the server.ini parser', () => {
  it('on any text, returns a config or throws a ConfigError (file and line in its message), nothing else', () => {
    fc.assert(
      fc.property(fc.oneof({ weight: 9, arbitrary: iniText }, { weight: 1, arbitrary: fc.string({ maxLength: 200 }) }), (text) => {
        try {
          parseBrokerConfig(text, 'fuzz.ini');
        } catch (error) {
          if (!(error instanceof ConfigError) || !error.message.includes('fuzz.ini')) throw error;
        }
      }),
      fuzzParameters(),
    );
  });
});
