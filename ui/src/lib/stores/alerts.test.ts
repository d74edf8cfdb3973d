import { beforeEach, describe, expect, it, vi } from 'vitest';
vi.mock('$lib/ipc', () => import('../../test/fakeIpc'));
import * as ipc from '$lib/ipc';
import * as fake from '../../test/fakeIpc';
import { AlertsStore } from './alerts.svelte';
import type { AlertRecord } from '../bindings/AlertRecord';

const alert = (id: string, over: Partial<AlertRecord> = {}): AlertRecord => ({
  id,
  key: { panel: 'p', server: 's1' },
  server_name: 'Survival',
  rule: 'crash',
  severity: 'critical',
  title: 'Crashed',
  detail: 'Exit code 1',
  started_at: 0,
  resolved_at: null,
  acknowledged: false,
  ...over,
});

describe('AlertsStore', () => {
  let store: AlertsStore;
  beforeEach(async () => {
    vi.clearAllMocks();
    store = new AlertsStore();
    await store.connect();
    fake.channels.alerts!({ active: [alert('a'), alert('b')], snoozed_until: null, muted: [] });
  });

  it('takes the state pushed on the channel', () => {
    expect(store.active.map((a) => a.id)).toEqual(['a', 'b']);
    expect(store.unacknowledged).toBe(2);
  });

  it('acknowledges through ipc and counts it at once', async () => {
    await store.ack('a');
    expect(ipc.ackAlert).toHaveBeenCalledWith('a');
    expect(store.active.find((a) => a.id === 'a')?.acknowledged).toBe(true);
    expect(store.unacknowledged).toBe(1);
  });

  it('reverts an acknowledgement the shell refused, with its message', async () => {
    vi.mocked(ipc.ackAlert).mockRejectedValueOnce({ kind: 'not_found', message: 'That alert is gone.' });
    await store.ack('a');
    expect(store.active.find((a) => a.id === 'a')?.acknowledged).toBe(false);
    expect(store.error).toBe('That alert is gone.');
  });

  it('mutes and unmutes a server', async () => {
    await store.setMuted({ panel: 'p', server: 's1' }, true);
    expect(ipc.muteServer).toHaveBeenCalledWith({ panel: 'p', server: 's1' }, true);
    expect(store.isMuted({ panel: 'p', server: 's1' })).toBe(true);
    await store.setMuted({ panel: 'p', server: 's1' }, false);
    expect(store.isMuted({ panel: 'p', server: 's1' })).toBe(false);
  });

  it('snoozes all and resumes', async () => {
    vi.mocked(ipc.snoozeAll).mockResolvedValueOnce(123_456);
    await store.snooze(60);
    expect(ipc.snoozeAll).toHaveBeenCalledWith(60);
    expect(store.snoozedUntil).toBe(123_456);
    vi.mocked(ipc.snoozeAll).mockResolvedValueOnce(null);
    await store.snooze(0);
    expect(store.snoozedUntil).toBeNull();
  });
});
