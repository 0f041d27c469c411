import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assembleReport, keptSection, reportHeader } from '../../bench/report.js';
import type { MachineInfo } from '../../bench/report.js';

const machine: MachineInfo = {
  date: '2030-01-02',
  quick: false,
  cpuCount: 2,
  cpuModel: 'Test CPU',
  virtual: true,
  kernel: '6.1.0',
  memoryGiB: 24,
  node: 'v20.0.0',
  disk: '/dev/vda ext4',
};

const previous = `# metaq benchmarks

## Put and get (MetaQ protocol)

an old table

<!-- analysis:start -->
## Analysis

kept by hand
<!-- analysis:end -->

<!-- peers:start -->
## Side by side with the peers

peer table
<!-- peers:end -->

<!-- soak:start -->
## Soak

soak table
<!-- soak:end -->
`;

describe('BENCHMARKS.md assembly', () => {
  it('the header names the machine, the date and how to reproduce every section', () => {
    const header = reportHeader(machine);
    assert.match(header, /^# metaq benchmarks\n/);
    assert.match(header, /Measured by `npm run bench` on 2030-01-02;/);
    assert.match(header, /Machine: 2 × Test CPU \(virtual machine\), Linux 6\.1\.0, 24 GiB RAM, Node v20\.0\.0, data directory on \/dev\/vda ext4\./);
    for (const command of ['npm run bench', 'npm run bench:peers', 'npm run soak']) assert.ok(header.includes(`| \`${command}\``), command);
    assert.match(reportHeader({ ...machine, quick: true, virtual: false }), /`npm run bench` --quick \(10 % scale\) on .*Machine: 2 × Test CPU, Linux/s);
  });

  it('new measured sections replace the old ones and kept sections follow in their fixed order', () => {
    const report = assembleReport('# header', ['## Put and get (MetaQ protocol)\n\nnew table\n', '\n## Client library\n\nclient table'], previous);
    assert.equal(
      report,
      `# header

## Put and get (MetaQ protocol)

new table

## Client library

client table

<!-- soak:start -->
## Soak

soak table
<!-- soak:end -->

<!-- peers:start -->
## Side by side with the peers

peer table
<!-- peers:end -->

<!-- analysis:start -->
## Analysis

kept by hand
<!-- analysis:end -->
`,
    );
  });

  it('a first run, or a file without markers, keeps nothing', () => {
    assert.equal(assembleReport('# header', ['## A'], undefined), '# header\n\n## A\n');
    assert.equal(assembleReport('# header', ['## A'], '# old\n\n## Analysis\nnotes\n'), '# header\n\n## A\n');
  });

  it('a section whose end marker is missing or comes first is not kept', () => {
    assert.equal(keptSection('<!-- faults:start -->\nno end', 'faults'), undefined);
    assert.equal(keptSection('<!-- faults:end -->\n<!-- faults:start -->', 'faults'), undefined);
    assert.equal(keptSection('x<!-- faults:start -->y<!-- faults:end -->z', 'faults'), '<!-- faults:start -->y<!-- faults:end -->');
  });
});
