// Hand-written by the UI; the shell derives the same shape in Rust with ts-rs under this name.
import type { ConnectionState } from "./ConnectionState";
import type { Health } from "./Health";
import type { PowerState } from "./PowerState";
import type { ServerKey } from "./ServerKey";

/** One server as the fleet list shows it. All byte/limit fields are plain numbers (0 = unlimited). */
export type ServerRow = {
  /** Stable row id, `<panel>/<server>`. */
  id: string,
  key: ServerKey,
  name: string,
  /** The account/panel display name. */
  panel_name: string,
  node: string,
  /** Power state; `null` until the first `status` arrives. */
  state: PowerState | null,
  /** Panel-side status such as `installing` or `suspended`. */
  panel_status: string | null,
  /** CPU in percent of one core. */
  cpu_percent: number,
  /** CPU limit in percent of one core, 0 = unlimited. */
  cpu_limit_percent: number,
  memory_bytes: number,
  /** Panel memory limit in bytes, 0 = unlimited. */
  memory_limit_bytes: number,
  disk_bytes: number,
  /** Panel disk limit in bytes, 0 = unlimited. */
  disk_limit_bytes: number,
  rx_bps: number,
  tx_bps: number,
  uptime_ms: number,
  connection: ConnectionState,
  health: Health,
  /** The user's permissions on this server (`*` for owners). */
  permissions: Array<string>,
  /** Number of active (unresolved) alerts. */
  active_alerts: number,
  muted: boolean,
  /** Last update, ms since the Unix epoch. */
  updated_at: number, };
