import { readFileSync } from 'node:fs';

/**
 * Who a process is, beyond its pid: pids are reused (after a reboot, or once the counter wraps),
 * so a lock or a staging folder records the process start time (field 22 of /proc/<pid>/stat, in
 * clock ticks since boot) and the boot id (/proc/sys/kernel/random/boot_id). Where /proc is
 * missing both are undefined and callers fall back to the pid alone or to an age bound.
 */

/** This boot's id, or undefined without /proc. */
export function bootId(): string | undefined {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** When `pid` started (clock ticks since boot, as text), or undefined when unknown or gone. */
export function processStartTicks(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may itself hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state), so field 22 (starttime) is fields[19].
    return fields[19] || undefined;
  } catch {
    return undefined;
  }
}

/** Whether a process with this pid exists (it may belong to someone else: EPERM counts as alive). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether the process that recorded (`pid`, `startTicks`) still runs: the pid is alive and, where
 * both start times are known, it is still the same process.
 */
export function sameProcessAlive(pid: number, startTicks: string | undefined): boolean {
  if (!processAlive(pid)) return false;
  if (startTicks === undefined || startTicks === '0') return true;
  const now = processStartTicks(pid);
  return now === undefined || now === startTicks;
}
