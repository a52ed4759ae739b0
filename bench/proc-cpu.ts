/**
 * CPU time of local processes from /proc (Linux): the database server's own accounting of the work it
 * did, read from outside. Only for a server on this machine (the bench's targets are 127.0.0.1).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

let ticksPerSecond: number | undefined;

/** Clock ticks per second of /proc/<pid>/stat's times (USER_HZ, 100 on Linux). */
function clockTicks(): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return ticksPerSecond;
}

/** User + system CPU seconds a process (all its threads) has used; undefined when it is gone. */
export function processCpuSeconds(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Fields after the command name, which is in parentheses and may hold spaces: state is field 3,
  // utime field 14, stime field 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
  return (utime + stime) / clockTicks();
}

/** The sum over pids that exist at both readings; the pids gone by the second reading are left out. */
export function cpuDelta(
  start: ReadonlyMap<number, number>,
  end: ReadonlyMap<number, number>,
): { seconds: number; processes: number } {
  let seconds = 0;
  let processes = 0;
  for (const [pid, at] of end) {
    const from = start.get(pid);
    if (from === undefined) continue;
    seconds += at - from;
    processes++;
  }
  return { seconds, processes };
}

export function readCpu(pids: readonly number[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const pid of pids) {
    const s = processCpuSeconds(pid);
    if (s !== undefined) out.set(pid, s);
  }
  return out;
}

/** Pids of processes whose command name (/proc/<pid>/comm) is one of `names`. */
export function pidsByName(names: readonly string[]): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (names.includes(readFileSync(`/proc/${entry}/comm`, 'utf8').trim())) out.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}
