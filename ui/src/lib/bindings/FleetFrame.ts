// Hand-written by the UI; the shell derives the same shape in Rust with ts-rs under this name.
import type { ServerRow } from "./ServerRow";

/** A coalesced fleet update (at most 20 per second). The first frame after subscribing holds every row. */
export type FleetFrame = {
  /** Changed or new rows only. */
  rows: Array<ServerRow>,
  /** Row ids that are no longer watched. */
  removed: Array<string>, };
