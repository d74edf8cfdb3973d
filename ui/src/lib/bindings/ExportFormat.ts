// Hand-written by the UI; the shell derives the same shape in Rust with ts-rs under this name.
/** Chart export format. */
export type ExportFormat = "png" | "svg";
