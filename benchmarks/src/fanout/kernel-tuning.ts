import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

// With default settings the loopback backlog (net.core.netdev_max_backlog = 1000 packets) drops
// packets during a big fan-out, and the retransmissions, not the server, set the tail latency.
// Raised when this process may (root, a writable sysctl); the report says which.

const WANTED: Readonly<Record<string, number>> = {
  'net.core.netdev_max_backlog': 65_536,
  'net.core.somaxconn': 65_535,
  'net.ipv4.tcp_max_syn_backlog': 65_536,
};

export function tuneKernel(): string[] {
  const lines: string[] = [];
  for (const [key, wanted] of Object.entries(WANTED)) {
    const path = `/proc/sys/${key.replaceAll('.', '/')}`;
    let current: number;
    try {
      current = Number(readFileSync(path, 'utf8').trim());
    } catch {
      lines.push(`${key}: cannot be read; left alone`);
      continue;
    }
    if (current >= wanted) {
      lines.push(`${key} = ${current} (already at least ${wanted})`);
      continue;
    }
    try {
      execFileSync('sysctl', ['-w', `${key}=${wanted}`], { stdio: 'ignore' });
      lines.push(`${key}: raised from ${current} to ${wanted}`);
    } catch {
      lines.push(`${key} = ${current}: not permitted to raise it (results may show packet drops)`);
    }
  }
  return lines;
}
