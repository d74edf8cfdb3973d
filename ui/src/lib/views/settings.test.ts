import { afterEach, describe, expect, it, vi } from 'vitest';
vi.mock('$lib/ipc', () => import('../../test/fakeIpc'));
import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import * as ipc from '$lib/ipc';
import SettingsView from './SettingsView.svelte';
import type { Settings } from '../bindings/Settings';

afterEach(() => cleanup());

const settings: Settings = {
  theme: 'dark',
  notifications: true,
  start_at_login: false,
  close_to_tray: true,
  retention_days: 30,
  quiet_hours: { enabled: false, start: '22:00', end: '07:00' },
  alerts: { crash: true, crash_loop_count: 3, crash_loop_window_s: 600, stuck_starting_s: 300, unexpected_offline: true, node_down: true, cpu_percent: 90, memory_percent: 90, disk_percent: 95, threshold_duration_s: 120, silent_console_s: 0, reminder_s: 1800 },
};

describe('SettingsView alert sinks', () => {
  it('"Send test" shows what each webhook sink did, with the reason when one failed', async () => {
    vi.mocked(ipc.getSettings).mockResolvedValue(settings);
    vi.mocked(ipc.sendTestAlert).mockResolvedValueOnce([
      { sink: 'Ops', kind: 'discord', delivered: true, error: null },
      { sink: 'Phone', kind: 'ntfy', delivered: false, error: 'the receiver refused it (HTTP 404)' },
    ]);
    render(SettingsView);
    await fireEvent.click(await screen.findByTestId('sinks-send-test'));
    const rows = await screen.findAllByTestId('sink-result');
    expect(ipc.sendTestAlert).toHaveBeenCalledTimes(1);
    expect(rows.map((r) => r.textContent?.replace(/\s+/g, ' ').trim())).toEqual([
      'Ops discord delivered',
      'Phone ntfy failed: the receiver refused it (HTTP 404)',
    ]);
  });

  it('says how to add a sink when there is none', async () => {
    vi.mocked(ipc.getSettings).mockResolvedValue(settings);
    vi.mocked(ipc.sendTestAlert).mockResolvedValueOnce([]);
    render(SettingsView);
    await fireEvent.click(await screen.findByTestId('sinks-send-test'));
    expect((await screen.findByTestId('sinks-none')).textContent).toContain('aerie alerts sinks add');
  });
});
