/**
 * Line charts as plain SVG (no chart library: a few hundred bytes of code instead of tens of
 * kilobytes in the bundle). Colours come from the VS Code theme's chart variables, with neutral
 * fallbacks in a browser tab; every point has a <title> for its value.
 */
const SVG = 'http://www.w3.org/2000/svg';

export interface Series {
  name: string;
  /** CSS colour, e.g. `var(--vscode-charts-green, #388a34)`. */
  color: string;
  /** One value per label; null where there is none. */
  values: (number | null)[];
}

export interface LineChartOptions {
  labels: string[];
  series: Series[];
  /** Top of the y axis; default the largest value. */
  yMax?: number;
  /** Formats axis and point values. */
  format: (value: number) => string;
  /** Accessible name of the chart. */
  title: string;
}

function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number>,
): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) element.setAttribute(key, String(value));
  return element;
}

const WIDTH = 560;
const HEIGHT = 180;
const PAD = { left: 52, right: 12, top: 12, bottom: 28 };

export function lineChart(options: LineChartOptions): SVGSVGElement {
  const { labels, series } = options;
  const root = svg('svg', {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    class: 'chart',
    role: 'img',
    'aria-label': options.title,
    preserveAspectRatio: 'xMidYMid meet',
  });
  const values = series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  const yMax = Math.max(options.yMax ?? 0, ...values, 1);
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const x = (i: number) => PAD.left + (labels.length <= 1 ? plotW / 2 : (i * plotW) / (labels.length - 1));
  const y = (v: number) => PAD.top + plotH - (v / yMax) * plotH;

  for (const fraction of [0, 0.5, 1]) {
    const value = yMax * fraction;
    root.append(
      svg('line', { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(value), y2: y(value), class: 'chart-grid' }),
      Object.assign(svg('text', { x: PAD.left - 6, y: y(value) + 4, 'text-anchor': 'end', class: 'chart-axis' }), {
        textContent: options.format(value),
      }),
    );
  }
  // At most about eight date labels, evenly spread.
  const step = Math.max(1, Math.ceil(labels.length / 8));
  labels.forEach((label, i) => {
    if (i % step !== 0 && i !== labels.length - 1) return;
    const text = svg('text', { x: x(i), y: HEIGHT - 8, 'text-anchor': 'middle', class: 'chart-axis' });
    text.textContent = label.length === 10 ? label.slice(5) : label;
    root.append(text);
  });
  for (const s of series) {
    let path = '';
    s.values.forEach((v, i) => {
      if (v === null) return;
      path += `${path && s.values[i - 1] !== null ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
    });
    if (path) root.append(svg('path', { d: path, class: 'chart-line', stroke: s.color, 'data-series': s.name }));
    s.values.forEach((v, i) => {
      if (v === null) return;
      const dot = svg('circle', { cx: x(i), cy: y(v), r: 3, fill: s.color, class: 'chart-dot' });
      const title = svg('title', {});
      title.textContent = `${s.name} ${labels[i]}: ${options.format(v)}`;
      dot.append(title);
      root.append(dot);
    });
  }
  return root;
}

/** A legend for the series of a chart. */
export function legend(series: Series[]): HTMLElement {
  const list = document.createElement('div');
  list.className = 'chart-legend';
  for (const s of series) {
    const item = document.createElement('span');
    const swatch = document.createElement('span');
    swatch.className = 'chart-swatch';
    swatch.style.background = s.color;
    item.append(swatch, s.name);
    list.append(item);
  }
  return list;
}
