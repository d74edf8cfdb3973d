// Hand-written by the UI; the shell derives the same shape in Rust with ts-rs under this name.
/** Traffic-light health of a server or socket. */
export type Health = "green" | "yellow" | "red";
