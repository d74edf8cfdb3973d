// Hand-written by the UI; the shell derives the same shape in Rust with ts-rs under this name.
/** `system` follows `prefers-color-scheme`. */
export type ThemeChoice = "system" | "light" | "dark";
