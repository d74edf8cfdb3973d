/** Pure fleet-list logic: merging frames, filtering, sorting and grouping rows. */
import type { FleetFrame } from './bindings/FleetFrame';
import type { ServerRow } from './bindings/ServerRow';

export type StatusFilter = 'all' | 'running' | 'offline' | 'transition' | 'problem';
export type SortKey = 'name' | 'status' | 'cpu' | 'memory' | 'disk' | 'network' | 'uptime' | 'health';
export type GroupBy = 'none' | 'panel' | 'node' | 'status';

export interface FleetQuery {
  text: string;
  status: StatusFilter;
  panel: string | null;
  node: string | null;
  sort: SortKey;
  descending: boolean;
  group: GroupBy;
}

export const defaultQuery = (): FleetQuery => ({
  text: '',
  status: 'all',
  panel: null,
  node: null,
  sort: 'name',
  descending: false,
  group: 'none',
});

export type FleetItem =
  | { kind: 'group'; id: string; label: string; count: number }
  | { kind: 'row'; id: string; row: ServerRow };

/** Apply one frame to the row map in place; returns whether anything changed. */
export function mergeFrame(rows: Map<string, ServerRow>, frame: FleetFrame): boolean {
  let changed = false;
  for (const id of frame.removed) changed = rows.delete(id) || changed;
  for (const row of frame.rows) {
    rows.set(row.id, row);
    changed = true;
  }
  return changed;
}

/** A server needs attention: alerts, red health, or a link that is not live. */
export function isProblem(row: ServerRow): boolean {
  return row.active_alerts > 0 || row.health === 'red' || row.connection.state !== 'live';
}

export function statusLabel(row: ServerRow): string {
  if (row.panel_status) return row.panel_status[0].toUpperCase() + row.panel_status.slice(1);
  if (row.connection.state === 'failed') return 'Unreachable';
  if (row.connection.state === 'untrusted') return 'Certificate not trusted';
  if (row.state === null) return 'Connecting';
  return row.state[0].toUpperCase() + row.state.slice(1);
}

export function matches(row: ServerRow, q: FleetQuery): boolean {
  if (q.panel !== null && row.key.panel !== q.panel) return false;
  if (q.node !== null && row.node !== q.node) return false;
  switch (q.status) {
    case 'running':
      if (row.state !== 'running') return false;
      break;
    case 'offline':
      if (row.state !== 'offline') return false;
      break;
    case 'transition':
      if (row.state !== 'starting' && row.state !== 'stopping') return false;
      break;
    case 'problem':
      if (!isProblem(row)) return false;
      break;
    case 'all':
      break;
  }
  const t = q.text.trim().toLowerCase();
  if (t === '') return true;
  return (
    row.name.toLowerCase().includes(t) ||
    row.key.server.toLowerCase().includes(t) ||
    row.node.toLowerCase().includes(t) ||
    row.panel_name.toLowerCase().includes(t)
  );
}

const STATE_ORDER: Record<string, number> = { running: 0, starting: 1, stopping: 2, offline: 3, null: 4 };
const HEALTH_ORDER = { red: 0, yellow: 1, green: 2 } as const;
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/**
 * Every name seen, ranked in collation order. The fleet re-sorts 1,000 rows several times a
 * second; `Intl.Collator.compare` is slow enough in WebKit for that to cost frames, so names are
 * collated once (when a new one appears) and rows then compare by rank.
 */
let nameRank = new Map<string, number>();

function rankNames(rows: readonly ServerRow[]): void {
  if (rows.every((r) => nameRank.has(r.name))) return;
  const names = [...new Set([...nameRank.keys(), ...rows.map((r) => r.name)])].sort(collator.compare);
  nameRank = new Map(names.map((n, i) => [n, i]));
}

const byName = (a: ServerRow, b: ServerRow): number => (nameRank.get(a.name) ?? 0) - (nameRank.get(b.name) ?? 0);

function compare(a: ServerRow, b: ServerRow, key: SortKey): number {
  switch (key) {
    case 'name':
      return byName(a, b);
    case 'status':
      return STATE_ORDER[String(a.state)] - STATE_ORDER[String(b.state)];
    case 'cpu':
      return a.cpu_percent - b.cpu_percent;
    case 'memory':
      return a.memory_bytes - b.memory_bytes;
    case 'disk':
      return a.disk_bytes - b.disk_bytes;
    case 'network':
      return a.rx_bps + a.tx_bps - (b.rx_bps + b.tx_bps);
    case 'uptime':
      return a.uptime_ms - b.uptime_ms;
    case 'health':
      return HEALTH_ORDER[a.health] - HEALTH_ORDER[b.health];
  }
}

/** Sort a copy; ties break by name then id, so the order is stable across frames. */
export function sortRows(rows: ServerRow[], key: SortKey, descending: boolean): ServerRow[] {
  const dir = descending ? -1 : 1;
  rankNames(rows);
  return [...rows].sort((a, b) => dir * compare(a, b, key) || byName(a, b) || (a.id < b.id ? -1 : 1));
}

function groupKey(row: ServerRow, by: GroupBy): string {
  switch (by) {
    case 'panel':
      return row.panel_name;
    case 'node':
      return `${row.node} · ${row.panel_name}`;
    case 'status':
      return statusLabel(row);
    case 'none':
      return '';
  }
}

/** Filter, sort and (optionally) group into the flat item list the virtual list renders. */
export function buildItems(all: Iterable<ServerRow>, q: FleetQuery): FleetItem[] {
  const rows = sortRows([...all].filter((r) => matches(r, q)), q.sort, q.descending);
  if (q.group === 'none') return rows.map((row) => ({ kind: 'row', id: row.id, row }));
  const groups = new Map<string, ServerRow[]>();
  for (const r of rows) {
    const k = groupKey(r, q.group);
    const g = groups.get(k);
    if (g) g.push(r);
    else groups.set(k, [r]);
  }
  const out: FleetItem[] = [];
  for (const k of [...groups.keys()].sort((a, b) => collator.compare(a, b))) {
    const g = groups.get(k)!;
    out.push({ kind: 'group', id: `group:${k}`, label: k, count: g.length });
    for (const row of g) out.push({ kind: 'row', id: row.id, row });
  }
  return out;
}

/** The slice of items to render for a scroll position (fixed row height, with overscan). */
export function visibleRange(scrollTop: number, viewport: number, rowHeight: number, total: number, overscan = 6): { start: number; end: number } {
  const start = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const end = Math.min(total, Math.ceil((scrollTop + viewport) / rowHeight) + overscan);
  return { start, end };
}
