import { DocxPublisher } from './docx/docx-publisher.js';
import { JsonPublisher } from './json-publisher.js';
import { PagesPublisher } from './pages/pages-publisher.js';
import type { Publisher } from './publisher.js';
import { SelfCheckPublisher } from './templates/self-check/self-check-page.js';
import { UnitRegistry } from '../domain/units.js';
import { TextPublisher } from './text-publisher.js';
import { XlsxPublisher } from './xlsx/xlsx-publisher.js';

/**
 * The publishers `firestat build` runs, in order. `registry`: the units the self-check page
 * `自检.html` checks against (the configured registry; default the sample one).
 */
export async function defaultPublishers(registry?: UnitRegistry): Promise<Publisher[]> {
  return [new JsonPublisher(), new TextPublisher(), new DocxPublisher(), new XlsxPublisher(), new PagesPublisher(), new SelfCheckPublisher(registry ?? UnitRegistry.sample())];
}
