import { JsonPublisher } from './json-publisher.js';
import { PagesPublisher } from './pages/pages-publisher.js';
import type { Publisher } from './publisher.js';
import { TextPublisher } from './text-publisher.js';
import { XlsxPublisher } from './xlsx/xlsx-publisher.js';

/** The publishers `firestat build` runs, in order. */
export async function defaultPublishers(): Promise<Publisher[]> {
  return [new JsonPublisher(), new TextPublisher(), new XlsxPublisher(), new PagesPublisher()];
}
