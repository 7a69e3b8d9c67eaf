import { computeNiceTicks, createLinearScale, formatTick, type LinearScale } from './chart-scale.ts';
import { escapeHtml } from './html-escape.ts';
import { formatCoordinate as fc } from './svg-path.ts';

/** A tick an axis draws at `value`, labelled `label`. */
export interface AxisTick {
  readonly value: number;
  readonly label: string;
}

/** One axis of a chart. */
export interface AxisSpec {
  /** The axis title (what is measured, with its unit). */
  readonly label: string;
  readonly domain: readonly [number, number];
  /** Fixed ticks, e.g. for categories or rungs. @default about `tickCount` round values of the domain */
  readonly ticks?: readonly AxisTick[];
  /** @default 5 */
  readonly tickCount?: number;
}

/** How a legend entry is drawn. */
export type LegendMark = 'line' | 'dashed' | 'dot' | 'ring' | 'bar';

/** One entry of a chart's legend. */
export interface LegendEntry {
  readonly label: string;
  readonly color: string;
  /** @default 'line' */
  readonly mark?: LegendMark;
}

/** The plot area a chart's marks are drawn in: scales to pixels and the area's edges. */
export interface PlotArea {
  readonly x: LinearScale;
  readonly y: LinearScale;
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
}

/** Everything {@link renderChart} needs. */
export interface ChartSpec {
  /** Goes into `data-chart`; unique within a page. */
  readonly name: string;
  readonly title: string;
  /** What the chart shows, for screen readers (`aria-label`, `<desc>`). */
  readonly description: string;
  readonly x: AxisSpec;
  readonly y: AxisSpec;
  /** Draws the marks (paths, circles, rects) in SVG, given the plot area. */
  readonly marks: (plot: PlotArea) => string;
  readonly legend?: readonly LegendEntry[];
  /** Width of the whole chart in SVG units. @default 560 */
  readonly width?: number;
  /** Height of the plot area. @default 280 */
  readonly plotHeight?: number;
  /** Room for the y tick labels (long category names need more). @default 64 */
  readonly marginLeft?: number;
}

const MARGIN_TOP = 34;
const MARGIN_RIGHT = 18;
const MARGIN_BOTTOM = 46;
const LEGEND_ROW = 18;

/**
 * One chart as a self-contained `<svg>`: title, grid, both axes with ticks, tick labels and axis titles, the marks,
 * and a legend under the plot that wraps onto as many rows as it needs. It carries `data-chart`, `role="img"`, an
 * `aria-label`, `<title>` and `<desc>`; `viewBox` lets the page scale it.
 */
export function renderChart(spec: ChartSpec): string {
  const width = spec.width ?? 560;
  const plotHeight = spec.plotHeight ?? 280;
  const left = spec.marginLeft ?? 64;
  const top = MARGIN_TOP;
  const right = width - MARGIN_RIGHT;
  const bottom = top + plotHeight;
  const plot: PlotArea = {
    x: createLinearScale(spec.x.domain, [left, right]),
    y: createLinearScale(spec.y.domain, [bottom, top]),
    left,
    right,
    top,
    bottom,
  };
  const legend = layoutLegend(spec.legend ?? [], width, bottom + MARGIN_BOTTOM);
  const height = bottom + MARGIN_BOTTOM + legend.height + 6;
  const xTicks = resolveTicks(spec.x);
  const yTicks = resolveTicks(spec.y);
  const label = `${spec.title}. ${spec.description}`;
  const grid = [
    ...xTicks.map((t) => `<line x1="${fc(plot.x(t.value))}" x2="${fc(plot.x(t.value))}" y1="${top}" y2="${bottom}"/>`),
    ...yTicks.map((t) => `<line x1="${left}" x2="${right}" y1="${fc(plot.y(t.value))}" y2="${fc(plot.y(t.value))}"/>`),
  ].join('');
  const xAxis = xTicks
    .map((t) => {
      const x = fc(plot.x(t.value));
      return `<line x1="${x}" x2="${x}" y1="${bottom}" y2="${bottom + 5}"/><text x="${x}" y="${bottom + 17}" text-anchor="middle">${escapeHtml(t.label)}</text>`;
    })
    .join('');
  const yAxis = yTicks
    .map((t) => {
      const y = fc(plot.y(t.value));
      return `<line x1="${left - 5}" x2="${left}" y1="${y}" y2="${y}"/><text x="${left - 8}" y="${y}" dy="0.32em" text-anchor="end">${escapeHtml(t.label)}</text>`;
    })
    .join('');
  return [
    `<svg class="chart" data-chart="${escapeHtml(spec.name)}" viewBox="0 0 ${width} ${fc(height)}" width="${width}" height="${fc(height)}" role="img" aria-label="${escapeHtml(label)}">`,
    `<title>${escapeHtml(spec.title)}</title><desc>${escapeHtml(spec.description)}</desc>`,
    `<text class="chart-title" x="10" y="20">${escapeHtml(spec.title)}</text>`,
    `<g class="grid">${grid}</g>`,
    `<g class="marks">${spec.marks(plot)}</g>`,
    `<g class="axis x-axis"><line x1="${left}" x2="${right}" y1="${bottom}" y2="${bottom}"/>${xAxis}`,
    `<text class="axis-label" x="${fc((left + right) / 2)}" y="${bottom + 38}" text-anchor="middle">${escapeHtml(spec.x.label)}</text></g>`,
    `<g class="axis y-axis"><line x1="${left}" x2="${left}" y1="${top}" y2="${bottom}"/>${yAxis}`,
    `<text class="axis-label" transform="translate(14 ${fc((top + bottom) / 2)}) rotate(-90)" text-anchor="middle">${escapeHtml(spec.y.label)}</text></g>`,
    legend.svg,
    '</svg>',
  ].join('');
}

/** The ticks of an axis: the given ones inside the domain, else round values. */
function resolveTicks(axis: AxisSpec): AxisTick[] {
  const [low, high] = axis.domain[0] <= axis.domain[1] ? axis.domain : [axis.domain[1], axis.domain[0]];
  if (axis.ticks !== undefined) return axis.ticks.filter((t) => t.value >= low - 1e-9 && t.value <= high + 1e-9);
  const values = computeNiceTicks(low, high, axis.tickCount ?? 5);
  return values.map((value) => ({ value, label: formatTick(value, values) }));
}

/** Legend entries laid out left to right, wrapping at the chart's width; about 6.6 units per character. */
function layoutLegend(entries: readonly LegendEntry[], width: number, top: number): { svg: string; height: number } {
  if (entries.length === 0) return { svg: '', height: 0 };
  const items: string[] = [];
  let x = 12;
  let row = 0;
  for (const entry of entries) {
    const itemWidth = 30 + entry.label.length * 6.6;
    if (x + itemWidth > width - 8 && x > 12) {
      row++;
      x = 12;
    }
    const y = top + row * LEGEND_ROW + LEGEND_ROW / 2;
    items.push(`<g class="legend-item">${legendSwatch(entry, x, y)}<text x="${fc(x + 24)}" y="${fc(y)}" dy="0.32em">${escapeHtml(entry.label)}</text></g>`);
    x += itemWidth + 10;
  }
  return { svg: `<g class="legend">${items.join('')}</g>`, height: (row + 1) * LEGEND_ROW };
}

function legendSwatch(entry: LegendEntry, x: number, y: number): string {
  const color = escapeHtml(entry.color);
  switch (entry.mark ?? 'line') {
    case 'dot':
      return `<circle cx="${fc(x + 9)}" cy="${fc(y)}" r="4.5" fill="${color}"/>`;
    case 'ring':
      return `<circle cx="${fc(x + 9)}" cy="${fc(y)}" r="4.5" fill="#fff" stroke="${color}" stroke-width="2"/>`;
    case 'bar':
      return `<rect x="${fc(x + 2)}" y="${fc(y - 5)}" width="14" height="10" fill="${color}"/>`;
    case 'dashed':
      return `<line x1="${fc(x)}" x2="${fc(x + 18)}" y1="${fc(y)}" y2="${fc(y)}" stroke="${color}" stroke-width="2.5" stroke-dasharray="5 3"/>`;
    case 'line':
      return `<line x1="${fc(x)}" x2="${fc(x + 18)}" y1="${fc(y)}" y2="${fc(y)}" stroke="${color}" stroke-width="2.5"/>`;
  }
}
