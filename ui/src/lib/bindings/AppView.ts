// Hand-written by the UI; the shell derives the same shape in Rust with ts-rs under this name.
/** A top-level view the shell can ask the window to show. */
export type AppView = "fleet" | "alerts" | "accounts" | "connections" | "settings";
