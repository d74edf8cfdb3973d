// Hand-written by the UI; the shell derives the same shape in Rust with ts-rs under this name.
/** Alert rule settings. Durations in seconds, thresholds in percent of the limit; 0 disables. */
export type AlertRules = {
  crash: boolean,
  crash_loop_count: number,
  crash_loop_window_s: number,
  stuck_starting_s: number,
  unexpected_offline: boolean,
  node_down: boolean,
  cpu_percent: number,
  memory_percent: number,
  disk_percent: number,
  threshold_duration_s: number,
  silent_console_s: number,
  /** Failures in a row before firing. */
  failure_threshold: number,
  /** Successes in a row before resolving. */
  success_threshold: number,
  /** Reminder interval while still down, 0 = none. */
  reminder_s: number, };
