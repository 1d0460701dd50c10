import { checkDeadline } from './read-deadline.js';
import { ReadError, defaultReadLimits } from './reader.js';
import type { ReadBudget, ReadLimits } from './reader.js';
import { XmlBounds, runCapFor } from './xlsx-xml-bounds.js';
import { XmlScanError, XmlScanner } from './xml-scanner.js';

/**
 * Push-style XML parsing of one package part ({@link XmlScanner}, which gives saxes' events and
 * refuses what saxes refuses, at about twice its speed).
 * Element names reach the sink without their prefix, because producers bind the SpreadsheetML
 * namespace to `x:` (EasyExcel), `ns2:` (Tencent Docs) or nothing, and Strict OOXML changes the URI.
 */

/** Receives the parts of a document that the xlsx reader cares about. */
export interface XmlSink {
  open(name: string, attributes: Readonly<Record<string, string>>): void;
  close(name: string): void;
  /** Character data, including CDATA sections and whitespace between elements. */
  text(text: string): void;
  /**
   * The text just given to {@link text} was cut: `dropped` more characters of that text node or
   * CDATA section were left out (see `xlsx-xml-bounds.ts`). A sink that keeps the text refuses it.
   */
  cut?(dropped: number): void;
}

/** An attribute by local name, whatever prefix the producer bound (`r:id`, `ns:id`). */
export function prefixedAttribute(attributes: Readonly<Record<string, string>>, name: string): string | undefined {
  for (const [key, value] of Object.entries(attributes)) {
    if (key.endsWith(`:${name}`)) return value;
  }
  return undefined;
}

/**
 * Feeds the bytes of one part to the scanner, through {@link XmlBounds} so that it never holds more
 * than a bounded run of text; every problem becomes a `ReadError('corrupt')`. Each chunk checks
 * the read's budget (`budget`: the deadline, and on Node the heap guard).
 */
export class XmlPartParser {
  private readonly parser: XmlScanner;
  private readonly bounds: XmlBounds;
  private decoder: TextDecoder | undefined;
  /** Characters left out of the text node or CDATA section the scanner reports next. */
  private dropped = 0;

  constructor(
    private readonly partName: string,
    sink: XmlSink,
    private readonly limits: Pick<ReadLimits, 'maxCellChars' | 'deadline'> = defaultReadLimits,
    private readonly budget: ReadBudget = checkDeadline,
  ) {
    const text = (value: string): void => {
      sink.text(value);
      if (this.dropped > 0) {
        const dropped = this.dropped;
        this.dropped = 0;
        sink.cut?.(dropped);
      }
    };
    this.bounds = new XmlBounds(partName, runCapFor(limits.maxCellChars), {
      emit: (markup) => this.parser.write(markup),
      cut: (dropped) => {
        this.dropped += dropped;
      },
    });
    this.parser = new XmlScanner({ open: sink.open.bind(sink), close: sink.close.bind(sink), text, cdata: text }, { localNames: true });
  }

  /** Parses the next chunk; handlers run synchronously inside this call. */
  write(chunk: Uint8Array): void {
    this.budget(this.limits);
    this.decoder ??= new TextDecoder(encodingOf(chunk));
    this.guard(() => this.bounds.write(this.decoder?.decode(chunk, { stream: true }) ?? ''));
  }

  /** Signals the end of the part; an unterminated document fails here. */
  end(): void {
    this.guard(() => {
      const rest = this.decoder?.decode() ?? '';
      if (rest) this.bounds.write(rest);
      this.bounds.end();
      this.parser.end();
    });
  }

  private guard(step: () => void): void {
    try {
      step();
    } catch (err) {
      if (err instanceof ReadError) throw err;
      if (err instanceof XmlScanError) {
        throw new ReadError('corrupt', `文件已损坏：部件“${this.partName}”不是有效的 XML。（${err.message}）`);
      }
      if (err instanceof RangeError) {
        throw new ReadError('too_large', `部件“${this.partName}”中的内容过大，无法读取。（${err.message}）`);
      }
      const detail = err instanceof Error ? err.message : String(err);
      throw new ReadError('corrupt', `文件已损坏：部件“${this.partName}”无法解析。（${detail}）`);
    }
  }
}

/** Parts are UTF-8 unless a UTF-16 byte-order mark says otherwise (TextDecoder drops the BOM). */
function encodingOf(first: Uint8Array): string {
  if (first[0] === 0xff && first[1] === 0xfe) return 'utf-16le';
  if (first[0] === 0xfe && first[1] === 0xff) return 'utf-16be';
  return 'utf-8';
}

/** Parses a whole part from its chunks into `sink`. */
export async function parseXmlPart(
  chunks: AsyncIterable<Uint8Array>,
  partName: string,
  sink: XmlSink,
  limits?: Pick<ReadLimits, 'maxCellChars' | 'deadline'>,
  budget?: ReadBudget,
): Promise<void> {
  const parser = new XmlPartParser(partName, sink, limits, budget);
  for await (const chunk of chunks) parser.write(chunk);
  parser.end();
}
