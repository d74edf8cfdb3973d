import { afterEach, describe, expect, it, vi } from 'vitest';
vi.mock('$lib/ipc', () => import('./test/fakeIpc'));
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import * as ipc from '$lib/ipc';
import * as fake from './test/fakeIpc';
import { nav, toasts } from '$lib/stores/ui.svelte';
import { showInFolder } from '$lib/exports';
import App from './App.svelte';
import type { Settings } from '$lib/bindings/Settings';

const settings: Settings = {
  theme: 'dark',
  notifications: true,
  start_at_login: false,
  close_to_tray: true,
  retention_days: 30,
  quiet_hours: { enabled: false, start: '22:00', end: '07:00' },
  alerts: { crash: true, crash_loop_count: 3, crash_loop_window_s: 600, stuck_starting_s: 300, unexpected_offline: true, node_down: true, cpu_percent: 90, memory_percent: 90, disk_percent: 95, threshold_duration_s: 120, silent_console_s: 0, reminder_s: 1800 },
};

afterEach(() => cleanup());

describe('App', () => {
  it('starts on the first-run screen without accounts, and the demo leads into the app', async () => {
    vi.mocked(ipc.getSettings).mockResolvedValue(settings);
    render(App);
    const demo = await screen.findByTestId('first-run-demo');
    expect(document.documentElement.dataset.theme).toBe('dark');
    await fireEvent.click(demo);
    await waitFor(() => expect(ipc.startDemo).toHaveBeenCalled());
    await screen.findByTestId('nav-fleet');
    for (const id of ['nav-alerts', 'nav-accounts', 'nav-connections', 'nav-settings']) expect(screen.getByTestId(id)).toBeTruthy();
    expect(ipc.subscribeFleet).toHaveBeenCalled();
    expect(ipc.subscribeAlerts).toHaveBeenCalled();
  });

  it('follows notification and tray clicks from the shell', async () => {
    vi.mocked(ipc.getSettings).mockResolvedValue(settings);
    vi.mocked(ipc.listAccounts).mockResolvedValueOnce([{ id: 'p', name: 'Home', url: 'https://p.example', kind: 'pelican', key_configured: true, user: 'a', watched: null, server_count: 1, error: null }]);
    render(App);
    await screen.findByTestId('nav-fleet');
    fake.channels.app!({ kind: 'open_view', view: 'alerts' });
    expect(nav.route).toEqual({ view: 'alerts' });
    fake.channels.app!({ kind: 'open_server', id: 'p/abcd1234' });
    expect(nav.route).toEqual({ view: 'server', id: 'p/abcd1234' });
    expect(location.hash).toBe('#/server/p/abcd1234');
  });

  it('Ctrl+W closes the window the way its close button does (to the tray)', async () => {
    vi.mocked(ipc.getSettings).mockResolvedValue(settings);
    render(App);
    await screen.findByTestId('first-run-demo');
    await fireEvent.keyDown(window, { key: 'w', ctrlKey: true });
    expect(ipc.closeWindow).toHaveBeenCalledTimes(1);
  });

  it('an export toast offers "Show in folder" for the saved file', async () => {
    vi.mocked(ipc.getSettings).mockResolvedValue(settings);
    render(App);
    await screen.findByTestId('first-run-demo');
    toasts.show('Chart saved to /home/u/Downloads/aerie-x-cpu.png', false, showInFolder('/home/u/Downloads/aerie-x-cpu.png'));
    await fireEvent.click(await screen.findByTestId('toast-action'));
    expect(ipc.showInFolder).toHaveBeenCalledWith('/home/u/Downloads/aerie-x-cpu.png');
    await waitFor(() => expect(screen.queryByTestId('toast-action')).toBeNull());
  });
});
