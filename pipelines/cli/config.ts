import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { defaultReadLimits } from '../../sources/readers/reader.js';
import { forms } from '../../domain/forms/index.js';

/** The form codes `dueDays` may name: every declared form. */
const formCodes: readonly string[] = forms.map((f) => f.code);

/** The optional `firestat.config.json`: every key may be left out. Paths are relative to the file. */
export const configSchema = z
  .object({
    inbox: z.string().min(1).default('inbox'),
    warehouse: z.string().min(1).default('data/warehouse.duckdb'),
    reportsDir: z.string().min(1).optional(),
    outDir: z.string().min(1).default('out'),
    units: z.string().min(1).optional(),
    maxSecondsPerFile: z.number().positive().default(120),
    lockWaitSeconds: z.number().min(0).default(5),
    http: z
      .object({
        listingUrl: z.string().regex(/^https?:\/\//i, '应以 http:// 或 https:// 开头'),
        stateDir: z.string().min(1).optional(),
        timeoutSeconds: z.number().positive().default(300),
        allowedHosts: z.array(z.string().min(1)).default([]),
        label: z.string().min(1).optional(),
        tokenEnv: z
          .string()
          .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
          .optional(),
        maxConsecutiveFailures: z.number().int().positive().default(3),
      })
      .strict()
      .optional(),
    dueDays: z
      .record(z.string(), z.number().int().min(0).max(366))
      .superRefine((r, ctx) => {
        for (const key of Object.keys(r)) {
          if (!formCodes.includes(key)) ctx.addIssue({ code: 'custom', path: [key], message: `没有报表“${key}”，应为 ${formCodes.join('、')} 之一` });
        }
      })
      .default({}),
    limits: z
      .object({
        maxFileBytes: z.number().int().positive(),
        maxUncompressedBytes: z.number().int().positive(),
        maxEntryBytes: z.number().int().positive(),
        maxSharedStringsBytes: z.number().int().positive(),
        maxCompressionRatio: z.number().positive(),
        maxRowsPerSheet: z.number().int().positive(),
        maxColumns: z.number().int().positive(),
        maxCellChars: z.number().int().positive(),
      })
      .partial()
      .strict()
      .default({}),
  })
  .strict();

export type FirestatConfig = z.infer<typeof configSchema>;

/** A config file that could not be used; the message names the key. */
export class ConfigError extends Error {}

/** Reads and validates the config file (absent → defaults). Relative paths resolve against its folder. */
export function loadConfig(file: string | undefined, cwd = process.cwd()): FirestatConfig & { limitsResolved: typeof defaultReadLimits } {
  const path = resolve(cwd, file ?? 'firestat.config.json');
  let raw: unknown = {};
  const base = existsSync(path) ? dirname(path) : cwd;
  if (existsSync(path)) {
    try {
      raw = JSON.parse(readFileSync(path, 'utf8'));
    } catch (e) {
      throw new ConfigError(`配置文件 ${path} 不是有效的 JSON：${e instanceof Error ? e.message : String(e)}`);
    }
  } else if (file) {
    throw new ConfigError(`找不到配置文件 ${path}`);
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = issue.path.join('.') || (issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : '(根)');
    const what = issue.code === 'unrecognized_keys' ? `未知的配置项 ${issue.keys.join(', ')}` : `配置项 ${key} 无效：${issue.message}`;
    throw new ConfigError(`配置文件 ${path}：${what}`);
  }
  const c = parsed.data;
  const abs = (p: string) => resolve(base, p);
  return {
    ...c,
    inbox: abs(c.inbox),
    warehouse: c.warehouse === ':memory:' ? c.warehouse : abs(c.warehouse),
    outDir: abs(c.outDir),
    ...(c.reportsDir ? { reportsDir: abs(c.reportsDir) } : {}),
    ...(c.units ? { units: abs(c.units) } : {}),
    ...(c.http ? { http: { ...c.http, ...(c.http.stateDir ? { stateDir: abs(c.http.stateDir) } : {}) } } : {}),
    limitsResolved: { ...defaultReadLimits, ...c.limits },
  };
}
