import { createHash } from 'node:crypto';
import { forms as allForms, type FormDefinition } from './forms/index.js';
import type { UnitRegistry } from './units.js';

const cache = new WeakMap<UnitRegistry, string>();

/** Form definitions as text: data as JSON, functions and patterns by their source. */
function formsText(forms: readonly FormDefinition[]): string {
  return JSON.stringify(forms, (_key, value: unknown) => (typeof value === 'function' || value instanceof RegExp ? String(value) : value));
}

/**
 * What a file is judged under: a short hash of the unit registry as loaded (district, bureau,
 * every unit with its names and dates) and of the form definitions (fields, headers, synonyms,
 * choices). Recorded with every submission and every file looked at; a file refused under another
 * fingerprint is read again, so fixing the registry or a form gives refused files a second chance.
 */
export function rulesFingerprint(registry: UnitRegistry, forms: readonly FormDefinition[] = allForms): string {
  const cached = forms === allForms ? cache.get(registry) : undefined;
  if (cached) return cached;
  const registryText = JSON.stringify({ district: registry.district, bureau: registry.bureau, units: registry.units });
  const hash = createHash('sha256').update(registryText).update('\u0000').update(formsText(forms)).digest('hex').slice(0, 16);
  if (forms === allForms) cache.set(registry, hash);
  return hash;
}
