import { describe, expect, it } from 'vitest';
import { formatBytes, formatUptime, statLevel } from './format';
import { formatValue, nearestPoint } from './chart';
import type { ChartRender } from './bindings/ChartRender';

describe('statLevel (stat block colours)', () => {
  it('is yellow above 80 % and red above 90 % of the limit', () => {
    expect(statLevel(80, 100)).toBe('normal');
    expect(statLevel(80.1, 100)).toBe('warn');
    expect(statLevel(90, 100)).toBe('warn');
    expect(statLevel(90.1, 100)).toBe('danger');
    expect(statLevel(1900, 2000)).toBe('danger');
  });

  it('never colours unlimited (0) limits', () => {
    expect(statLevel(10_000, 0)).toBe('normal');
  });
});

describe('formatting', () => {
  it('formats bytes and uptime', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(2 * 1024 ** 3)).toBe('2.0 GiB');
    expect(formatUptime(0)).toBe('—');
    expect(formatUptime(65_000)).toBe('1m 05s');
    expect(formatUptime(90_061_000)).toBe('1d 1h');
  });
});

describe('chart hover read-outs', () => {
  const chart: ChartRender = {
    svg: '<svg/>',
    series: ['CPU'],
    unit: 'percent',
    plot: { left: 50, top: 10, width: 100, height: 100 },
    from: 0,
    to: 1000,
    points: [0, 250, 500, 750, 1000].map((at) => ({ at, values: [at / 10] })),
    limit: null,
  };
  it('maps the pointer to the nearest point inside the plot only', () => {
    expect(nearestPoint(chart, 40)).toBeNull();
    expect(nearestPoint(chart, 50)?.at).toBe(0);
    expect(nearestPoint(chart, 76)?.at).toBe(250);
    expect(nearestPoint(chart, 150)?.at).toBe(1000);
    expect(formatValue('percent', 12.345)).toBe('12.3 %');
    expect(formatValue('bytes_per_s', 2048)).toBe('2.0 KiB/s');
    expect(formatValue('bytes', null)).toBe('no data');
  });
});
