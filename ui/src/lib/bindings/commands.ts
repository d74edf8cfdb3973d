// Generated from the #[tauri::command] functions in src-tauri/src/commands by
// `AERIE_UPDATE_BINDINGS=1 cargo test -p aerie-desktop --test commands_ts`. Do not edit.
import type { AccountInput } from './AccountInput';
import type { AccountSummary } from './AccountSummary';
import type { AccountTest } from './AccountTest';
import type { AlertRecord } from './AlertRecord';
import type { AlertsFrame } from './AlertsFrame';
import type { AppEvent } from './AppEvent';
import type { AppInfo } from './AppInfo';
import type { ChartRender } from './ChartRender';
import type { ChartRequest } from './ChartRequest';
import type { ConnectionRow } from './ConnectionRow';
import type { ConsoleFrame } from './ConsoleFrame';
import type { ExportFormat } from './ExportFormat';
import type { FleetFrame } from './FleetFrame';
import type { PanelServer } from './PanelServer';
import type { PowerAction } from './PowerAction';
import type { ServerKey } from './ServerKey';
import type { ServerRow } from './ServerRow';
import type { Settings } from './Settings';
import type { SinkTestResult } from './SinkTestResult';

/** Every registered command without a channel: the arguments the webview sends and what it resolves to. */
export interface CommandSignatures {
  /** About this run. */
  app_info: { args: Record<string, never>; result: AppInfo };
  /** Opens a web link in the user's browser. The UI calls this only after the user confirmed; only `http` and `https` are accepted. */
  open_external: { args: { url: string }; result: null };
  /** Opens a server's page on its panel (`<panel url>/server/<identifier>`) in the browser. The address comes from the configured account, so the UI does not ask first. */
  open_in_panel: { args: { server: ServerKey }; result: null };
  /** Opens the demo: a separate Aerie instance on the embedded simulator, with its own throw-away data and keyring namespace, so it never touches this profile's accounts. In the demo instance itself this does nothing. */
  start_demo: { args: Record<string, never>; result: null };
  /** Closes the calling window like its title bar's close button (Ctrl+W): it hides to the tray when `close_to_tray` is on, else the app quits (see [`crate::window::on_window_event`]). */
  close_window: { args: Record<string, never>; result: null };
  /** Shows an exported file in the system's file manager. Only files this run exported are revealed (see [`crate::state::Exports`]). */
  show_in_folder: { args: { path: string }; result: null };
  /** Every account (never with keys). */
  list_accounts: { args: Record<string, never>; result: AccountSummary[] };
  /** Validates the key against the panel and saves the account; the key goes to the keyring. */
  add_account: { args: { input: AccountInput }; result: AccountSummary };
  /** Edits an account: name, key (when given), watched servers. */
  update_account: { args: { id: string; input: AccountInput }; result: AccountSummary };
  /** Removes an account, stops its sockets and wipes its key from the keyring. */
  remove_account: { args: { id: string }; result: null };
  /** Checks URL + key against the panel without saving and lists what the key can see. With `id` and no `input` (or no key in it), re-checks the saved account with its stored key: the Accounts view's Test button sends only the id. */
  test_account: { args: { input: AccountInput | null; id: string | null }; result: AccountTest };
  /** Servers the panel lists for a saved account (to choose what to watch). */
  list_account_servers: { args: { id: string }; result: PanelServer[] };
  /** Every watched server with its latest state. */
  list_servers: { args: Record<string, never>; result: ServerRow[] };
  /** Sends a power signal. */
  power: { args: { server: ServerKey; action: PowerAction }; result: null };
  /** Every socket with its metrics, from the fleet's snapshot. */
  list_connections: { args: Record<string, never>; result: ConnectionRow[] };
  /** Trusts exactly the certificate `fingerprint` for `node` (what an `untrusted` link named, after the user compared it) and reconnects the servers waiting on it. */
  trust_certificate: { args: { node: string; fingerprint: string }; result: null };
  /** Sends a console command. */
  send_command: { args: { server: ServerKey; command: string }; result: null };
  /** Exports the server's console as text into the Downloads folder (no save dialog): the store's archive (flushed first) or, without a store, the fleet's in-memory ring. Resolves to the path. */
  export_console: { args: { server: ServerKey }; result: string | null };
  /** Active alerts. */
  list_alerts: { args: Record<string, never>; result: AlertRecord[] };
  /** Alert history, newest first; `before` (ms since the epoch) pages back. */
  alert_history: { args: { limit: number; before: number | null }; result: AlertRecord[] };
  /** Acknowledges an alert until it recovers. */
  ack_alert: { args: { id: string }; result: null };
  /** Mutes or unmutes one server's alerts (logged, never notified); kept in the settings file. */
  mute_server: { args: { server: ServerKey; muted: boolean }; result: null };
  /** Snoozes every notification for `minutes` (0 resumes); resolves to the snooze end. */
  snooze_all: { args: { minutes: number }; result: number | null };
  /** Sends a test alert to every webhook sink, or only to `sink` (name or id), whatever their severity filter; resolves to what each did. */
  send_test_alert: { args: { sink: string | null }; result: SinkTestResult[] };
  /** The settings. */
  get_settings: { args: Record<string, never>; result: Settings };
  /** Saves the settings atomically and applies start at login; resolves to what was stored. */
  set_settings: { args: { settings: Settings }; result: Settings };
  /** Draws a chart as SVG with its data points. */
  render_chart: { args: { request: ChartRequest }; result: ChartRender };
  /** Exports a chart as PNG or SVG into the Downloads folder (no save dialog); resolves to the path. */
  export_chart: { args: { request: ChartRequest; format: ExportFormat }; result: string | null };
  /** Stops any subscription. Unknown ids are not an error (the view may already be gone). */
  unsubscribe: { args: { id: number }; result: null };
}

/** Every registered command that streams over a channel: its other arguments, the channel's argument name and the message type. */
export interface SubscriptionSignatures {
  /** Fleet rows: the first frames hold every row, then changed rows at most 5 times a second (`bridge::FLEET_TICKS` flush ticks of 50 ms). Resolves to the subscription id. */
  subscribe_fleet: { args: Record<string, never>; channel: 'onFrame'; message: FleetFrame };
  /** Console lines of one server: the backfill first, then live lines at most 20 frames a second. Resolves to the subscription id. */
  subscribe_console: { args: { server: ServerKey }; channel: 'onFrame'; message: ConsoleFrame };
  /** Alert state whenever it changes (the first frame is the current state); resolves to a subscription id. */
  subscribe_alerts: { args: Record<string, never>; channel: 'onFrame'; message: AlertsFrame };
  /** Shell events (the tray asks to open a server or a view); resolves to a subscription id. */
  subscribe_app_events: { args: Record<string, never>; channel: 'onFrame'; message: AppEvent };
}
