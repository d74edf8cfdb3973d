/**
 * The one seam between the UI and the Rust shell.
 *
 * Every Tauri command and channel the UI uses is wrapped here; this is the only module that
 * imports `@tauri-apps/api`. Stores and components import from here, so tests replace this
 * module (`vi.mock('$lib/ipc')`). Outside Tauri (plain browser, `npm run dev`), a built-in demo
 * backend is lazy-loaded instead, so the UI renders and can be screenshotted.
 *
 * Argument objects are sent as-is: Tauri maps the camelCase keys below to the snake_case
 * parameters of the Rust commands (`onFrame` → `on_frame`). Errors reject with `IpcError`.
 */
import { Channel, invoke as tauriInvoke } from '@tauri-apps/api/core';
import type { AccountInput } from './bindings/AccountInput';
import type { AccountSummary } from './bindings/AccountSummary';
import type { AccountTest } from './bindings/AccountTest';
import type { AlertRecord } from './bindings/AlertRecord';
import type { AlertsFrame } from './bindings/AlertsFrame';
import type { AppEvent } from './bindings/AppEvent';
import type { CommandSignatures, SubscriptionSignatures } from './bindings/commands';
import type { ChartRender } from './bindings/ChartRender';
import type { ChartRequest } from './bindings/ChartRequest';
import type { ConnectionRow } from './bindings/ConnectionRow';
import type { ConsoleFrame } from './bindings/ConsoleFrame';
import type { ExportFormat } from './bindings/ExportFormat';
import type { FleetFrame } from './bindings/FleetFrame';
import type { IpcError } from './bindings/IpcError';
import type { PanelServer } from './bindings/PanelServer';
import type { PowerAction } from './bindings/PowerAction';
import type { ServerKey } from './bindings/ServerKey';
import type { ServerRow } from './bindings/ServerRow';
import type { Settings } from './bindings/Settings';
import type { SinkTestResult } from './bindings/SinkTestResult';

/** Every command: its arguments and what it resolves to. */
export interface Commands {
  /** Snapshot of every watched server. */
  list_servers: { args: Record<string, never>; result: ServerRow[] };
  /** Stop a subscription started by any `subscribe_*` command. */
  unsubscribe: { args: { id: number }; result: null };
  /** Send a console command (needs `control.console`, server not offline). */
  send_command: { args: { server: ServerKey; command: string }; result: null };
  /** Send a power signal (`control.start|stop|restart`; kill needs `control.stop`). */
  power: { args: { server: ServerKey; action: PowerAction }; result: null };
  /** Validate and save a new account; the key goes to the OS keyring. */
  add_account: { args: { input: AccountInput }; result: AccountSummary };
  /** Every account (never with keys). */
  list_accounts: { args: Record<string, never>; result: AccountSummary[] };
  /** Edit an account; `input.api_key = null` keeps the stored key. */
  update_account: { args: { id: string; input: AccountInput }; result: AccountSummary };
  /** Remove an account, stop its sockets and wipe its secret from the keyring. */
  remove_account: { args: { id: string }; result: null };
  /** Re-check a saved account against its panel with the stored key (reachable, key valid, client key); lists its servers. `input` with a key tests an unsaved one. */
  test_account: { args: { input: AccountInput | null; id: string | null }; result: AccountTest };
  /** Servers the panel lists for a saved account (to choose what to watch). */
  list_account_servers: { args: { id: string }; result: PanelServer[] };
  /** Active alerts. */
  list_alerts: { args: Record<string, never>; result: AlertRecord[] };
  /** Alert history, newest first; `before` (ms epoch) pages back. */
  alert_history: { args: { limit: number; before: number | null }; result: AlertRecord[] };
  /** Acknowledge an alert: no reminders until it recovers. */
  ack_alert: { args: { id: string }; result: null };
  /** Mute or unmute alerts of one server. */
  mute_server: { args: { server: ServerKey; muted: boolean }; result: null };
  /** Snooze every notification for `minutes` (auto-resumes); 0 resumes now. Resolves to the snooze end. */
  snooze_all: { args: { minutes: number }; result: number | null };
  /** Send a test alert to every webhook sink (or the one named), whatever its severity filter; resolves to what each did. */
  send_test_alert: { args: { sink: string | null }; result: SinkTestResult[] };
  get_settings: { args: Record<string, never>; result: Settings };
  /** Save settings atomically; resolves to what was stored. */
  set_settings: { args: { settings: Settings }; result: Settings };
  /** Draw a chart with plotters (SVG) and return its data points for hover read-outs. */
  render_chart: { args: { request: ChartRequest }; result: ChartRender };
  /** Ask where to save and export a chart as PNG or SVG; resolves to the path, `null` if cancelled. */
  export_chart: { args: { request: ChartRequest; format: ExportFormat }; result: string | null };
  /** Ask where to save and export the server's rolling console log; resolves to the path or `null`. */
  export_console: { args: { server: ServerKey }; result: string | null };
  /** Every socket with its metrics. */
  list_connections: { args: Record<string, never>; result: ConnectionRow[] };
  /** Trust exactly this certificate for a node whose link is `untrusted` (after the user compared the fingerprint). */
  trust_certificate: { args: { node: string; fingerprint: string }; result: null };
  /** Start watching the simulated demo fleet. */
  start_demo: { args: Record<string, never>; result: null };
  /** Open a server's page on its panel (`<panel url>/server/<identifier>`) in the browser. */
  open_in_panel: { args: { server: ServerKey }; result: null };
  /** Open an http(s) URL in the default browser (only called after the user confirmed). */
  open_external: { args: { url: string }; result: null };
  /** Close this window like its close button: hides to the tray (or quits when close-to-tray is off). */
  close_window: { args: Record<string, never>; result: null };
  /** Show a file this run exported in the system's file manager. */
  show_in_folder: { args: { path: string }; result: null };
}

/** Every channel: its arguments (besides the channel) and the message type. Each resolves to a subscription id. */
export interface Subscriptions {
  /** Fleet rows, coalesced to ≤ 5 frames/s; the first frame holds every row. Channel arg: `onFrame`. */
  subscribe_fleet: { args: Record<string, never>; message: FleetFrame };
  /** Console lines of one server; the first frame is the backfill. Channel arg: `onFrame`. */
  subscribe_console: { args: { server: ServerKey }; message: ConsoleFrame };
  /** Alert state whenever it changes; the first frame is the current state. Channel arg: `onFrame`. */
  subscribe_alerts: { args: Record<string, never>; message: AlertsFrame };
  /** Requests from the shell (notification or tray clicks): open a server or a view. Channel arg: `onFrame`. */
  subscribe_app_events: { args: Record<string, never>; message: AppEvent };
}

// ---- Checked against the Rust commands ----
// `bindings/commands.ts` is generated from the `#[tauri::command]` functions (see
// src-tauri/tests/commands_ts.rs). Each entry above must name a registered command and send
// exactly its arguments; otherwise `npm run check` fails here, naming the command.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** Names in `Ours` whose entry differs from (or is missing in) `Theirs`, after picking `keys`. */
type Mismatched<Ours, Theirs, Keys extends string> = {
  [K in keyof Ours]: K extends keyof Theirs
    ? Same<Pick<Ours[K], Keys & keyof Ours[K]>, Pick<Theirs[K], Keys & keyof Theirs[K]>> extends true
      ? never
      : K
    : K;
}[keyof Ours];
/** `true` when no name is mismatched; otherwise the mismatched names, so the error lists them. */
export type Agrees<M> = [M] extends [never] ? true : M;
export const commandsMatchRust: Agrees<Mismatched<Commands, CommandSignatures, 'args' | 'result'>> = true;
export const subscriptionsMatchRust: Agrees<
  Mismatched<Subscriptions, SubscriptionSignatures, 'args' | 'message'>
> = true;
/** The channel argument `subscribe` sends (`onFrame`) is what every streaming command takes. */
export const channelsAreOnFrame: Agrees<
  { [K in keyof SubscriptionSignatures]: SubscriptionSignatures[K]['channel'] extends 'onFrame' ? never : K }[keyof SubscriptionSignatures]
> = true;
export type { Mismatched };

export type CommandName = keyof Commands;
export type SubscriptionName = keyof Subscriptions;

/** What a backend (Tauri or the demo) provides. */
export interface Backend {
  call<K extends CommandName>(cmd: K, args: Commands[K]['args']): Promise<Commands[K]['result']>;
  subscribe<K extends SubscriptionName>(
    name: K,
    args: Subscriptions[K]['args'],
    onMessage: (message: Subscriptions[K]['message']) => void,
  ): Promise<number>;
}

const tauriBackend: Backend = {
  call(cmd, args) {
    return tauriInvoke(cmd, args);
  },
  subscribe(name, args, onMessage) {
    const channel = new Channel<Parameters<typeof onMessage>[0]>();
    channel.onmessage = onMessage;
    return tauriInvoke<number>(name, { ...args, onFrame: channel });
  },
};

/** True inside the Tauri webview. */
export function inTauri(): boolean {
  return typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window;
}

let backend: Promise<Backend> | null = null;
function getBackend(): Promise<Backend> {
  backend ??= inTauri()
    ? Promise.resolve(tauriBackend)
    : import('./demo/backend').then((m) => m.createDemoBackend());
  return backend;
}

/** Turn whatever Rust (or the demo) rejected with into an `IpcError`. */
export function toIpcError(e: unknown): IpcError {
  if (e && typeof e === 'object' && 'kind' in e && 'message' in e) {
    const o = e as { kind: unknown; message: unknown; field?: unknown };
    return {
      kind: String(o.kind),
      message: String(o.message),
      field: typeof o.field === 'string' ? o.field : null,
    };
  }
  return { kind: 'internal', message: e instanceof Error ? e.message : String(e), field: null };
}

async function call<K extends CommandName>(
  cmd: K,
  args: Commands[K]['args'],
): Promise<Commands[K]['result']> {
  const b = await getBackend();
  try {
    return await b.call(cmd, args);
  } catch (e) {
    throw toIpcError(e);
  }
}

async function subscribe<K extends SubscriptionName>(
  name: K,
  args: Subscriptions[K]['args'],
  onMessage: (m: Subscriptions[K]['message']) => void,
): Promise<() => void> {
  const b = await getBackend();
  const id = await b.subscribe(name, args, onMessage);
  return () => {
    void b.call('unsubscribe', { id }).catch(() => {});
  };
}

const none = {} as Record<string, never>;

// ---- Fleet and servers ----
export const listServers = () => call('list_servers', none);
/** Subscribe to fleet frames; resolves to an unsubscribe function. */
export const subscribeFleet = (onFrame: (f: FleetFrame) => void) =>
  subscribe('subscribe_fleet', none, onFrame);
export const subscribeConsole = (server: ServerKey, onFrame: (f: ConsoleFrame) => void) =>
  subscribe('subscribe_console', { server }, onFrame);
export const sendCommand = (server: ServerKey, command: string) =>
  call('send_command', { server, command });
export const power = (server: ServerKey, action: PowerAction) => call('power', { server, action });
export const exportConsole = (server: ServerKey) => call('export_console', { server });

// ---- Accounts ----
export const listAccounts = () => call('list_accounts', none);
export const addAccount = (input: AccountInput) => call('add_account', { input });
export const updateAccount = (id: string, input: AccountInput) =>
  call('update_account', { id, input });
export const removeAccount = (id: string) => call('remove_account', { id });
export const testAccount = (id: string) => call('test_account', { input: null, id });
export const listAccountServers = (id: string) => call('list_account_servers', { id });

// ---- Alerts ----
export const listAlerts = () => call('list_alerts', none);
export const alertHistory = (limit: number, before: number | null = null) =>
  call('alert_history', { limit, before });
export const subscribeAlerts = (onFrame: (f: AlertsFrame) => void) =>
  subscribe('subscribe_alerts', none, onFrame);
export const ackAlert = (id: string) => call('ack_alert', { id });
export const muteServer = (server: ServerKey, muted: boolean) =>
  call('mute_server', { server, muted });
export const snoozeAll = (minutes: number) => call('snooze_all', { minutes });
export const sendTestAlert = (sink: string | null = null) => call('send_test_alert', { sink });

// ---- Settings ----
export const getSettings = () => call('get_settings', none);
export const setSettings = (settings: Settings) => call('set_settings', { settings });

// ---- Charts ----
export const renderChart = (request: ChartRequest) => call('render_chart', { request });
export const exportChart = (request: ChartRequest, format: ExportFormat) =>
  call('export_chart', { request, format });

// ---- App ----
export const subscribeAppEvents = (onEvent: (e: AppEvent) => void) =>
  subscribe('subscribe_app_events', none, onEvent);

// ---- Connections, demo, links ----
export const listConnections = () => call('list_connections', none);
export const trustCertificate = (node: string, fingerprint: string) => call('trust_certificate', { node, fingerprint });
export const startDemo = () => call('start_demo', none);
export const openExternal = (url: string) => call('open_external', { url });
export const openInPanel = (server: ServerKey) => call('open_in_panel', { server });
export const closeWindow = () => call('close_window', none);
export const showInFolder = (path: string) => call('show_in_folder', { path });
