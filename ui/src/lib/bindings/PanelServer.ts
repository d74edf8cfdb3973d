// Hand-written by the UI; the shell derives the same shape in Rust with ts-rs under this name.
/** A server the panel lists for an account (to choose what to watch). */
export type PanelServer = { identifier: string, name: string, node: string, };
