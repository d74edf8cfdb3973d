/** Hover read-outs for charts drawn in Rust: map a pointer x to the nearest data point. */
import type { ChartPoint } from './bindings/ChartPoint';
import type { ChartRender } from './bindings/ChartRender';
import { formatBytes, formatRate } from './format';

/** The point nearest to pointer `x` (SVG pixels), or null when outside the plot or no data. */
export function nearestPoint(chart: ChartRender, x: number): ChartPoint | null {
  const { left, width } = chart.plot;
  if (chart.points.length === 0 || x < left || x > left + width) return null;
  const at = chart.from + ((x - left) / width) * (chart.to - chart.from);
  let lo = 0;
  let hi = chart.points.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (chart.points[mid].at < at) lo = mid + 1;
    else hi = mid;
  }
  const a = chart.points[Math.max(0, lo - 1)];
  const b = chart.points[lo];
  return Math.abs(a.at - at) <= Math.abs(b.at - at) ? a : b;
}

/** The x (SVG pixels) of a point's time. */
export function xOf(chart: ChartRender, at: number): number {
  return chart.plot.left + ((at - chart.from) / (chart.to - chart.from || 1)) * chart.plot.width;
}

export function formatValue(unit: string, v: number | null): string {
  if (v === null) return 'no data';
  switch (unit) {
    case 'percent':
      return `${v.toFixed(1)} %`;
    case 'bytes':
      return formatBytes(v);
    case 'bytes_per_s':
      return formatRate(v);
    default:
      return String(Math.round(v * 100) / 100);
  }
}
