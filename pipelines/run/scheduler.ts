import cron from 'node-cron';
import type { RunLog } from './run-log.js';

/** What the scheduler runs and how it reports. */
export interface ScheduleOptions {
  /** Cron expression, five fields or six with seconds; evaluated in Asia/Shanghai. */
  readonly cron: string;
  readonly log: RunLog;
  /** One run; must stop between files when the signal aborts. */
  readonly run: (signal: AbortSignal) => Promise<void>;
  /** For tests: where to listen for SIGTERM/SIGINT. Default `process`. */
  readonly signals?: NodeJS.EventEmitter;
}

/**
 * Runs `run` on its cron in Asia/Shanghai until SIGTERM or SIGINT. A tick that comes while a
 * run is going is skipped and logged. On a signal the current run finishes the file in hand,
 * publishes what is complete, and the promise resolves (the process then exits 0).
 */
export async function startSchedule(options: ScheduleOptions): Promise<void> {
  const detailed = cron.validateDetailed(options.cron);
  if (!detailed.valid) throw new Error(`cron 表达式无效：“${options.cron}”`);
  const stop = new AbortController();
  let running: Promise<void> | undefined;
  const task = cron.schedule(
    options.cron,
    async () => {
      if (running) {
        options.log('tick-skipped', { reason: 'previous run still going' });
        return;
      }
      running = options
        .run(stop.signal)
        .catch((e: unknown) => options.log('run-failed', { error: e instanceof Error ? e.message : String(e) }))
        .finally(() => {
          running = undefined;
        });
      await running;
    },
    { timezone: 'Asia/Shanghai', name: 'firestat-nightly' },
  );
  options.log('schedule-start', { cron: options.cron, timezone: 'Asia/Shanghai', next: task.getNextRun()?.toISOString() });
  const signals = options.signals ?? process;
  await new Promise<void>((resolve) => {
    const onSignal = (name: string) => {
      options.log('schedule-stopping', { signal: name, running: running !== undefined });
      stop.abort();
      void task.stop();
      void (running ?? Promise.resolve()).then(() => {
        void task.destroy();
        options.log('schedule-stopped');
        resolve();
      });
    };
    signals.once('SIGTERM', () => onSignal('SIGTERM'));
    signals.once('SIGINT', () => onSignal('SIGINT'));
  });
}
