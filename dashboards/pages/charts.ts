import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import { html, trusted, type Html } from './html.js';

echarts.use([BarChart, LineChart, GridComponent, LegendComponent, SVGRenderer]);

/** The system font stack (single quotes: ECharts writes it into a double-quoted style attribute). */
const chartFontFamily = "'PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC', sans-serif";

/** Colours that stay apart on a projector and in greyscale print. */
const palette = ['#c0392b', '#2f6db5', '#e39b2d', '#3c9a5f', '#7b5aa6', '#6b7785', '#d46a9f', '#1b9aaa'];

/** One series of a chart. */
interface Series {
  readonly name: string;
  readonly values: readonly (number | null)[];
  /** Series with the same stack are drawn on top of each other (bar charts). */
  readonly stack?: string;
  /** The series' unit (`家`, `处`), from the form field it shows; defaults to the chart's {@link ChartSpec.unit}. */
  readonly unit?: string;
}

/** What a chart shows. Labels come from the registry and the form definitions, not from submissions. */
export interface ChartSpec {
  /** Shown above the chart, as page text. */
  readonly title: string;
  /** Period and units the chart covers: `2024年1—12月 · 22 个镇街`. */
  readonly scope: string;
  readonly categories: readonly string[];
  readonly series: readonly Series[];
  /**
   * The unit of the value axis (`处`), written on the axis — from the form field declarations.
   * A series may name its own; when they differ the chart must say so ({@link mixedUnits}).
   */
  readonly unit?: string;
  /** Per category, when the categories are counted in different units (`起` for township cases, `件` for the bureau's). */
  readonly categoryUnits?: readonly string[];
  /**
   * The series are counted in different units (`人次`, `份`, `处`) and share one axis on purpose:
   * the axis names every unit and each legend entry carries its own. Without this, series of
   * different units in one chart are refused.
   */
  readonly mixedUnits?: boolean;
  readonly width?: number;
  readonly height?: number;
  /** Bars run left to right with the categories down the side (long lists of units). */
  readonly horizontal?: boolean;
  /** Write each value on its bar or point. */
  readonly labels?: boolean;
}

/** The width of the phone variant, in CSS px: shown at its own size (text at its set size) on a 360–430 px screen. */
const narrowWidth = 340;

/** Text sizes of every chart, in px of the SVG: at 1:1 on the phone variant, never below 10 px (the phone-page test holds the pages to it). */
const fontSize = { axis: 12, legend: 13, label: 11, axisName: 12 } as const;

/** Rough width of a text in px: CJK characters a full em, others about half. */
function textWidth(text: string, size: number): number {
  let w = 0;
  for (const ch of text) w += /[\u2e80-\u9fff\uff00-\uffef]/u.test(ch) ? size : size * 0.6;
  return w;
}

/** Rows the legend wraps into at a width (ECharts' plain legend wraps; the plot starts below it). */
function legendRows(names: readonly string[], width: number): number {
  const available = width - 16;
  let rows = 1;
  let x = 0;
  for (const n of names) {
    const w = 14 + 5 + textWidth(n, fontSize.legend) + 10;
    if (x > 0 && x + w > available) {
      rows++;
      x = 0;
    }
    x += w;
  }
  return rows;
}

/** The units a chart's series are counted in, in order of first appearance. */
function chartUnits(spec: ChartSpec): string[] {
  return [...new Set([...spec.series.map((s) => s.unit ?? spec.unit ?? ''), ...(spec.categoryUnits ?? [])].filter(Boolean))];
}

/** Category labels, each with its unit when the categories differ in unit: `本级执法·全部（件）`. */
function categoryLabels(spec: ChartSpec): string[] {
  const units = spec.categoryUnits;
  if (!units || new Set(units).size < 2) return [...spec.categories];
  return spec.categories.map((c, i) => (units[i] ? `${c}（${units[i]}）` : c));
}

/**
 * Renders charts to SVG at build time with ECharts' server-side renderer, so pages show them
 * without JavaScript and print them sharp. Each page uses its own renderer: ECharts numbers its
 * CSS classes and ids across the whole process, so they are renumbered per chart to keep the
 * output byte-for-byte the same for the same documents and unique within the page.
 *
 * Every chart is drawn twice: at its own width for screens and print, and {@link narrowWidth} px
 * wide for phones (the stylesheet shows one or the other), so its text stays at its set size on a
 * phone instead of shrinking with the picture. On the phone variant long category lists run down
 * the side and month labels thin out.
 */
export class ChartRenderer {
  private count = 0;

  bar(spec: ChartSpec): Html {
    return this.render(spec, 'bar');
  }

  line(spec: ChartSpec): Html {
    return this.render(spec, 'line');
  }

  private render(spec: ChartSpec, type: 'bar' | 'line'): Html {
    const units = chartUnits(spec);
    if (units.length > 1 && !spec.mixedUnits) {
      throw new Error(`图表“${spec.title}”把不同单位（${units.join('、')}）画在同一坐标轴上，却没有说明（mixedUnits）`);
    }
    const n = ++this.count;
    const width = spec.width ?? 720;
    const wide = this.svg(spec, type, units, { width, height: spec.height ?? 320, horizontal: spec.horizontal ?? false, narrow: false }, `ch${n}`);
    // Phone: categories with long names (or many of them) run down the side, one bar row each.
    const longNames = categoryLabels(spec).some((c) => c.length > 4);
    const crowded = spec.labels === true && spec.series.length > 2 && !spec.series.some((s) => s.stack);
    const horizontal = type === 'bar' && (spec.horizontal === true || longNames || crowded);
    const rowsHeight = spec.categories.length * (spec.series.length > 2 && !spec.series.some((s) => s.stack) ? 40 : 26);
    const narrowHeight = horizontal ? Math.max(240, rowsHeight + 70 + legendRows(this.legendNames(spec), narrowWidth) * 22) : 280;
    const narrow = this.svg(spec, type, units, { width: narrowWidth, height: narrowHeight, horizontal, narrow: true }, `ch${n}n`);
    const unitNote = units.length > 1 ? html` <span class="chart-units">单位不同：${units.join('、')}，见图例</span>` : '';
    return html`<figure class="chart">
<figcaption><span class="chart-title">${spec.title}</span> <span class="scope">${spec.scope}</span>${unitNote}</figcaption>
<div class="chart-wide">${wide}</div>
<div class="chart-narrow">${narrow}</div>
</figure>`;
  }

  private legendNames(spec: ChartSpec): string[] {
    const seriesUnits = new Set(spec.series.map((s) => s.unit ?? spec.unit ?? ''));
    return spec.series.map((s) => (seriesUnits.size > 1 ? `${s.name}（${s.unit ?? spec.unit ?? ''}）` : s.name));
  }

  private svg(
    spec: ChartSpec,
    type: 'bar' | 'line',
    units: readonly string[],
    size: { width: number; height: number; horizontal: boolean; narrow: boolean },
    prefix: string,
  ): Html {
    const { width, height, horizontal, narrow } = size;
    const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
    const axisLabel = { interval: narrow && !horizontal && spec.categories.length > 6 ? ('auto' as const) : 0, fontSize: fontSize.axis, hideOverlap: narrow };
    const categoryAxis = { type: 'category' as const, data: categoryLabels(spec), axisTick: { alignWithLabel: true }, axisLabel };
    const axisName = units.join(' / ');
    const valueAxis = {
      type: 'value' as const,
      minInterval: 1,
      splitLine: { lineStyle: { color: '#e3e6ea' } },
      axisLabel: { fontSize: fontSize.axis, hideOverlap: true },
      name: axisName ? `单位：${axisName}` : undefined,
      nameLocation: horizontal ? ('middle' as const) : ('end' as const),
      nameGap: horizontal ? 24 : 10,
      nameTextStyle: { fontSize: fontSize.axisName, color: '#54555a', align: horizontal ? ('center' as const) : ('left' as const) },
    };
    const names = this.legendNames(spec);
    const legendTop = legendRows(names, width) * 22 + 14;
    try {
      chart.setOption({
        animation: false,
        color: palette,
        textStyle: { fontFamily: chartFontFamily, fontSize: fontSize.axis, color: '#333' },
        legend: { top: 0, left: 'center', itemWidth: 14, itemHeight: 10, textStyle: { fontFamily: chartFontFamily, fontSize: fontSize.legend } },
        grid: { left: 8, right: horizontal ? 40 : 16, top: legendTop + (horizontal ? 0 : 18), bottom: 8, outerBoundsMode: 'same', outerBoundsContain: 'all' },
        xAxis: horizontal ? valueAxis : categoryAxis,
        yAxis: horizontal ? { ...categoryAxis, inverse: true } : valueAxis,
        series: spec.series.map((s, i) => ({
          type,
          name: names[i],
          data: [...s.values],
          stack: s.stack,
          barMaxWidth: 28,
          symbolSize: 6,
          label: spec.labels ? { show: true, position: horizontal ? 'right' : 'top', fontSize: fontSize.label, fontFamily: chartFontFamily } : undefined,
        })),
      });
      const svg = renumber(chart.renderToSVGString(), prefix);
      const label = `${spec.title}（${spec.scope}）`;
      return trusted(svg.replace(/^<svg /, `<svg role="img" aria-label="${label.replace(/[&<>"']/g, '')}" style="max-width:${width}px" `));
    } finally {
      chart.dispose();
    }
  }
}

/** Replaces ECharts' process-wide ids (`zr3-cls-17`, `zr3-c2`) by `prefix-0`, `prefix-1`… in order of appearance. */
function renumber(svg: string, prefix: string): string {
  const ids = new Map<string, string>();
  return svg.replace(/zr\d+-[A-Za-z]*-?\d+/g, (id) => {
    let mapped = ids.get(id);
    if (mapped === undefined) {
      mapped = `${prefix}-${ids.size}`;
      ids.set(id, mapped);
    }
    return mapped;
  });
}
