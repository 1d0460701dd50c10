import { describe, expect, it } from 'vitest';
import { findPeriod, parsePeriodCell, periodLabel } from '../../domain/periods.js';
import { parseDate } from '../../domain/dates.js';

describe('periods', () => {
  it.each([
    ['2024年第一季度', '2024年第一季度'],
    ['2024年一季度', '2024年第一季度'],
    ['2024Q2', '2024年第二季度'],
    ['2024-q3', '2024年第三季度'],
    ['2024年1-3月', '2024年第一季度'],
    ['2024.1-2024.3', '2024年第一季度'],
    ['2024年4月-6月', '2024年第二季度'],
    ['2024年3月', '2024年3月'],
    ['2024-03', '2024年3月'],
    ['２０２４年１２月', '2024年12月'],
    ['渝北区龙兴镇2024年第二季度消防执法工作统计表', '2024年第二季度'],
    ['龙兴镇_202405_月报', '2024年5月'],
  ])('finds %s', (text, label) => {
    const p = findPeriod(text);
    expect(p && periodLabel(p)).toBe(label);
  });

  it('needs a year for bare months and quarters', () => {
    expect(findPeriod('3月')).toBeUndefined();
    expect(periodLabel(findPeriod('3月', 2024)!)).toBe('2024年3月');
    expect(periodLabel(findPeriod('第四季度', 2024)!)).toBe('2024年第四季度');
  });

  it('reads a whole cell strictly', () => {
    expect(periodLabel(parsePeriodCell('3月份', 2024)!)).toBe('2024年3月');
    expect(periodLabel(parsePeriodCell(new Date(Date.UTC(2024, 1, 1)))!)).toBe('2024年2月');
    expect(parsePeriodCell('第13月', 2024)).toBeUndefined();
    expect(parsePeriodCell('待定', 2024)).toBeUndefined();
    expect(parsePeriodCell('2024年3月5日', 2024)).toBeUndefined();
  });
});

describe('dates', () => {
  it.each([
    ['2024年3月5日', '2024-03-05'],
    ['2024.3.5', '2024-03-05'],
    ['2024/03/05', '2024-03-05'],
    ['2024-3-5', '2024-03-05'],
    ['２０２４－３－５', '2024-03-05'],
    ['20240305', '2024-03-05'],
    ['2024-03-05 14:30', '2024-03-05'],
    [45356, '2024-03-05'],
    ['45356', '2024-03-05'],
  ])('reads %s', (value, iso) => {
    expect(parseDate(value)).toBe(iso);
  });

  it('refuses what is not a real date', () => {
    expect(parseDate('2024-02-30')).toBeUndefined();
    expect(parseDate('2023年2月29日')).toBeUndefined();
    expect(parseDate('下周一')).toBeUndefined();
    expect(parseDate(12)).toBeUndefined();
    expect(parseDate(new Date(Date.UTC(2024, 1, 29)))).toBe('2024-02-29');
  });
});
