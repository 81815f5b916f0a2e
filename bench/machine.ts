import { arch, cpus, loadavg, platform, totalmem } from 'node:os';

/** What the figures were measured on; ratios travel between machines, absolute numbers do not. */
export function describeMachine(): string[] {
  const cores = cpus();
  const model = cores[0]?.model.trim() ?? 'unknown CPU';
  const memoryGiB = (totalmem() / 1024 ** 3).toFixed(1);
  return [
    `CPU: ${model}, ${cores.length} cores`,
    `Memory: ${memoryGiB} GiB`,
    `Node.js ${process.version} on ${platform()} ${arch()}`,
    describeLoad('at the start'),
  ];
}

/** The box is shared: its load says how much to trust the spread of a run. */
export function describeLoad(when: string): string {
  const [load1] = loadavg();
  return `Load average ${when} (1 min): ${(load1 ?? 0).toFixed(2)}`;
}
