import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { packageRoot } from './package-root.js';
import { UnitRegistry as Registry, type unitRegistrySchema } from './unit-registry.js';

export type { Unit } from './unit-registry.js';

/** The dated registry of units (`unit-registry.ts`), loaded from its JSON file. */
export class UnitRegistry extends Registry {
  /** Loads a registry JSON file. */
  static fromFile(path: string): UnitRegistry {
    return new UnitRegistry(JSON.parse(readFileSync(path, 'utf8')) as z.input<typeof unitRegistrySchema>);
  }

  /** The bundled sample registry (docs/domain.md's 22 镇街 and four bureau units). */
  static sample(): UnitRegistry {
    return UnitRegistry.fromFile(join(packageRoot(), 'domain', 'units.json'));
  }
}
