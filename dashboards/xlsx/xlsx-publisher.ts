import type ExcelJS from 'exceljs';
import { UnitRegistry } from '../../domain/units.js';
import type { DocumentSet, OutputFile, Publisher } from '../publisher.js';
import { bulletinWorkbook } from './bulletin-workbook.js';
import { dispatchWorkbook } from './dispatch-workbook.js';
import { quarterWorkbook, yearWorkbook, type Letterhead } from './summary-workbook.js';

/** Paths of the workbooks in the output folder (the pages link to them by these names). */
export const xlsxFiles = {
  summary: (year: number, quarter: number) => `xlsx/汇总表-${year}-Q${quarter}.xlsx`,
  dispatch: (year: number, quarter: number) => `xlsx/调度表-${year}-Q${quarter}.xlsx`,
  bulletin: (year: number, quarter: number) => `xlsx/通报-${year}-Q${quarter}.xlsx`,
  year: (year: number) => `xlsx/年度汇总-${year}.xlsx`,
};

/**
 * `xlsx/`: the tables as the bureau circulates them, formatted for printing —
 * `汇总表-YYYY-Qn.xlsx` (第n季度, 年初至今, 局本级, 数据来源), `调度表-YYYY-Qn.xlsx` (报送情况,
 * 未整改隐患, 数据问题), `通报-YYYY-Qn.xlsx` (排名, 案卷质量, 逾期未报) for every quarter, and
 * `年度汇总-YYYY.xlsx` (全年 or 年初至今, 分季度, 局本级) from the last quarter's year-to-date.
 *
 * Nothing is written here; the build writes the files. Workbook properties are set from the
 * documents' `generatedAt`, so the same documents give the same workbook contents (the zip's own
 * time stamps aside). Every text cell goes through `safeText` (formula-injection safe).
 */
export class XlsxPublisher implements Publisher {
  readonly name = 'Excel 报表';
  private readonly head: Letterhead;

  /** `district` starts every title (`渝北区`); both default to the bundled unit registry's. */
  constructor(options: Partial<Letterhead> = {}) {
    const registry = options.district === undefined || options.bureau === undefined ? UnitRegistry.sample() : undefined;
    this.head = { district: options.district ?? registry!.district, bureau: options.bureau ?? registry!.bureau };
  }

  async publish(docs: DocumentSet): Promise<readonly OutputFile[]> {
    const y = docs.year.year;
    const out: OutputFile[] = [];
    const add = async (path: string, wb: ExcelJS.Workbook) => out.push({ path, content: new Uint8Array(await wb.xlsx.writeBuffer()) });
    for (const d of docs.quarters) await add(xlsxFiles.summary(y, d.quarter), quarterWorkbook(d, this.head));
    for (const d of docs.dispatch) await add(xlsxFiles.dispatch(y, d.quarter), dispatchWorkbook(d, this.head));
    for (const d of docs.bulletins) await add(xlsxFiles.bulletin(y, d.quarter), bulletinWorkbook(d, this.head));
    const year = yearWorkbook(docs.quarters, this.head);
    if (year) await add(xlsxFiles.year(y), year);
    return out;
  }
}
