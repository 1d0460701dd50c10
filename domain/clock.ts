/** The current time; passed in so tests can pin it. */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();

const shanghaiOffsetMs = 8 * 3600 * 1000;

/** Wall-clock time in Asia/Shanghai (UTC+8, no daylight saving) as `YYYY-MM-DD HH:MM:SS`. */
export function shanghaiTimestamp(date: Date): string {
  return new Date(date.getTime() + shanghaiOffsetMs).toISOString().replace('T', ' ').slice(0, 19);
}

/** The Asia/Shanghai calendar date of an instant, `YYYY-MM-DD`. */
export function shanghaiDate(date: Date): string {
  return shanghaiTimestamp(date).slice(0, 10);
}
