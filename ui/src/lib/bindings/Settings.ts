// Hand-written by the UI; the shell derives the same shape in Rust with ts-rs under this name.
import type { AlertRules } from "./AlertRules";
import type { QuietHours } from "./QuietHours";
import type { ThemeChoice } from "./ThemeChoice";

/** User settings (the TOML file, without secrets). */
export type Settings = {
  theme: ThemeChoice,
  notifications: boolean,
  start_at_login: boolean,
  close_to_tray: boolean,
  /** History and console archive retention, days. */
  retention_days: number,
  quiet_hours: QuietHours,
  alerts: AlertRules, };
