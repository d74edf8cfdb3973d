// Hand-written by the UI; the shell derives the same shape in Rust with ts-rs under this name.
/** The kind of panel behind an account. */
export type PanelKind = "pterodactyl" | "pelican";
