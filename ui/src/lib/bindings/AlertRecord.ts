// Hand-written by the UI; the shell derives the same shape in Rust with ts-rs under this name.
import type { AlertSeverity } from "./AlertSeverity";
import type { ServerKey } from "./ServerKey";

/** One alert, active or historical. */
export type AlertRecord = {
  id: string,
  key: ServerKey,
  server_name: string,
  /** Rule that fired: `crash`, `crash_loop`, `stuck_starting`, `offline`, `node_down`, `credentials`, `cpu`, `memory`, `disk`, `silent_console`. */
  rule: string,
  severity: AlertSeverity,
  title: string,
  detail: string,
  started_at: number,
  /** `null` while active. */
  resolved_at: number | null,
  acknowledged: boolean, };
