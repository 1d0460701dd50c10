import { ReadError } from './reader.js';
import type { ReadBudget, ReadLimits } from './reader.js';
import type { ZipEntry, ZipSource } from './zip-archive.js';
import { openGuardedPackage, partKey } from './zip-guard.js';
import type { GuardedPackage, PackageInfo } from './zip-guard.js';
import { parseXmlPart, prefixedAttribute } from './xlsx-xml.js';
import type { XmlSink } from './xlsx-xml.js';

/**
 * An open, guarded OPC package: parts found by name the way Excel finds them (case-insensitive,
 * `\` or `/`), relationships resolved from `_rels` parts, so that layouts with the workbook at the
 * root (calamine minimal_package) or under `wtf/` (SheetJS) read like any other.
 */

/** One relationship, its target resolved to a part name. */
export interface Relationship {
  readonly id: string;
  /** The last segment of the type URI (`worksheet`, `sharedStrings`), same for Transitional and Strict. */
  readonly kind: string;
  /** Resolved part name without a leading slash; undefined for external targets. */
  readonly part: string | undefined;
}

/** Small parts (rels, workbook, content types) larger than this are not what they claim. */
const MAX_SMALL_PART_BYTES = 16 * 1024 * 1024;

export class XlsxPackage {
  private constructor(
    private readonly guarded: GuardedPackage,
    /** Bound the text of every part parsed, and its deadline. */
    readonly limits: ReadLimits,
    /** Checked on every chunk of every part parsed. */
    readonly budget: ReadBudget,
  ) {}

  /** Runs the zip guard and opens the package. */
  static async open(source: ZipSource, limits: ReadLimits, budget: ReadBudget): Promise<XlsxPackage> {
    return new XlsxPackage(await openGuardedPackage(source, limits), limits, budget);
  }

  get info(): PackageInfo {
    return this.guarded.info;
  }

  has(part: string): boolean {
    return this.guarded.entries.has(partKey(part));
  }

  /** The declared uncompressed size of a part (checked against the data while it is read). */
  size(part: string): number {
    return this.entry(part).uncompressedSize;
  }

  /** The inflated bytes of a part, CRC-checked. */
  chunks(part: string): AsyncGenerator<Uint8Array> {
    return this.guarded.zip.chunks(this.entry(part), part);
  }

  /** Streams a part through an XML sink. */
  async parse(part: string, sink: XmlSink): Promise<void> {
    await parseXmlPart(this.chunks(part), part, sink, this.limits, this.budget);
  }

  /** Parses a part that must be small (workbook, rels, styles). */
  async parseSmall(part: string, sink: XmlSink): Promise<void> {
    const entry = this.entry(part);
    if (entry.uncompressedSize > MAX_SMALL_PART_BYTES) {
      throw new ReadError('too_large', `部件“${part}”异常巨大（${entry.uncompressedSize} 字节），已拒绝读取。`);
    }
    await this.parse(part, sink);
  }

  /** Relationships of `source` (`''` for the package itself); none when its rels part is absent. */
  async relationships(source: string): Promise<Relationship[]> {
    const relsPart = relsPartOf(source);
    if (!this.has(relsPart)) return [];
    const rels: Relationship[] = [];
    await this.parseSmall(relsPart, {
      open(name, attributes) {
        if (name !== 'Relationship') return;
        const target = attributes['Target'] ?? '';
        const external = (attributes['TargetMode'] ?? '').toLowerCase() === 'external';
        rels.push({
          id: attributes['Id'] ?? prefixedAttribute(attributes, 'Id') ?? '',
          kind: (attributes['Type'] ?? '').replace(/.*\//, ''),
          part: external || !target ? undefined : resolveTarget(source, target),
        });
      },
      close() {},
      text() {},
    });
    return rels;
  }

  /** Closes the zip (the descriptor is released once open part streams end). */
  close(): void {
    this.guarded.zip.close();
  }

  private entry(part: string): ZipEntry {
    const entry = this.guarded.entries.get(partKey(part));
    if (!entry) {
      throw new ReadError('corrupt', `文件不完整：缺少部件“${part}”。请用 Excel/WPS 打开后重新另存为 .xlsx。`);
    }
    return entry;
  }
}

/** `xl/workbook.xml` → `xl/_rels/workbook.xml.rels`; the package's own rels for `''`. */
function relsPartOf(part: string): string {
  const slash = part.lastIndexOf('/');
  return `${part.slice(0, slash + 1)}_rels/${part.slice(slash + 1)}.rels`;
}

/** Resolves a relationship target against its source part, as OPC does (relative or `/`-absolute). */
function resolveTarget(source: string, target: string): string {
  let decoded = target.replace(/\\/g, '/');
  try {
    decoded = decodeURIComponent(decoded);
  } catch {
    // A stray `%` is just a character in the name.
  }
  const base = decoded.startsWith('/') ? [] : source.split('/').slice(0, -1);
  for (const segment of decoded.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') base.pop();
    else base.push(segment);
  }
  return base.join('/');
}
