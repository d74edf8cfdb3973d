// Hand-written by the UI; the shell derives the same shape in Rust with ts-rs under this name.
/** What a chart plots. */
export type ChartMetric = "cpu" | "memory" | "disk" | "network" | "disk_io";
