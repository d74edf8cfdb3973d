// Hand-written by the UI; the shell derives the same shape in Rust with ts-rs under this name.
import type { ConnectionState } from "./ConnectionState";
import type { Health } from "./Health";
import type { ServerKey } from "./ServerKey";

/** One socket, as the Connections view shows it. */
export type ConnectionRow = {
  id: string,
  key: ServerKey,
  server_name: string,
  panel_name: string,
  node: string,
  /** Socket host (no path, no token). */
  endpoint: string,
  state: ConnectionState,
  health: Health,
  latency_ms: number | null,
  reconnects: number,
  messages_per_s: number,
  /** Last frame received, ms since the Unix epoch. */
  last_activity: number | null,
  /** JWT expiry, ms since the Unix epoch. */
  token_expires_at: number | null,
  connected_since: number | null, };
