// Hand-written by the UI; the shell derives the same shape in Rust with ts-rs under this name.
import type { ChartPoint } from "./ChartPoint";
import type { PlotArea } from "./PlotArea";

/** A chart drawn by plotters, plus its data for hover read-outs. */
export type ChartRender = {
  /** Self-contained SVG markup (no scripts, no external references). */
  svg: string,
  /** Series names, e.g. `["CPU"]` or `["Received", "Sent"]`. */
  series: Array<string>,
  /** Unit of the values: `percent`, `bytes`, `bytes_per_s`. */
  unit: string,
  /** The plotting area inside the SVG, in SVG pixels, to map the pointer to a time. */
  plot: PlotArea,
  from: number,
  to: number,
  points: Array<ChartPoint>,
  /** Limit line value in `unit`, when there is one. */
  limit: number | null, };
