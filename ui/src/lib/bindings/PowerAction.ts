// Hand-written by the UI; the shell derives the same shape in Rust with ts-rs under this name.
/** A power signal, as Wings `set state` takes it. */
export type PowerAction = "start" | "stop" | "restart" | "kill";
