import { afterEach, describe, expect, it, vi } from 'vitest';
vi.mock('$lib/ipc', () => import('../../test/fakeIpc'));
import { cleanup, render, screen } from '@testing-library/svelte';
import * as ipc from '$lib/ipc';
import ConnectionsView from './ConnectionsView.svelte';
import type { ConnectionRow } from '../bindings/ConnectionRow';

afterEach(() => cleanup());

const base = (over: Partial<ConnectionRow>): ConnectionRow => ({
  id: 'p/abcd1234',
  key: { panel: 'p', server: 'abcd1234' },
  server_name: 'Survival',
  panel_name: 'Home',
  node: 'fra-1',
  endpoint: 'wss://fra-1.example:8080/api/servers/abcd1234-0000/ws',
  state: { state: 'live' },
  health: 'green',
  latency_ms: 42,
  reconnects: 1,
  messages_per_s: 1.5,
  last_activity: Date.now() - 2000,
  token_expires_at: Date.now() + 5 * 60_000,
  connected_since: null,
  ...over,
});

describe('ConnectionsView', () => {
  it('shows each socket with endpoint, latency, reconnects, token expiry and a health colour, worst first', async () => {
    vi.mocked(ipc.listConnections).mockResolvedValue([
      base({}),
      base({ id: 'p/dead0001', server_name: 'Creative', health: 'red', state: { state: 'failed', reason: 'key revoked' }, latency_ms: null, endpoint: '' }),
    ]);
    render(ConnectionsView);
    const rows = await screen.findAllByTestId('connection-row');
    expect(rows).toHaveLength(2);
    expect(rows[0].textContent).toContain('Creative');
    expect(rows[0].querySelector('.dot.red')).not.toBeNull();
    expect(rows[1].textContent).toContain('wss://fra-1.example:8080/api/servers/abcd1234-0000/ws');
    expect(rows[1].textContent).toContain('42 ms');
    expect(rows[1].querySelector('.dot.green')).not.toBeNull();
    expect(rows[0].textContent).toContain('—');
  });
});
