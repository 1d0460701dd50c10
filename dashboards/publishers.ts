import { DocxPublisher } from './docx/docx-publisher.js';
import { JsonPublisher } from './json-publisher.js';
import { PagesPublisher } from './pages/pages-publisher.js';
import type { Publisher } from './publisher.js';
import { SelfCheckPublisher } from './templates/self-check/self-check-page.js';
import { UnitRegistry } from '../domain/units.js';
import { TextPublisher } from './text-publisher.js';
import { XlsxPublisher } from './xlsx/xlsx-publisher.js';

/**
 * The publishers `firestat build` runs, in order. `registry`: the configured units (default the
 * sample ones) — the self-check page `自检.html` checks against them, and the 通报, year text and
 * workbooks are headed and signed with its district and bureau.
 */
export async function defaultPublishers(registry: UnitRegistry = UnitRegistry.sample()): Promise<Publisher[]> {
  const { district, bureau } = registry;
  return [
    new JsonPublisher(),
    new TextPublisher({ bureau }),
    new DocxPublisher({ bureau }),
    new XlsxPublisher({ district, bureau }),
    new PagesPublisher(),
    new SelfCheckPublisher(registry),
  ];
}
