// Hand-written by the UI; the shell derives the same shape in Rust with ts-rs under this name.
import type { AlertRecord } from "./AlertRecord";

/** The alert state pushed whenever it changes. */
export type AlertsFrame = {
  active: Array<AlertRecord>,
  /** Snooze-all end, ms since the Unix epoch; `null` when not snoozed. */
  snoozed_until: number | null,
  /** Row ids (`<panel>/<server>`) that are muted. */
  muted: Array<string>, };
