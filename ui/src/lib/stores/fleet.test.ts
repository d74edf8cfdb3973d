import { beforeEach, describe, expect, it, vi } from 'vitest';
vi.mock('$lib/ipc', () => import('../../test/fakeIpc'));
import * as ipc from '$lib/ipc';
import * as fake from '../../test/fakeIpc';
import { FleetStore } from './fleet.svelte';
import { row } from '../../test/rows';

describe('FleetStore subscription', () => {
  beforeEach(() => vi.clearAllMocks());
  it('merges frames from the channel once per scheduled flush', async () => {
    const pending: (() => void)[] = [];
    const store = new FleetStore((cb) => pending.push(cb));
    await store.connect();
    fake.channels.fleet!({ rows: [row({ id: 'a/1' }), row({ id: 'a/2' })], removed: [] });
    fake.channels.fleet!({ rows: [], removed: ['a/2'] });
    expect(pending).toHaveLength(1);
    pending[0]();
    expect(store.all().map((r) => r.id)).toEqual(['a/1']);
  });

  it('reports a failed subscription with the shell message and can retry', async () => {
    vi.mocked(ipc.subscribeFleet).mockRejectedValueOnce({ kind: 'not_available', message: 'The fleet is not available yet.' });
    const store = new FleetStore((cb) => cb());
    await store.connect();
    expect(store.error).toBe('The fleet is not available yet.');
    await store.connect();
    expect(store.error).toBeNull();
    expect(ipc.subscribeFleet).toHaveBeenCalledTimes(2);
  });
});
