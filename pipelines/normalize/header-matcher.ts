import type { FieldDefinition, FormDefinition } from '../../domain/forms/form-definition.js';
import { headerKey } from './header-text.js';

/** A field a header key can stand for. */
export interface HeaderCandidate {
  readonly form: FormDefinition;
  readonly field: FieldDefinition;
}

/** Headers that carry no data and are ignored without a word. */
const ignorableHeaders = new Set(['序号', '编号序号', '行号', '备注', '说明', 'no', '序']);

/**
 * Maps normalized header texts to the fields of every form: canonical labels, `group·label` for
 * two-level headers, and each field's synonyms. Built once from the form definitions.
 */
export class HeaderMatcher {
  private readonly index = new Map<string, HeaderCandidate[]>();

  constructor(readonly forms: readonly FormDefinition[]) {
    for (const form of forms) {
      const seen = new Map<string, string>();
      for (const field of form.fields) {
        const keys = new Set<string>();
        keys.add(headerKey(field.group ? field.group + field.label : field.label));
        for (const s of field.synonyms ?? []) keys.add(headerKey(s));
        for (const key of keys) {
          const other = seen.get(key);
          if (other && other !== field.id) {
            throw new Error(`表单 ${form.code} 中表头“${key}”同时对应字段 ${other} 和 ${field.id}`);
          }
          seen.set(key, field.id);
          const list = this.index.get(key) ?? [];
          list.push({ form, field });
          this.index.set(key, list);
        }
      }
    }
  }

  /** Candidates for a header text (empty when nothing matches). */
  match(text: string): readonly HeaderCandidate[] {
    return this.index.get(headerKey(text)) ?? [];
  }

  /** A header that is known to carry no data (`序号`, `备注`). */
  isIgnorable(text: string): boolean {
    return ignorableHeaders.has(headerKey(text));
  }
}
