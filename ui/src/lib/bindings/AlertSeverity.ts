// Hand-written by the UI; the shell derives the same shape in Rust with ts-rs under this name.
/** How bad an alert is. */
export type AlertSeverity = "critical" | "warning" | "info";
