import { z } from 'zod';
import type { FieldDefinition, FormDefinition } from '../../domain/forms/form-definition.js';

const isoDate = /^\d{4}-\d{2}-\d{2}$/;

function twoDecimals(n: number): boolean {
  return Math.abs(n * 100 - Math.round(n * 100)) < 1e-6;
}

function fieldSchema(field: FieldDefinition): z.ZodType {
  let schema: z.ZodType;
  switch (field.type) {
    case 'count':
      schema = z.number().int().min(0).max(10_000_000);
      break;
    case 'amount':
      schema = z.number().min(0).max(1e11).refine(twoDecimals);
      break;
    case 'date':
      schema = z.string().regex(isoDate);
      break;
    case 'text':
      schema = z.string().min(1).max(4000);
      break;
    case 'choice':
      schema = z.enum(field.choices as [string, ...string[]]);
      break;
    case 'choices':
      schema = z.array(z.enum(field.choices as [string, ...string[]]));
      break;
    case 'yesno':
      schema = z.boolean();
      break;
    case 'unit':
      schema = z.string().min(1);
      break;
    case 'period':
      schema = z.object({ year: z.number().int(), fromMonth: z.number().int(), toMonth: z.number().int() });
      break;
  }
  return field.required ? schema : schema.nullable();
}

const cache = new WeakMap<FormDefinition, z.ZodObject>();

/**
 * The zod schema of one row of a form, built from its field declarations: counts are whole
 * numbers ≥ 0, amounts ≥ 0 with at most two decimals, dates real ISO dates, choices from the
 * declared list, required fields present. Keys are field ids.
 */
export function rowSchema(form: FormDefinition): z.ZodObject {
  let schema = cache.get(form);
  if (!schema) {
    schema = z.object(Object.fromEntries(form.fields.map((f) => [f.id, fieldSchema(f)])));
    cache.set(form, schema);
  }
  return schema;
}
