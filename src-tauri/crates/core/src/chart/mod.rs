//! Charts drawn with plotters: SVG for the UI, PNG/SVG exports, images in notifications.
//!
//! One renderer so a chart looks the same everywhere: build a [`Series`] (usually with
//! [`Series::from_samples`]) and a [`ChartSpec`], then call [`render_svg`] or [`render_png`].

mod render;
mod spec;

pub use render::{render_png, render_svg};
pub use spec::{ChartSpec, Line, Metric, Series, Theme, format_bytes};

#[cfg(test)]
mod tests;
