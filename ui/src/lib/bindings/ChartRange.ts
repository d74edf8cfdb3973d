// Hand-written by the UI; the shell derives the same shape in Rust with ts-rs under this name.
/** The time window of a chart. */
export type ChartRange = "15m" | "1h" | "24h" | "7d";
