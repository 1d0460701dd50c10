import { mkdirSync, readFileSync, utimesSync } from 'node:fs';
import { dirname, extname, join, relative } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../../dashboards/build.js';
import { defaultPublishers } from '../../dashboards/publishers.js';
import { writeDataDictionary } from '../../warehouse/docs/data-dictionary.js';
import { exportParquet } from '../../warehouse/export/parquet-export.js';
import { queryRows } from '../../warehouse/query.js';
import type { Warehouse } from '../../warehouse/warehouse.js';
import { l1Header, l2Header, r1Header, t1Header, writeCsv } from '../support/csv-submissions.js';
import { memoryWarehouse, runIngest, tempDir } from '../support/ingest-helpers.js';
import { filesUnder, zipText } from '../support/files.js';

/**
 * Personal data planted wherever a person would write it — hazard descriptions, case numbers,
 * 当事人, a refused cell, notes rows, fill-in rows above the header that contradict the folder,
 * file names and sheet names — goes through the real ingest, the real build (every publisher),
 * the Parquet export and the data dictionary; then every file written is scanned for each planted
 * name, phone and ID number, in any form (digits with separators removed too).
 */

// Names unlike the sample's (which all carry 样例拟虚演测).
const names = [
  '郑秀兰',
  '冯建国',
  '卫东来',
  '褚志强',
  '蒋玉梅',
  '韩美玲',
  '杨秀英',
  '何振华',
  '欧阳春燕',
  '阿依古丽·买买提',
  '曹雪梅',
  '秦海燕',
  '陶建军',
  '龚丽娟',
];
// Mobiles and landlines, as digits (they are planted with separators, +86 and brackets too).
const phones = [
  '13912345678',
  '13812345678',
  '13812345679',
  '18612345678',
  '15912345678',
  '18912345678',
  '15012345678',
  '13712340000',
  '02367891234',
  '02388776655',
];
// 18-digit IDs with a valid checksum (one ends in X), one labelled ID with a wrong checksum, a 15-digit old ID.
const ids = ['500112198511204562', '51010719920611104X', '440304197802150015', '110101199003071234', '110101900307123'];

const at = (iso: string) => new Date(`${iso}T10:00:00+08:00`);

async function writeXlsx(inbox: string, relPath: string, sheets: { name: string; rows: (string | number | null)[][] }[], when: Date): Promise<void> {
  const wb = new ExcelJS.Workbook();
  for (const s of sheets) {
    const ws = wb.addWorksheet(s.name);
    for (const r of s.rows) ws.addRow(r);
  }
  const path = join(inbox, relPath);
  mkdirSync(dirname(path), { recursive: true });
  await wb.xlsx.writeFile(path);
  utimesSync(path, when, when);
}

let warehouse: Warehouse;
let root: string;
const published: { file: string; text: string }[] = [];

beforeAll(async () => {
  root = tempDir('firestat-pii-planted-');
  const inbox = join(root, 'inbox');
  const when = at('2024-04-08');

  // L1: a case number holding a name and a mobile, over the 简易程序 cap (finding), duplicated
  // (finding), a person party also named in a hazard description, a company party; the sheet is
  // named after the clerk with her mobile.
  const caseNo = '龙兴简易〔2024〕7号冯建国150-1234-5678';
  await writeXlsx(
    inbox,
    '2024Q1/龙兴镇/龙兴镇2024一季度案件台账.xlsx',
    [
      {
        name: '何振华18912345678',
        rows: [
          ['龙兴镇行政处罚案件台账（2024年第一季度）'],
          l1Header,
          [
            caseNo,
            '龙兴镇',
            '赋权执法',
            '简易程序',
            '冯建国',
            '个人',
            '当事人冯建国（身份证 500112 19851120 4562）占用疏散通道',
            '2024-02-01',
            '2024-02-01',
            '罚款',
            500,
            '否',
            '否',
            '是',
          ],
          [caseNo, '龙兴镇', '赋权执法', '一般程序', '卫东来', '个人', '卫东来在楼道堆放杂物', '2024-03-10', '2024-03-01', '罚款', 1000, '是', '否', '是'],
          [
            '龙兴消行罚决字〔2024〕9号',
            '龙兴镇',
            '委托执法',
            '一般程序',
            '重庆兴旺建材有限公司',
            '单位',
            '消防设施未保持完好有效',
            '2024-02-10',
            '2024-03-01',
            '罚款',
            5000,
            '是',
            '否',
            '是',
          ],
          [],
          ['填表人：秦海燕 联系电话：139 1234 5678 审核人：陶建军'],
        ],
      },
    ],
    when,
  );

  // L2 in a file named after the clerk with her mobile; descriptions that quote people, IDs and
  // phones, each one breaking a rule so that it is quoted by a finding today.
  writeCsv(
    inbox,
    '2024Q1/龙兴镇/杨秀英15912345678.csv',
    [
      l2Header,
      ['龙兴镇', '2024-03-05', '出租屋', '电气线路', '房东郑秀兰（身份证110101199003071234，手机13912345678）私拉电线', '2024-04-30', '2024-03-01', '已整改'],
      ['龙兴镇', '2024-03-06', '自建房', '疏散通道', '户主阿依古丽·买买提在楼道堆放杂物，联系电话（023）6789-1234', '2024-04-30', '', '已整改'],
      ['龙兴镇', '2024-03-07', '出租屋', '疏散通道', '卫东来家楼道堆放杂物', '2024-04-30', '2024-03-20', '未整改'],
      ['龙兴镇', '2024-03-08', '小作坊', '消防设施', '负责人：欧阳春燕 电话 +86 186-1234-5678，灭火器过期', '2024-04-30', '2024-03-02', '已整改'],
      ['龙兴镇', '2024-03-09', '出租屋', '消防设施', '租户曹雪梅 身份证号 110101900307123 私接电线', '2024-04-30', '2024-03-03', '已整改'],
      ['龙兴镇', '2024-03-10', '门店', '其他', '店主51010719920611104X无照经营，座机023-88776655', '2024-04-30', '2024-03-04', '已整改'],
    ],
    when,
  );

  // T1 of 龙兴镇 with a notes row; loaded (its figures disagree with the ledgers: findings).
  writeCsv(
    inbox,
    '2024Q1/龙兴镇/龙兴镇2024一季度统计.csv',
    [t1Header, ['龙兴镇', '2024年第一季度', 30, 9, 4, 2, 1, 1, 0, 2, 2], [], ['填表人：蒋玉梅 联系电话：13812345679']],
    when,
  );

  // T1 refused for a cell a clerk filled with a name, mobile and ID; the clerk signed the file name
  // (her name is nowhere else).
  writeCsv(
    inbox,
    '2024Q1/大湾镇/大湾镇2024一季度统计（龚丽娟）.csv',
    [
      t1Header,
      ['大湾镇', '2024年第一季度', '褚志强13812345678（身份证 440304 19780215 0015）', 4, 3, 0, 0, 0, 0, 1, 1],
      ['填表人：褚志强 联系电话：13812345678'],
    ],
    when,
  );

  // T1 whose fill-in rows above the header name another unit (a contradiction: refused), with the
  // clerk's name and mobile in the same row.
  await writeXlsx(
    inbox,
    '2024Q1/石船镇/石船镇2024一季度统计表.xlsx',
    [
      {
        name: '统计表',
        rows: [
          ['镇街消防执法工作统计表'],
          ['填报单位：大湾镇', null, null, '填表人：韩美玲', null, '手机：+86 137 1234 0000'],
          t1Header,
          ['石船镇', '2024年第一季度', 12, 3, 2, 0, 0, 0, 0, 1, 1],
        ],
      },
    ],
    when,
  );

  // The same, with the whole fill-in line in one cell, and a notes row under the table.
  await writeXlsx(
    inbox,
    '2024Q1/统景镇/统计表.xlsx',
    [
      {
        name: '一季度',
        rows: [
          ['镇街消防执法工作统计表'],
          ['填报单位：大湾镇  填表人：韩美玲  联系电话：023-88776655  手机：+86 137 1234 0000'],
          t1Header,
          ['统景镇', '2024年第一季度', 15, 2, 2, 0, 0, 0, 0, 1, 1],
          ['填表人：韩美玲 联系电话：13712340000'],
        ],
      },
    ],
    when,
  );

  // R1 quoting the party.
  writeCsv(
    inbox,
    '2024Q1/法制科/R1.csv',
    [r1Header, [caseNo, '龙兴镇', '2024年一季度', '不合格', '执法程序不规范', '当事人冯建国未签字，经办人：何振华']],
    at('2024-04-09'),
  );

  warehouse = await memoryWarehouse();
  await runIngest(warehouse, inbox, join(root, 'reports'), at('2024-04-20'));

  const out = join(root, 'out');
  await build({ warehouse, outDir: out, year: 2024, generatedAt: '2024-04-20T02:00:00.000Z', asOf: '2024-04-20', publishers: await defaultPublishers() });
  const parquet = join(root, 'parquet');
  await exportParquet({ warehouse, outDir: parquet, asOf: '2024-04-20', generatedAt: '2024-04-20T02:00:00.000Z' });
  const docs = join(root, 'docs');
  await writeDataDictionary({ warehouse, outDir: docs, generatedAt: '2024-04-20T02:00:00.000Z' });

  for (const dir of [out, parquet, docs]) {
    for (const f of filesUnder(dir)) {
      const name = relative(root, f);
      const ext = extname(f);
      let text: string;
      if (ext === '.xlsx' || ext === '.docx') text = await zipText(f);
      else if (ext === '.parquet') {
        const { rows } = await queryRows(warehouse, `SELECT * FROM read_parquet('${f.replace(/'/g, "''")}')`);
        text = JSON.stringify(rows, (_k, v) => (typeof v === 'bigint' ? String(v) : v));
      } else text = readFileSync(f, 'utf8');
      published.push({ file: name, text: `${name}\n${text}` });
    }
  }
}, 180_000);

afterAll(async () => {
  await warehouse?.close();
});

/** The text with separators a number may be written with removed. */
const squeezed = (text: string) => text.replace(/[\s\-‐–—()（）+.\u00a0\u3000]/g, '');

describe('planted personal data never reaches a published file', () => {
  it('publishes every kind of file and the planted data is in the warehouse', async () => {
    const kinds = new Set(published.map((p) => extname(p.file)));
    for (const k of ['.html', '.json', '.md', '.txt', '.xlsx', '.parquet']) expect(kinds).toContain(k);
    const { rows } = await queryRows(warehouse, `SELECT status, count(*) AS n FROM submissions GROUP BY ALL ORDER BY ALL`);
    expect(rows).toEqual([
      { status: 'loaded', n: 4 },
      { status: 'rejected', n: 3 },
    ]);
    // The planted data did reach the warehouse (where it may live): the test is not vacuous.
    const text = JSON.stringify(
      (
        await queryRows(
          warehouse,
          `SELECT string_agg(coalesce(path, '') || ' ' || coalesce(reason, '') || ' ' || array_to_string(sheets, ' '), ' ') AS t FROM submissions
           UNION ALL SELECT string_agg(description, ' ') FROM l2_hazards
           UNION ALL SELECT string_agg(case_no || ' ' || party || ' ' || violation, ' ') FROM l1_cases
           UNION ALL SELECT string_agg(problem_description, ' ') FROM r1_case_reviews`,
        )
      ).rows,
    );
    const inWarehouse = [
      '郑秀兰',
      '龚丽娟',
      '冯建国',
      '卫东来',
      '褚志强',
      '杨秀英',
      '何振华',
      '欧阳春燕',
      '阿依古丽·买买提',
      '曹雪梅',
      '13912345678',
      '15912345678',
      '18912345678',
      '500112',
      '51010719920611104X',
      '110101199003071234',
      '110101900307123',
    ];
    expect(inWarehouse.filter((x) => !text.includes(x))).toEqual([]);
  });

  it('no planted name appears anywhere', () => {
    const leaks = published.flatMap((p) => names.filter((n) => p.text.includes(n)).map((n) => `${p.file}: ${n}`));
    expect(leaks).toEqual([]);
  });

  it('no planted phone number appears anywhere, with or without separators', () => {
    const leaks = published.flatMap((p) => {
      const s = squeezed(p.text);
      return phones.filter((n) => s.includes(n) || s.includes(`86${n.slice(1)}`)).map((n) => `${p.file}: ${n}`);
    });
    expect(leaks).toEqual([]);
  });

  it('no planted ID number appears anywhere, with or without separators', () => {
    const leaks = published.flatMap((p) => {
      const s = squeezed(p.text);
      return ids.filter((n) => s.includes(n) || s.includes(n.toLowerCase())).map((n) => `${p.file}: ${n}`);
    });
    expect(leaks).toEqual([]);
  });
});
