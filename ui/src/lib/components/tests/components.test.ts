import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
vi.mock('$lib/ipc', () => import('../../../test/fakeIpc'));
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { tick } from 'svelte';
import * as ipc from '$lib/ipc';
import { row } from '../../../test/rows';
import { dialogs } from '../../stores/ui.svelte';
import { fleet } from '../../stores/fleet.svelte';
import PowerButtons from '../PowerButtons.svelte';
import ConsoleInput from '../ConsoleInput.svelte';
import StatBlocks from '../StatBlocks.svelte';
import AccountForm from '../AccountForm.svelte';
import FleetView from '../../views/FleetView.svelte';
import FirstRun from '../../views/FirstRun.svelte';

beforeEach(() => vi.clearAllMocks());
afterEach(() => cleanup());

describe('PowerButtons', () => {
  it('offers Start only when offline', () => {
    render(PowerButtons, { row: row({ state: 'offline' }) });
    expect((screen.getByTestId('power-start') as HTMLButtonElement).disabled).toBe(false);
    expect((screen.getByTestId('power-stop') as HTMLButtonElement).disabled).toBe(true);
  });

  it('shows Kill while stopping and asks before sending it', async () => {
    render(PowerButtons, { row: row({ state: 'stopping' }) });
    expect(screen.queryByTestId('power-stop')).toBeNull();
    await fireEvent.click(screen.getByTestId('power-kill'));
    expect(dialogs.current?.title).toMatch(/Kill/);
    expect(ipc.power).not.toHaveBeenCalled();
    dialogs.current!.resolve(true);
    await waitFor(() => expect(ipc.power).toHaveBeenCalledWith({ panel: 'p1', server: 'abcd1234' }, 'kill'));
  });

  it('does not kill when the confirm is cancelled', async () => {
    render(PowerButtons, { row: row({ state: 'stopping' }) });
    await fireEvent.click(screen.getByTestId('power-kill'));
    dialogs.current!.resolve(false);
    await tick();
    expect(ipc.power).not.toHaveBeenCalled();
  });

  it('disables every button without permissions', () => {
    render(PowerButtons, { row: row({ state: 'running', permissions: ['control.console'] }) });
    for (const id of ['power-start', 'power-stop', 'power-restart']) {
      expect((screen.getByTestId(id) as HTMLButtonElement).disabled).toBe(true);
    }
  });
});

describe('ConsoleInput', () => {
  it('is disabled without control.console and says why', () => {
    render(ConsoleInput, { row: row({ permissions: ['control.start'] }) });
    const input = screen.getByTestId('console-input') as HTMLInputElement;
    expect(input.disabled).toBe(true);
    expect(input.placeholder).toMatch(/control\.console/);
  });

  it('is disabled while the server is offline', () => {
    render(ConsoleInput, { row: row({ state: 'offline' }) });
    expect((screen.getByTestId('console-input') as HTMLInputElement).disabled).toBe(true);
  });

  it('sends on Enter, remembers the command, and recalls it with the up arrow', async () => {
    render(ConsoleInput, { row: row() });
    const input = screen.getByTestId('console-input') as HTMLInputElement;
    await fireEvent.input(input, { target: { value: 'say hello' } });
    await fireEvent.keyDown(input, { key: 'Enter' });
    await waitFor(() => expect(ipc.sendCommand).toHaveBeenCalledWith({ panel: 'p1', server: 'abcd1234' }, 'say hello'));
    await waitFor(() => expect(input.value).toBe(''));
    expect(JSON.parse(localStorage.getItem('abcd1234:command_history')!)).toEqual(['say hello']);
    await fireEvent.keyDown(input, { key: 'ArrowUp' });
    expect(input.value).toBe('say hello');
    await fireEvent.keyDown(input, { key: 'ArrowDown' });
    expect(input.value).toBe('');
  });

  it('keeps the text and shows the error when sending fails', async () => {
    vi.mocked(ipc.sendCommand).mockRejectedValueOnce({ kind: 'offline', message: 'The server is offline.' });
    render(ConsoleInput, { row: row() });
    const input = screen.getByTestId('console-input') as HTMLInputElement;
    await fireEvent.input(input, { target: { value: 'stop' } });
    await fireEvent.keyDown(input, { key: 'Enter' });
    await screen.findByText('The server is offline.');
    expect(input.value).toBe('stop');
  });
});

describe('StatBlocks', () => {
  it('colours stats by their limit', () => {
    render(StatBlocks, { row: row({ cpu_percent: 85, cpu_limit_percent: 100, memory_bytes: 95, memory_limit_bytes: 100, disk_bytes: 1, disk_limit_bytes: 0 }) });
    expect(screen.getByTestId('stat-cpu').dataset.level).toBe('warn');
    expect(screen.getByTestId('stat-memory').dataset.level).toBe('danger');
    expect(screen.getByTestId('stat-disk').dataset.level).toBe('normal');
  });
});

describe('AccountForm', () => {
  const fill = async (name: string, url: string, key: string) => {
    await fireEvent.input(screen.getByTestId('account-name'), { target: { value: name } });
    await fireEvent.input(screen.getByTestId('account-url'), { target: { value: url } });
    await fireEvent.input(screen.getByTestId('account-key'), { target: { value: key } });
  };
  const KEY = 'ptlc_' + 'k'.repeat(43);

  it('validates inline before calling the shell', async () => {
    render(AccountForm, { account: null, onSaved: vi.fn(), onCancel: vi.fn() });
    await fireEvent.click(screen.getByTestId('account-submit'));
    expect(ipc.addAccount).not.toHaveBeenCalled();
    expect(screen.getByTestId('account-name').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText(/Paste a client API key/)).toBeTruthy();
  });

  it('shows the precise shell error and marks the field', async () => {
    vi.mocked(ipc.addAccount).mockRejectedValueOnce({ kind: 'unauthorized', message: 'The panel rejected this API key.' });
    render(AccountForm, { account: null, onSaved: vi.fn(), onCancel: vi.fn() });
    await fill('Home', 'panel.example.com', KEY);
    await fireEvent.click(screen.getByTestId('account-submit'));
    const err = await screen.findByTestId('account-error');
    expect(err.textContent).toBe('The panel rejected this API key.');
    expect(screen.getByTestId('account-key').getAttribute('aria-invalid')).toBe('true');
  });

  it('sends the key only to add_account and clears it after saving', async () => {
    const onSaved = vi.fn();
    vi.mocked(ipc.addAccount).mockResolvedValueOnce({ id: 'a1', name: 'Home', url: 'https://panel.example.com', kind: 'pterodactyl', key_configured: true, user: 'alex', watched: null, server_count: 2, error: null });
    render(AccountForm, { account: null, onSaved, onCancel: vi.fn() });
    await fill('Home', 'panel.example.com', KEY);
    await fireEvent.click(screen.getByTestId('account-submit'));
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    expect(ipc.addAccount).toHaveBeenCalledWith({ name: 'Home', url: 'https://panel.example.com', api_key: KEY, watched: null });
    expect((screen.getByTestId('account-key') as HTMLInputElement).value).toBe('');
    expect(JSON.stringify(onSaved.mock.calls)).not.toContain(KEY);
  });
});

describe('AccountForm (edit)', () => {
  it('keeps the stored key and saves the chosen servers', async () => {
    vi.mocked(ipc.listAccountServers).mockResolvedValueOnce([
      { identifier: 'aaaa1111', name: 'Survival', node: 'n1' },
      { identifier: 'bbbb2222', name: 'Creative', node: 'n1' },
    ] as never);
    const account = { id: 'acc1', name: 'Home', url: 'https://panel.example.com', kind: 'pelican' as const, key_configured: true, user: 'alex', watched: null, server_count: 2, error: null };
    vi.mocked(ipc.updateAccount).mockResolvedValueOnce({ ...account, watched: ['aaaa1111'] });
    const onSaved = vi.fn();
    render(AccountForm, { account, onSaved, onCancel: vi.fn() });
    const creative = await screen.findByRole('checkbox', { name: /Creative/ });
    await fireEvent.click(creative);
    await fireEvent.click(screen.getByTestId('account-submit'));
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    expect(ipc.updateAccount).toHaveBeenCalledWith('acc1', { name: 'Home', url: 'https://panel.example.com', api_key: null, watched: ['aaaa1111'] });
  });
});

describe('FirstRun', () => {
  it('offers adding a panel or the demo', async () => {
    const onDemo = vi.fn(async () => {});
    render(FirstRun, { onDemo, onAdded: vi.fn() });
    await fireEvent.click(screen.getByTestId('first-run-demo'));
    expect(onDemo).toHaveBeenCalled();
    await fireEvent.click(screen.getByTestId('first-run-add-panel'));
    expect(screen.getByTestId('account-url')).toBeTruthy();
  });
});

describe('FleetView', () => {
  it('renders only the visible slice of 1,000 rows and filters by search', async () => {
    const rows = Array.from({ length: 1000 }, (_, i) => row({ id: `p/${String(i).padStart(4, '0')}`, name: `Server ${i}` }));
    fleet.push({ rows, removed: [] });
    fleet.flush();
    render(FleetView);
    await tick();
    const shown = screen.getAllByTestId('fleet-row');
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.length).toBeLessThan(60);
    expect(shown[0].dataset.server).toBe('0000');
    expect(shown[0].textContent).toContain('Server 0');
    await fireEvent.input(screen.getByTestId('fleet-search'), { target: { value: 'Server 999' } });
    await tick();
    const filtered = screen.getAllByTestId('fleet-row');
    expect(filtered).toHaveLength(1);
    expect(filtered[0].querySelector('[data-testid="server-status"]')?.textContent).toBe('Running');
  });

  it('applies a frame that removes and updates rows', async () => {
    fleet.push({ rows: [row({ id: 'p/0001', name: 'Renamed', state: 'offline' })], removed: ['p/0000'] });
    fleet.flush();
    render(FleetView);
    await fireEvent.input(screen.getByTestId('fleet-search'), { target: { value: 'Renamed' } });
    await tick();
    const r = screen.getAllByTestId('fleet-row');
    expect(r).toHaveLength(1);
    expect(r[0].querySelector('[data-testid="server-status"]')?.textContent).toBe('Offline');
    expect(fleet.get('p/0000')).toBeUndefined();
  });

  it('selects a range with shift-click and sends bulk power only where it applies, after a confirm', async () => {
    fleet.rows.clear();
    fleet.push({
      rows: [
        row({ id: 'b/0001', name: 'Bulk 1', state: 'offline' }),
        row({ id: 'b/0002', name: 'Bulk 2', state: 'running' }),
        row({ id: 'b/0003', name: 'Bulk 3', state: 'offline' }),
      ],
      removed: [],
    });
    fleet.flush();
    render(FleetView);
    await tick();
    const boxes = screen.getAllByRole('checkbox', { name: /Select Bulk/ });
    await fireEvent.click(boxes[0]);
    const rows = screen.getAllByTestId('fleet-row');
    await fireEvent.click(rows[2], { shiftKey: true });
    expect(screen.getByText('3 selected')).toBeTruthy();
    expect(screen.getByTestId('bulk-start').textContent).toContain('(2)');
    await fireEvent.click(screen.getByTestId('bulk-start'));
    expect(dialogs.current?.title).toBe('Start 2 servers?');
    dialogs.current!.resolve(true);
    await waitFor(() => expect(ipc.power).toHaveBeenCalledTimes(2));
    expect(vi.mocked(ipc.power).mock.calls.map((c) => c[0].server)).toEqual(['0001', '0003']);
    expect(vi.mocked(ipc.power).mock.calls.every((c) => c[1] === 'start')).toBe(true);
  });
});
