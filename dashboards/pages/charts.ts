import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import { html, trusted, type Html } from './html.js';

echarts.use([BarChart, LineChart, GridComponent, LegendComponent, SVGRenderer]);

/** The system font stack (single quotes: ECharts writes it into a double-quoted style attribute). */
export const chartFontFamily = "'PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC', sans-serif";

/** Colours that stay apart on a projector and in greyscale print. */
const palette = ['#c0392b', '#2f6db5', '#e39b2d', '#3c9a5f', '#7b5aa6', '#6b7785', '#d46a9f', '#1b9aaa'];

/** One series of a chart. */
export interface Series {
  readonly name: string;
  readonly values: readonly (number | null)[];
  /** Series with the same stack are drawn on top of each other (bar charts). */
  readonly stack?: string;
}

/** What a chart shows. Labels come from the registry and the form definitions, not from submissions. */
export interface ChartSpec {
  /** Shown above the chart, as page text. */
  readonly title: string;
  /** Period and units the chart covers: `2024年1—12月 · 22 个镇街`. */
  readonly scope: string;
  readonly categories: readonly string[];
  readonly series: readonly Series[];
  readonly width?: number;
  readonly height?: number;
  /** Bars run left to right with the categories down the side (long lists of units). */
  readonly horizontal?: boolean;
  /** Write each value on its bar or point. */
  readonly labels?: boolean;
}

/**
 * Renders charts to SVG at build time with ECharts' server-side renderer, so pages show them
 * without JavaScript and print them sharp. Each page uses its own renderer: ECharts numbers its
 * CSS classes and ids across the whole process, so they are renumbered per chart to keep the
 * output byte-for-byte the same for the same documents and unique within the page.
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
    const width = spec.width ?? 720;
    const height = spec.height ?? 320;
    const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
    const categoryAxis = { type: 'category' as const, data: [...spec.categories], axisTick: { alignWithLabel: true }, axisLabel: { interval: 0, fontSize: 12 } };
    const valueAxis = { type: 'value' as const, minInterval: 1, splitLine: { lineStyle: { color: '#e3e6ea' } } };
    try {
      chart.setOption({
        animation: false,
        color: palette,
        textStyle: { fontFamily: chartFontFamily, fontSize: 12, color: '#333' },
        legend: { top: 0, left: 'center', itemWidth: 14, itemHeight: 10, textStyle: { fontFamily: chartFontFamily, fontSize: 13 } },
        grid: { left: 8, right: spec.horizontal ? 40 : 16, top: 36, bottom: 8, outerBoundsMode: 'same', outerBoundsContain: 'axisLabel' },
        xAxis: spec.horizontal ? valueAxis : categoryAxis,
        yAxis: spec.horizontal ? { ...categoryAxis, inverse: true } : valueAxis,
        series: spec.series.map((s) => ({
          type,
          name: s.name,
          data: [...s.values],
          stack: s.stack,
          barMaxWidth: 28,
          symbolSize: 6,
          label: spec.labels ? { show: true, position: spec.horizontal ? 'right' : 'top', fontSize: 11, fontFamily: chartFontFamily } : undefined,
        })),
      });
      const svg = renumber(chart.renderToSVGString(), `ch${++this.count}`);
      const label = `${spec.title}（${spec.scope}）`;
      return html`<figure class="chart">
<figcaption><span class="chart-title">${spec.title}</span> <span class="scope">${spec.scope}</span></figcaption>
${trusted(svg.replace(/^<svg /, `<svg role="img" aria-label="${label.replace(/[&<>"']/g, '')}" style="max-width:${width}px" `))}
</figure>`;
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
