import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserBook } from '../src/broker/auth/user-book.js';
import { NodeFileIO } from '../src/storage/io/node-file-io.js';
import { startBrokerProcess } from '../test/support/broker-process.js';
import { runChild } from './child.js';

const fixtures = fileURLToPath(new URL('../../test/fixtures/tls/', import.meta.url));
const PASSWORD = 'bench password';

/** One broker setup measured: throughput with its security on, and connections a second. */
interface SecurityRow {
  name: string;
  batchPerSec: number;
  singlePerSec: number;
  consumePerSec: number;
  loginsPerSec: number;
}

interface SecurityRun {
  messages: number;
  logins: number;
  rows: SecurityRow[];
}

const setups = [
  { name: 'plaintext, no login', tls: false, auth: false },
  { name: 'TLS', tls: true, auth: false },
  { name: 'SCRAM login and ACLs', tls: false, auth: true },
  { name: 'TLS, login and ACLs', tls: true, auth: true },
];

/** TLS and authentication: what they cost a producer, a consumer and a new connection. */
export async function runSecurityBench(scale: number): Promise<SecurityRun> {
  const messages = Math.round(1_000_000 * scale);
  const singles = Math.round(200_000 * scale);
  const logins = Math.max(20, Math.round(500 * scale));
  const rows: SecurityRow[] = [];
  for (const setup of setups) {
    const dir = mkdtempSync(join(tmpdir(), 'metaq-bench-security-'));
    try {
      const usersFile = join(dir, 'users.json');
      const book = await UserBook.open(new NodeFileIO(), usersFile);
      // Rights as a user would have them: patterns to match, not just "admin".
      await book.put('bench', PASSWORD, { publish: ['audit.*', 'bench.*', 'logins'], subscribe: ['audit.*', 'bench.*'], admin: false });
      const sections = [
        `[system]\ndataPath=${join(dir, 'data')}\nnumPartitions=1\n`,
        setup.tls ? `[tls]\ncertFile=${fixtures}broker.pem\nkeyFile=${fixtures}broker.key\n` : '',
        setup.auth ? `[auth]\nenabled=true\nusersFile=${usersFile}\n` : '',
        '[topic=*]\n',
      ];
      const config = join(dir, 'server.ini');
      writeFileSync(config, sections.join(''));
      const broker = await startBrokerProcess(config);
      try {
        const settings = JSON.stringify({
          port: broker.port,
          ...(setup.tls ? { ca: `${fixtures}ca.pem` } : {}),
          ...(setup.auth ? { user: 'bench', password: PASSWORD } : {}),
        });
        const batch = (await runChild('security-child.js', [settings, 'produce-batch', 'bench.batch', messages])) as { msgsPerSec: number };
        const single = (await runChild('security-child.js', [settings, 'produce-single', 'bench.single', singles])) as { msgsPerSec: number };
        const consume = (await runChild('security-child.js', [settings, 'consume', 'bench.batch', messages])) as { msgsPerSec: number };
        const login = (await runChild('security-child.js', [settings, 'logins', logins])) as { perSec: number };
        rows.push({
          name: setup.name,
          batchPerSec: batch.msgsPerSec,
          singlePerSec: single.msgsPerSec,
          consumePerSec: consume.msgsPerSec,
          loginsPerSec: login.perSec,
        });
      } finally {
        await broker.kill('SIGTERM');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return { messages, logins, rows };
}

export function securitySection(run: SecurityRun): string {
  const n = (value: number): string => Math.round(value).toLocaleString('en');
  const base = run.rows[0]!;
  const share = (value: number, of: number): string => `${Math.round((value / of) * 100)} %`;
  return `## TLS and authentication

One broker per row, 100 B messages by \`sendBatch\`, by single \`send\`s and consumed with \`runBatches\`, and ${run.logins.toLocaleString('en')} clients each connecting (TLS handshake with RSA 2048, SCRAM login with 4,096 PBKDF2 iterations) and sending one message.

| setup | sendBatch msgs/s | send msgs/s | consume msgs/s | new connections/s |
|---|---|---|---|---|
${run.rows.map((row) => `| ${row.name} | ${n(row.batchPerSec)} (${share(row.batchPerSec, base.batchPerSec)}) | ${n(row.singlePerSec)} (${share(row.singlePerSec, base.singlePerSec)}) | ${n(row.consumePerSec)} (${share(row.consumePerSec, base.consumePerSec)}) | ${n(row.loginsPerSec)} |`).join('\n')}
`;
}
