/**
 * The vocabulary in which forms are declared. A form is data: its fields, their Chinese headers
 * and synonyms, types and units drive reading, validation, the warehouse tables, the templates
 * and the docs. Adding a form or a header variant is a change to a form file, not to code paths.
 */

/**
 * How a field's cells are read and stored.
 * @public
 */
export type FieldType =
  /** Whole number ≥ 0 (INTEGER). Empty cell means 0 in aggregate forms. */
  | 'count'
  /** Money in 元, ≥ 0, at most 2 decimals (DECIMAL(14,2)). */
  | 'amount'
  /** A calendar date (DATE). */
  | 'date'
  /** Free text (VARCHAR). */
  | 'text'
  /** One of `choices` (VARCHAR). */
  | 'choice'
  /** Any number of `choices`, separated by 、，,；; or line breaks (VARCHAR[]). */
  | 'choices'
  /** 是/否 (BOOLEAN). */
  | 'yesno'
  /** A reporting unit, resolved through the registry (VARCHAR: the unit's official name). */
  | 'unit'
  /** A month or quarter written in any of the usual ways (stored as year/quarter/month). */
  | 'period';

/**
 * Whether a count adds up over time (flow) or is a head count taken at a moment (stock).
 * @public
 */
export type Measure = 'flow' | 'stock';

/** One column of a form. */
export interface FieldDefinition {
  /** Stable snake_case id; the warehouse column name and the `metric` in long views. */
  readonly id: string;
  /** Canonical Chinese header without the unit, e.g. `检查社会单位数` or, under a group, `一般程序`. */
  readonly label: string;
  /** Upper header of a two-level header, e.g. `赋权执法案件` over `一般程序`. */
  readonly group?: string;
  /** Unit of measure shown in brackets in the header: `家`, `处`, `起`, `元`. */
  readonly unit?: string;
  readonly type: FieldType;
  /** Must the cell be filled? Counts in aggregate forms default to 0 when empty, so are never required. */
  readonly required: boolean;
  /** Other headers people write for this column (compared after normalization). */
  readonly synonyms?: readonly string[];
  /** Allowed values for `choice`/`choices`, with the variants people write mapped to them. */
  readonly choices?: readonly string[];
  /** Variants accepted for a choice value: `{ '个体': '个人' }`. */
  readonly choiceAliases?: Readonly<Record<string, string>>;
  /** For counts: flow (sums over time) or stock (head count: latest value). Default flow. */
  readonly measure?: Measure;
  /** Holds personal data: kept in the warehouse, never published. */
  readonly personal?: boolean;
  /** How the year-end report rounds the figure in prose: `300余次`, `10万人次`. Default exact. */
  readonly reportRounding?: 'hundreds' | 'tenThousands';
  /** The name the year-end report uses, where it differs from the label (`检查社会单位`). */
  readonly reportLabel?: string;
  /**
   * Words that, written in this field, mean it has no value (besides the general `—`, `/`, `无`):
   * `未整改` in 整改完成日期. Read as empty in an optional field, an error in a required one.
   */
  readonly noValueMarks?: readonly string[];
  /** Words that mean "the same as that field": `当场整改` in 整改期限 is the inspection date. */
  readonly sameAs?: { readonly marks: readonly string[]; readonly field: string };
  /** Chinese column comment for the warehouse and docs; defaults to the full label with unit. */
  readonly comment?: string;
  /**
   * A bureau form's field that the 汇总表 sets beside a township form's field in the 局本级 row: B1
   * 发现隐患 beside T1 发现火灾隐患数. Whether the two figures may be added into 全区合计 is not
   * declared here but follows from both declarations ({@link comparable}: same type, unit and
   * measure): 发现隐患（处）adds to 发现火灾隐患数（处）; 消防监督检查（份）does not add to
   * 检查社会单位数（家）and is shown in a column of its own.
   */
  readonly counterpart?: { readonly form: string; readonly field: string };
  /**
   * A count that a ledger's rows should match: the rows of `form` whose `dateField` falls in the
   * quarter (and whose fields hold the values in `where`). T1 发现火灾隐患数 counts L2 rows by
   * 检查日期; 赋权执法案件·一般程序 counts L1 rows of 赋权执法 and 一般程序 by 决定日期. The findings
   * that compare a figure with its ledger, the 案件 figures of the pages and the 办理案件数 ranking
   * follow from this declaration.
   */
  readonly tally?: { readonly form: string; readonly dateField: string; readonly where?: Readonly<Record<string, string>> };
  /**
   * Free text someone typed (a description, a narrative): not personal data by declaration, but a
   * name may turn up in it, so the data dictionary shows no example of it.
   */
  readonly freeText?: boolean;
}

/**
 * Ledgers: how the warehouse view of the current rows is named and which of the form's dates place
 * a row in a year and quarter: `{ field: 'inspection_date', as: 'found', meaning: '发现' }` gives
 * the view columns `found_year`/`found_quarter`, commented 按检查日期计入发现的年度.
 * @public
 */
export interface CurrentView {
  readonly name: string;
  readonly comment: string;
  readonly periods?: readonly { readonly field: string; readonly as: string; readonly meaning?: string }[];
}

/**
 * Whether two fields' figures may be added together: the same type, the same unit and the same
 * measure (a flow count never adds to a head count). `份` of inspection records and `家` of
 * inspected units are not comparable, however alike their names.
 */
export function comparable(a: FieldDefinition, b: FieldDefinition): boolean {
  return a.type === b.type && (a.unit ?? '') === (b.unit ?? '') && (a.measure ?? 'flow') === (b.measure ?? 'flow');
}

/** Which kind of unit sends a form. */
export type UnitKind = 'township' | 'bureau';

/** A submission form. */
export interface FormDefinition {
  /** Short stable code: `T1`, `B1`, `L1`, `L2`, `R1`. */
  readonly code: string;
  /** Official Chinese name: `镇街消防执法工作统计表`. */
  readonly name: string;
  /** Words that, found in a title, sheet or file name, point to this form. */
  readonly keywords: readonly string[];
  /** `aggregate`: one row per unit and period of counts. `ledger`: one row per case/hazard/review. */
  readonly kind: 'aggregate' | 'ledger';
  /** Warehouse table holding the form's rows. */
  readonly table: string;
  /** Chinese comment for the table. */
  readonly tableComment: string;
  /** Who sends it. */
  readonly senders: readonly UnitKind[];
  /** The only units that may send it (official names); others are refused. */
  readonly senderUnits?: readonly string[];
  /** Bureau units expected to send it each period (for the 调度 matrix); default every bureau unit if `senders` has `bureau`. */
  readonly expectedBureauSenders?: readonly string[];
  /** How often a unit sends it; the period a submission covers. */
  readonly frequency: 'monthly' | 'quarterly';
  /** Days after the period ends that a submission is due. */
  readonly dueDays: number;
  /** Field naming the submitting unit on each row, if any. */
  readonly unitField?: string;
  /** Field naming each row's period (aggregate forms), if any. */
  readonly periodField?: string;
  /** Ledgers: the fields that identify one real-world record across resubmissions. */
  readonly naturalKey?: readonly string[];
  /** Ledgers: the date field that places a row in a quarter. */
  readonly dateField?: string;
  /** Fields in canonical column order. */
  readonly fields: readonly FieldDefinition[];
  /**
   * Ledgers: the measure word a count of rows is given in — `份` for reviewed case files (评查案卷
   * 12 份), `起` for cases, `处` for hazards. Pages, text and workbooks take it from here.
   */
  readonly rowUnit?: string;
  /** Ledgers: the view of the current rows (one per real-world record, latest submission wins). */
  readonly currentView?: CurrentView;
}

/** A form's field by id; throws when the form does not declare it (a typo in a catalogue). */
export function fieldOf(form: FormDefinition, id: string): FieldDefinition {
  const f = form.fields.find((x) => x.id === id);
  if (!f) throw new Error(`${form.code} ${form.name} has no field ${id}`);
  return f;
}

/** The canonical header text of a field: `赋权执法案件·一般程序（起）`. */
export function canonicalHeader(field: FieldDefinition): string {
  const base = field.group ? `${field.group}·${field.label}` : field.label;
  return field.unit ? `${base}（${field.unit}）` : base;
}

/** The field's label without unit, joined with its group: `赋权执法案件·一般程序`. */
export function fullLabel(field: FieldDefinition): string {
  return field.group ? `${field.group}·${field.label}` : field.label;
}
