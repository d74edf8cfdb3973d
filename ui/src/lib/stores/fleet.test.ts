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

  it('applies at most every MIN_APPLY_MS: a frame soon after an apply waits for the rest of the interval', async () => {
    const pending: (() => void)[] = [];
    const timers: { cb: () => void; ms: number }[] = [];
    let t = 1000;
    const store = new FleetStore((cb) => pending.push(cb), 200, () => t, (cb, ms) => timers.push({ cb, ms }));
    await store.connect();
    fake.channels.fleet!({ rows: [row({ id: 'a/1' })], removed: [] });
    expect(pending).toHaveLength(1);
    pending.shift()!();
    const v = store.version;
    t += 50;
    fake.channels.fleet!({ rows: [row({ id: 'a/2' })], removed: [] });
    fake.channels.fleet!({ rows: [row({ id: 'a/3' })], removed: [] });
    expect(pending).toHaveLength(0);
    expect(timers).toEqual([{ cb: expect.any(Function), ms: 150 }]);
    timers[0].cb();
    pending.shift()!();
    expect(store.version).toBe(v + 1);
    expect(store.all().map((r) => r.id).sort()).toEqual(['a/1', 'a/2', 'a/3']);
  });
});
