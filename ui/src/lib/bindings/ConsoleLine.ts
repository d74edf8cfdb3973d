// Hand-written by the UI; the shell derives the same shape in Rust with ts-rs under this name.
import type { ConsoleOrigin } from "./ConsoleOrigin";

/** One console line as the UI receives it. */
export type ConsoleLine = {
  /** Monotonic per server; lets the UI drop duplicates after a backfill. */
  seq: number,
  /** When Aerie observed it, ms since the Unix epoch. */
  at: number,
  /** Raw text with ANSI escapes, no trailing newline. */
  line: string,
  origin: ConsoleOrigin, };
