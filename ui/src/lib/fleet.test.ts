import { describe, expect, it } from 'vitest';
import { buildItems, defaultQuery, matches, mergeFrame, sortRows, visibleRange } from './fleet';
import { FleetStore } from './stores/fleet.svelte';
import { row } from '../test/rows';
import type { ServerRow } from './bindings/ServerRow';

describe('mergeFrame', () => {
  it('adds, replaces and removes rows by id', () => {
    const map = new Map<string, ServerRow>();
    mergeFrame(map, { rows: [row({ id: 'a/1', name: 'A' }), row({ id: 'a/2', name: 'B' })], removed: [] });
    expect(map.size).toBe(2);
    mergeFrame(map, { rows: [row({ id: 'a/1', name: 'A2', cpu_percent: 55 })], removed: ['a/2'] });
    expect([...map.keys()]).toEqual(['a/1']);
    expect(map.get('a/1')?.cpu_percent).toBe(55);
  });

  it('reports no change for an empty frame or unknown removals', () => {
    const map = new Map<string, ServerRow>();
    expect(mergeFrame(map, { rows: [], removed: ['nope'] })).toBe(false);
  });
});

describe('filtering', () => {
  const rows = [
    row({ id: 'p/1', name: 'Survival', state: 'running', node: 'fra-1' }),
    row({ id: 'p/2', name: 'Creative', state: 'offline', node: 'fra-2' }),
    row({ id: 'q/3', name: 'Lobby', state: 'starting', node: 'ams-1', panel_name: 'Host' }),
    row({ id: 'q/4', name: 'Skyblock', state: 'running', connection: { state: 'reconnecting', attempt: 2, delay_ms: 1000 } }),
  ];
  const names = (q: Partial<ReturnType<typeof defaultQuery>>) => rows.filter((r) => matches(r, { ...defaultQuery(), ...q })).map((r) => r.name);

  it('searches name, identifier, node and panel, case-insensitively', () => {
    expect(names({ text: 'sURV' })).toEqual(['Survival']);
    expect(names({ text: 'ams' })).toEqual(['Lobby']);
    expect(names({ text: 'host' })).toEqual(['Lobby']);
    expect(names({ text: 'fra-2' })).toEqual(['Creative']);
  });

  it('filters by status, panel and node', () => {
    expect(names({ status: 'running' })).toEqual(['Survival', 'Skyblock']);
    expect(names({ status: 'offline' })).toEqual(['Creative']);
    expect(names({ status: 'transition' })).toEqual(['Lobby']);
    expect(names({ status: 'problem' })).toEqual(['Skyblock']);
    expect(names({ panel: 'q' })).toEqual(['Lobby', 'Skyblock']);
    expect(names({ node: 'fra-2' })).toEqual(['Creative']);
  });
});

describe('sorting and grouping', () => {
  const rows = [
    row({ id: 'p/1', name: 'Server 10', cpu_percent: 5, node: 'b' }),
    row({ id: 'p/2', name: 'Server 2', cpu_percent: 50, node: 'a' }),
    row({ id: 'p/3', name: 'Server 1', cpu_percent: 50, node: 'b' }),
  ];

  it('sorts names naturally and breaks ties by name', () => {
    expect(sortRows(rows, 'name', false).map((r) => r.name)).toEqual(['Server 1', 'Server 2', 'Server 10']);
    expect(sortRows(rows, 'cpu', true).map((r) => r.name)).toEqual(['Server 1', 'Server 2', 'Server 10']);
    expect(sortRows(rows, 'cpu', false).map((r) => r.name)).toEqual(['Server 10', 'Server 1', 'Server 2']);
  });

  it('groups into headers followed by their rows', () => {
    const items = buildItems(rows, { ...defaultQuery(), group: 'node' });
    expect(items.map((i) => (i.kind === 'group' ? `[${i.label}:${i.count}]` : i.row.name))).toEqual([
      '[a · Home:1]',
      'Server 2',
      '[b · Home:2]',
      'Server 1',
      'Server 10',
    ]);
  });
});

describe('visibleRange', () => {
  it('renders only the rows in view plus overscan', () => {
    expect(visibleRange(0, 400, 40, 1000, 5)).toEqual({ start: 0, end: 15 });
    expect(visibleRange(4000, 400, 40, 1000, 5)).toEqual({ start: 95, end: 115 });
    expect(visibleRange(39_800, 400, 40, 1000, 5)).toEqual({ start: 990, end: 1000 });
  });
});

describe('FleetStore', () => {
  it('batches frames until the scheduled flush, then bumps version once', () => {
    const pending: (() => void)[] = [];
    const store = new FleetStore((cb) => pending.push(cb));
    store.push({ rows: [row({ id: 'a/1' })], removed: [] });
    store.push({ rows: [row({ id: 'a/2' })], removed: [] });
    store.push({ rows: [row({ id: 'a/1', cpu_percent: 99 })], removed: [] });
    expect(pending).toHaveLength(1);
    expect(store.rows.size).toBe(0);
    pending[0]();
    expect(store.version).toBe(1);
    expect(store.loaded).toBe(true);
    expect(store.all()).toHaveLength(2);
    expect(store.get('a/1')?.cpu_percent).toBe(99);
  });

  it('handles 1,000 rows and a full frame quickly', () => {
    const store = new FleetStore((cb) => cb());
    const rows = Array.from({ length: 1000 }, (_, i) => row({ id: `p/${i}`, name: `S ${i}`, cpu_percent: i % 97 }));
    const t = performance.now();
    store.push({ rows, removed: [] });
    const items = buildItems(store.all(), { ...defaultQuery(), sort: 'cpu', descending: true, group: 'node' });
    expect(items.filter((i) => i.kind === 'row')).toHaveLength(1000);
    expect(performance.now() - t).toBeLessThan(200);
  });
});
