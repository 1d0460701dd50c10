import { shanghaiTimestamp } from '../../domain/clock.js';
import { hasUnprintable, printable } from '../../domain/printable.js';

/** Writes one line per event: `2024-07-01 02:00:00 run-start run=12 inbox=/srv/inbox`. */
export type RunLog = (event: string, fields?: Readonly<Record<string, string | number | boolean | undefined>>) => void;

/** A value as written: quoted (JSON-like) when it has spaces, quotes, `=` or `\\`; control characters escaped, so a file name cannot forge a line. */
function value(v: string | number | boolean): string {
  const s = String(v);
  if (!/[\s"=\\]/.test(s) && !hasUnprintable(s)) return s;
  return `"${printable(s.replace(/[\\"]/g, '\\$&'))}"`;
}

/**
 * A log that a person and journald both read: Beijing time, an event name, then key=value pairs
 * (values with spaces quoted), one line each.
 */
export function lineLog(write: (line: string) => void, clock: () => Date = () => new Date()): RunLog {
  return (event, fields = {}) => {
    const parts = Object.entries(fields)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${value(v as string | number | boolean)}`);
    write(`${shanghaiTimestamp(clock())} ${event}${parts.length ? ` ${parts.join(' ')}` : ''}\n`);
  };
}
