import type { ServerRow } from '../lib/bindings/ServerRow';

/** A server row with sensible defaults for tests. */
export function row(over: Partial<ServerRow> & { id?: string } = {}): ServerRow {
  const id = over.id ?? 'p1/abcd1234';
  const [panel, server] = id.split('/');
  return {
    id,
    key: { panel, server },
    name: 'Survival',
    panel_name: 'Home',
    node: 'node-1',
    state: 'running',
    panel_status: null,
    cpu_percent: 10,
    cpu_limit_percent: 100,
    memory_bytes: 512 * 1024 * 1024,
    memory_limit_bytes: 2048 * 1024 * 1024,
    disk_bytes: 1024 * 1024 * 1024,
    disk_limit_bytes: 10 * 1024 * 1024 * 1024,
    rx_bps: 1000,
    tx_bps: 2000,
    uptime_ms: 60_000,
    connection: { state: 'live' },
    health: 'green',
    permissions: ['*'],
    active_alerts: 0,
    muted: false,
    updated_at: 0,
    ...over,
  };
}
