// Hand-written by the UI; the shell derives the same shape in Rust with ts-rs under this name.
import type { ChartMetric } from "./ChartMetric";
import type { ChartRange } from "./ChartRange";
import type { ServerKey } from "./ServerKey";

/** What to draw, and at which size (CSS pixels). */
export type ChartRequest = {
  server: ServerKey,
  metric: ChartMetric,
  range: ChartRange,
  width: number,
  height: number,
  dark: boolean, };
