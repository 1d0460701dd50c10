import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { unzipSync } from 'fflate';

const run = promisify(execFile);

/**
 * LibreOffice, headless, with a profile of its own (a fresh folder per test file) so parallel runs
 * never share one. Returns what it printed; throws when it fails.
 */
export class Office {
  private readonly profile = mkdtempSync(join(tmpdir(), 'firestat-lo-'));

  /** Removes the profile. */
  dispose(): void {
    rmSync(this.profile, { recursive: true, force: true });
  }

  /** Converts `files` into `outDir` with a LibreOffice filter (`pdf`, or a `csv:…` filter string). */
  async convert(files: readonly string[], filter: string, outDir: string): Promise<string> {
    mkdirSync(outDir, { recursive: true });
    const { stdout, stderr } = await run(
      'soffice',
      [`-env:UserInstallation=file://${this.profile}`, '--headless', '--convert-to', filter, '--outdir', outDir, ...files],
      {
        timeout: 600_000,
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    return `${stdout}${stderr}`;
  }

  /** Each file to PDF; returns the PDF paths (in the order given). */
  async toPdf(files: readonly string[], outDir: string): Promise<string[]> {
    const log = await this.convert(files, 'pdf', outDir);
    return files.map((f) => {
      const pdf = join(outDir, basename(f).replace(/\.[^.]+$/, '.pdf'));
      if (!existsSync(pdf)) throw new Error(`LibreOffice wrote no ${pdf}:\n${log}`);
      return pdf;
    });
  }

  /**
   * Every sheet of each workbook as LibreOffice *shows* it (cells formatted with their number
   * formats, as printed): workbook file name → sheet name → rows of cells.
   */
  async shownSheets(files: readonly string[], outDir: string): Promise<Map<string, Map<string, string[][]>>> {
    // Filter options: comma, double quote, UTF-8, from line 1, …, "save cell contents as shown" on, all sheets (-1).
    await this.convert(files, 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1', outDir);
    const out = new Map<string, Map<string, string[][]>>();
    const written = readdirSync(outDir);
    for (const f of files) {
      const base = basename(f).replace(/\.[^.]+$/, '');
      const sheets = new Map<string, string[][]>();
      for (const name of written.filter((n) => n.startsWith(`${base}-`) && n.endsWith('.csv'))) {
        sheets.set(name.slice(base.length + 1, -4), parseCsv(readFileSync(join(outDir, name), 'utf8')));
      }
      if (sheets.size === 0) throw new Error(`LibreOffice wrote no sheet of ${f}`);
      out.set(basename(f), sheets);
    }
    return out;
  }
}

/** A CSV as LibreOffice writes it (quoted fields may hold commas, quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** The text of a .docx (`word/document.xml`): paragraphs on lines, tags removed, entities decoded. */
export function docxText(path: string): string {
  const xml = new TextDecoder().decode(unzipSync(readFileSync(path), { filter: (f) => f.name === 'word/document.xml' })['word/document.xml']);
  return decodeEntities(
    xml
      .replace(/<\/w:p>/g, '\n')
      .replace(/<w:tab\/>/g, '\t')
      .replace(/<[^>]+>/g, ''),
  );
}

/** `&amp;` → `&`, numeric references too. */
export function decodeEntities(s: string): string {
  return s
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&amp;/g, '&');
}
