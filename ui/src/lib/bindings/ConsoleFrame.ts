// Hand-written by the UI; the shell derives the same shape in Rust with ts-rs under this name.
import type { ConsoleLine } from "./ConsoleLine";

/** A batch of console lines. The first frame after subscribing is the backfill (`backfill: true`). */
export type ConsoleFrame = { lines: Array<ConsoleLine>, backfill: boolean, };
