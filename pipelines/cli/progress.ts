import type { FileOutcome } from '../ingest/ingest.js';

/**
 * A one-line progress bar on a terminal (files and rows). Silent when output is not a terminal
 * or when asked to be quiet, so logs and cron mail get only the summary.
 */
export function progressBar(stream: NodeJS.WriteStream, quiet: boolean) {
  const active = stream.isTTY && !quiet;
  let total = 0;
  let done = 0;
  let rows = 0;
  const draw = () => {
    if (!active) return;
    const width = 30;
    const filled = total ? Math.round((done / total) * width) : 0;
    stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} 个文件  ${rows} 行`);
  };
  return {
    onStart: (files: number) => {
      total = files;
      draw();
    },
    onFile: (o: FileOutcome) => {
      done++;
      if (o.status === 'loaded') rows += o.rows ?? 0;
      draw();
    },
    end: () => {
      if (active && total) stream.write('\n');
    },
  };
}
