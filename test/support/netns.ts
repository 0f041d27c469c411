import { execFileSync } from 'node:child_process';

/** The test process's own namespace, joined to the lab so it can reach every host. */
export const LOCAL = 'local';

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * Hosts in network namespaces on one bridge (in its own namespace), for the cluster tests of docs/testing.md: each
 * host gets one veth into the bridge and an address in a private /24. `partition(a, b)` installs
 * blackhole routes on both sides, so packets between the two vanish without an RST or an ICMP,
 * while both still reach everyone else; `heal` removes them and TCP retransmits what was held.
 * Needs root and `ip netns` (iproute2); `available()` says whether this machine has both.
 */
export class NetnsLab {
  private readonly addresses = new Map<string, string>();
  private readonly namespaces: string[] = [];
  private localEnd: string | undefined;
  private static created = 0;

  private constructor(private readonly prefix: string) {}

  static available(): boolean {
    const probe = `mqprobe${process.pid}`;
    try {
      ip('netns', 'add', probe);
      ip('netns', 'del', probe);
      return true;
    } catch {
      return false;
    }
  }

  /** `hosts` become namespaces; `LOCAL` among them joins the test process itself. */
  static create(hosts: string[]): NetnsLab {
    // Several labs may live in one test process (a test and its negative control): names and subnets apart.
    const n = NetnsLab.created++;
    const lab = new NetnsLab(`mq${process.pid % 100_000}l${n}`);
    // Test files run two at a time, each its own process: the pid spreads their subnets apart.
    const subnet = `10.${20 + ((Math.floor(process.pid / 250) + 7 * n) % 230)}.${process.pid % 250}`;
    const bridge = lab.namespace('br');
    process.once('exit', () => lab.destroy()); // a test that dies midway leaves no namespaces behind
    try {
      lab.addNamespace(bridge);
      ip('-n', bridge, 'link', 'add', 'br0', 'type', 'bridge');
      ip('-n', bridge, 'link', 'set', 'br0', 'up');
      hosts.forEach((host, i) => {
        const address = `${subnet}.${i + 1}`;
        const end = `${lab.prefix}v${i}`; // unique in the root namespace too, where LOCAL's end lives
        const inHost = host === LOCAL ? [] : ['-n', lab.namespace(host)];
        if (host === LOCAL) lab.localEnd = end;
        else {
          lab.addNamespace(lab.namespace(host));
          ip(...inHost, 'link', 'set', 'lo', 'up');
        }
        ip('link', 'add', end, ...(host === LOCAL ? [] : ['netns', lab.namespace(host)]), 'type', 'veth', 'peer', 'name', `${end}b`, 'netns', bridge);
        ip(...inHost, 'addr', 'add', `${address}/24`, 'dev', end);
        ip(...inHost, 'link', 'set', end, 'up');
        ip('-n', bridge, 'link', 'set', `${end}b`, 'master', 'br0', 'up');
        lab.addresses.set(host, address);
      });
    } catch (error) {
      lab.destroy();
      throw error;
    }
    return lab;
  }

  private addNamespace(name: string): void {
    ip('netns', 'add', name);
    this.namespaces.push(name);
  }

  private namespace(host: string): string {
    return `${this.prefix}${host}`;
  }

  address(host: string): string {
    const address = this.addresses.get(host);
    if (address === undefined) throw new Error(`no host ${host} in this lab`);
    return address;
  }

  /** How to spawn `command args` inside `host` (`ip netns exec` execs it, so the pid is the command's). */
  spawnArgs(host: string, command: string, args: string[]): [string, string[]] {
    return host === LOCAL ? [command, args] : ['ip', ['netns', 'exec', this.namespace(host), command, ...args]];
  }

  partition(a: string, b: string): void {
    this.route('add', a, b);
    this.route('add', b, a);
  }

  heal(a: string, b: string): void {
    this.route('del', a, b);
    this.route('del', b, a);
  }

  private route(action: 'add' | 'del', from: string, to: string): void {
    ip(...(from === LOCAL ? [] : ['-n', this.namespace(from)]), 'route', action, 'blackhole', `${this.address(to)}/32`);
  }

  /** Delete the local veth (its peer goes too) and every namespace (their veths go with them). */
  destroy(): void {
    const steps = [...(this.localEnd === undefined ? [] : [['link', 'del', this.localEnd]]), ...this.namespaces.map((name) => ['netns', 'del', name])];
    for (const step of steps) {
      try {
        ip(...step);
      } catch {
        // already gone
      }
    }
  }
}
