// Hand-written by the UI; the shell derives the same shape in Rust with ts-rs under this name.
/** The plotting area inside a chart's SVG, in SVG pixels. */
export type PlotArea = { left: number, top: number, width: number, height: number, };
