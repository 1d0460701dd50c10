import type { Redactor } from '../domain/redact.js';
import type { BulletinDocument, DispatchDocument, IndexDocument, QuarterDocument, TownshipDocument, YearDocument } from './data/documents.js';

/** Every document of one build, validated. */
export interface DocumentSet {
  readonly index: IndexDocument;
  readonly year: YearDocument;
  readonly quarters: readonly QuarterDocument[];
  readonly dispatch: readonly DispatchDocument[];
  readonly bulletins: readonly BulletinDocument[];
  readonly townships: readonly TownshipDocument[];
}

/** A file to write, relative to the output folder. */
export interface OutputFile {
  readonly path: string;
  readonly content: string | Uint8Array;
}

/**
 * A file as it is written: a text file (page, JSON, Markdown, text) passes through the redactor
 * once more where it is written, so text a publisher adds itself cannot bypass it. Workbooks are
 * binary and are made from the redacted documents only.
 */
export function redactFile(redactor: Redactor, file: OutputFile): OutputFile {
  return typeof file.content === 'string' ? { path: file.path, content: redactor.text(file.content) } : file;
}

/** Turns the documents into files of one kind (JSON, text, workbooks, pages). */
export interface Publisher {
  /** Shown in the build summary: `JSON 数据`. */
  readonly name: string;
  /**
   * The publisher links to other outputs (the pages link to the workbooks, documents and text):
   * the build runs it after every other publisher and passes it the paths they wrote, so it links
   * only to files that are really there.
   */
  readonly linksOutputs?: boolean;
  /** `outputs`: for a publisher that {@link linksOutputs}, the paths the other publishers wrote. */
  publish(documents: DocumentSet, outputs?: readonly string[]): Promise<readonly OutputFile[]>;
}
