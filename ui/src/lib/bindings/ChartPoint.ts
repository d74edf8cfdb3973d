// Hand-written by the UI; the shell derives the same shape in Rust with ts-rs under this name.
/** One sample: `values[i]` belongs to `ChartRender.series[i]`; `null` = no data (offline gap). */
export type ChartPoint = { at: number, values: Array<number | null>, };
