// Hand-written by the UI; the shell derives the same shape in Rust with ts-rs under this name.
/** Notifications are held back between `start` and `end` (local time, `HH:MM`). */
export type QuietHours = { enabled: boolean, start: string, end: string, };
