/** A fake of `$lib/ipc` for tests: every command is a `vi.fn`; channels are captured for pushing. */
import { vi } from 'vitest';
import type { AlertsFrame } from '../lib/bindings/AlertsFrame';
import type { AppEvent } from '../lib/bindings/AppEvent';
import type { ConsoleFrame } from '../lib/bindings/ConsoleFrame';
import type { FleetFrame } from '../lib/bindings/FleetFrame';
import type { ServerRow } from '../lib/bindings/ServerRow';
import type { SinkTestResult } from '../lib/bindings/SinkTestResult';

export { toIpcError, inTauri } from '../lib/ipc';

export const channels: {
  fleet: ((f: FleetFrame) => void) | null;
  console: ((f: ConsoleFrame) => void) | null;
  alerts: ((f: AlertsFrame) => void) | null;
  app: ((e: AppEvent) => void) | null;
} = { fleet: null, console: null, alerts: null, app: null };

export const listServers = vi.fn(async () => [] as ServerRow[]);
export const subscribeFleet = vi.fn(async (cb: (f: FleetFrame) => void) => {
  channels.fleet = cb;
  return () => {};
});
export const subscribeConsole = vi.fn(async (_k: unknown, cb: (f: ConsoleFrame) => void) => {
  channels.console = cb;
  return () => {};
});
export const subscribeAlerts = vi.fn(async (cb: (f: AlertsFrame) => void) => {
  channels.alerts = cb;
  return () => {};
});
export const sendCommand = vi.fn(async () => null);
export const power = vi.fn(async () => null);
export const exportConsole = vi.fn(async () => null as string | null);
export const listAccounts = vi.fn(async () => []);
export const addAccount = vi.fn();
export const updateAccount = vi.fn();
export const removeAccount = vi.fn(async () => null);
export const testAccount = vi.fn();
export const listAccountServers = vi.fn(async () => []);
export const listAlerts = vi.fn(async () => []);
export const alertHistory = vi.fn(async () => []);
export const ackAlert = vi.fn(async () => null);
export const muteServer = vi.fn(async () => null);
export const snoozeAll = vi.fn(async () => null as number | null);
export const sendTestAlert = vi.fn(async () => [] as SinkTestResult[]);
export const getSettings = vi.fn();
export const setSettings = vi.fn();
export const renderChart = vi.fn();
export const exportChart = vi.fn(async () => null as string | null);
export const listConnections = vi.fn(async () => []);
export const subscribeAppEvents = vi.fn(async (cb: (e: AppEvent) => void) => {
  channels.app = cb;
  return () => {};
});
export const startDemo = vi.fn(async () => null);
export const openExternal = vi.fn(async () => null);
export const openInPanel = vi.fn(async () => null);
export const closeWindow = vi.fn(async () => null);
export const showInFolder = vi.fn(async () => null);
