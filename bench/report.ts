// Assembles BENCHMARKS.md from the sections a full `npm run bench` measured and the sections other
// runs wrote (peers, soak, fault tests) or people keep by hand (hardening, analysis), which sit
// between `<!-- name:start -->` and `<!-- name:end -->` markers and are carried over as they are.

/** Where and when a run measured; everything the header says about the machine. */
export interface MachineInfo {
  date: string;
  quick: boolean;
  cpuCount: number;
  cpuModel: string;
  virtual: boolean;
  kernel: string;
  memoryGiB: number;
  node: string;
  disk: string;
}

/** Kept sections, in the order they follow the measured ones. */
export const keptSectionNames = ['hardening', 'soak', 'faults', 'peers', 'analysis'] as const;

const reproduce = `## How to reproduce

| command | what it measures | what it needs |
|---|---|---|
| \`npm run bench\` | every section from "Put and get" to "TLS and authentication", at full scale; rewrites this file, keeping the sections between \`<!-- name:start -->\` and \`<!-- name:end -->\` markers | ZooKeeper, MariaDB and PostgreSQL, Python 3 with kazoo: \`scripts/ensure-zookeeper.sh\`, \`ensure-databases.sh\` and \`ensure-python.sh\` install (Debian packages) and start them first |
| \`npm run bench -- --quick\` | the same at 10 % scale, for a quick look (short runs overweight start-up) | the same |
| \`npm run bench -- --only NAME\` | prints one section without rewriting this file: \`transactions\`, \`replication\`, \`operations\`, \`integrations\`, \`puts\`, \`scaling\`, \`seek\`, \`keys\`, \`delayed\`, \`security\`, \`partitions\`, \`latency\` (narrowed by \`LATENCY_ROWS\`, \`LATENCY_SIZES\`; \`LATENCY_STRACE=FILE\` traces the broker's fsyncs and writes) | what that section needs |
| \`npm run bench:peers\` | the "Side by side with the peers" section, which it rewrites in this file | NATS server, RabbitMQ and Redis: \`bench/peers/ensure-peers.sh\` installs them (Debian packages); the bench starts them |
| \`npm run soak\` | prints the "Soak" section; one hour by default (\`SOAK_MINUTES\`, kill every \`SOAK_KILL_SECONDS\`, 120) | nothing beyond the build |
| \`node scripts/run-tests.js test/process\`, \`npm run chaos\` | the fault tests print the "Fault tests" figures | ZooKeeper for N8 |`;

/** Title, machine and date, and how to reproduce every section. */
export function reportHeader(m: MachineInfo): string {
  const scale = m.quick ? ' --quick (10 % scale)' : '';
  const machine = `${m.cpuCount} × ${m.cpuModel}${m.virtual ? ' (virtual machine)' : ''}, Linux ${m.kernel}, ${m.memoryGiB.toFixed(0)} GiB RAM, Node ${m.node}, data directory on ${m.disk}`;
  return `# metaq benchmarks

Measured by \`npm run bench\`${scale} on ${m.date}; the sections after the measured ones say when they were measured. Machine: ${machine}. Every process of a run shares these cores; figures on this host vary by 20–40 % from run to run, so compare builds only in runs alternated on the same machine, and run a bench on an otherwise idle machine.

${reproduce}`;
}

/** The text of one kept section, markers included, or undefined when `previous` has none. */
export function keptSection(previous: string, name: string): string | undefined {
  const startMarker = `<!-- ${name}:start -->`;
  const endMarker = `<!-- ${name}:end -->`;
  const start = previous.indexOf(startMarker);
  const end = previous.indexOf(endMarker);
  return start >= 0 && end > start ? previous.slice(start, end + endMarker.length) : undefined;
}

/**
 * The whole file: the header, the measured sections, then every kept section found in the
 * previous file. Sections are separated by one blank line whatever space they carry.
 */
export function assembleReport(header: string, measured: readonly string[], previous: string | undefined): string {
  const kept = keptSectionNames.map((name) => (previous === undefined ? undefined : keptSection(previous, name)));
  const parts = [header, ...measured, ...kept.filter((text): text is string => text !== undefined)];
  return `${parts.map((part) => part.trim()).join('\n\n')}\n`;
}
