//! The one plotters renderer behind every chart (UI, exports, notification images).

use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::spec::{ChartSpec, Metric, Series, Theme};
use crate::error::{Error, Result};

/// DejaVu Sans, embedded so PNG text renders the same on every machine without fontconfig.
static FONT_BYTES: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");
const FAMILY: &str = "sans-serif";

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if plotters::style::register_font(FAMILY, FontStyle::Normal, FONT_BYTES).is_err() {
            tracing::warn!("embedded chart font rejected; chart text will be missing");
        }
    });
}

struct Palette {
    background: RGBColor,
    text: RGBColor,
    grid: RGBColor,
    lines: [RGBColor; 2],
    limit: RGBColor,
}

fn palette(theme: Theme) -> Palette {
    match theme {
        Theme::Light => Palette {
            background: RGBColor(255, 255, 255),
            text: RGBColor(40, 40, 48),
            grid: RGBColor(200, 200, 208),
            lines: [RGBColor(37, 99, 235), RGBColor(217, 119, 6)],
            limit: RGBColor(220, 38, 38),
        },
        Theme::Dark => Palette {
            background: RGBColor(24, 24, 28),
            text: RGBColor(220, 220, 228),
            grid: RGBColor(70, 70, 80),
            lines: [RGBColor(96, 165, 250), RGBColor(251, 191, 36)],
            limit: RGBColor(248, 113, 113),
        },
    }
}

/// Draws the chart as an SVG document.
pub fn render_svg(series: &Series, spec: &ChartSpec) -> Result<String> {
    register_font();
    let mut svg = String::with_capacity(16 * 1024);
    {
        let root = SVGBackend::with_string(&mut svg, (spec.width, spec.height)).into_drawing_area();
        draw(&root, series, spec).map_err(chart_error)?;
        root.present().map_err(chart_error)?;
    }
    Ok(svg)
}

/// Draws the chart as a PNG image (RGB, 8 bit).
pub fn render_png(series: &Series, spec: &ChartSpec) -> Result<Vec<u8>> {
    register_font();
    let (w, h) = (spec.width, spec.height);
    let mut rgb = vec![0u8; w as usize * h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        draw(&root, series, spec).map_err(chart_error)?;
        root.present().map_err(chart_error)?;
    }
    let mut png_bytes = Vec::with_capacity(rgb.len() / 8);
    let mut encoder = png::Encoder::new(&mut png_bytes, w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(chart_error)?;
    writer.write_image_data(&rgb).map_err(chart_error)?;
    writer.finish().map_err(chart_error)?;
    Ok(png_bytes)
}

fn chart_error(e: impl std::fmt::Display) -> Error {
    Error::Chart {
        detail: e.to_string(),
    }
}

/// A time label in the viewer's time zone, as precise as the span needs: "14:05:30" when the
/// axis covers a few minutes (minutes alone would repeat), "14:05" up to two days, and
/// "25/11 14:00" beyond (a week's labels would otherwise repeat the same hours).
fn clock_label(ms: f64, utc_offset_minutes: i32, span_ms: f64) -> String {
    let local_s = (ms / 1000.0).floor() as i64 + i64::from(utc_offset_minutes) * 60;
    let secs_of_day = local_s.rem_euclid(86_400);
    let (h, m, s) = (
        secs_of_day / 3600,
        secs_of_day % 3600 / 60,
        secs_of_day % 60,
    );
    if span_ms <= 10.0 * 60_000.0 {
        format!("{h:02}:{m:02}:{s:02}")
    } else if span_ms <= 2.0 * 86_400_000.0 {
        format!("{h:02}:{m:02}")
    } else {
        let (_, month, day) = civil_date(local_s.div_euclid(86_400));
        format!("{day:02}/{month:02} {h:02}:{m:02}")
    }
}

/// (year, month, day) of a day count since 1970-01-01 (Howard Hinnant's civil_from_days).
fn civil_date(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    series: &Series,
    spec: &ChartSpec,
) -> std::result::Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let colors = palette(spec.theme);
    root.fill(&colors.background)?;
    let (t0, t1) = spec.window.or_else(|| series.span()).unwrap_or((0, 60_000));
    // One point (or none) still needs a visible span.
    let (x0, x1) = (t0 as f64, (t1.max(t0 + 60_000)) as f64);
    let span = x1 - x0;
    let top = series.max_value().max(spec.limit.unwrap_or(0.0));
    let y1 = match spec.metric {
        Metric::Cpu => (top * 1.1).max(10.0),
        _ => (top * 1.1).max(1.0),
    };
    let small = spec.height < 120;
    let font = |size: u32| (FAMILY, size).into_font().color(&colors.text);
    let title = spec
        .title
        .clone()
        .unwrap_or_else(|| spec.metric.caption().to_owned());
    let mut chart = ChartBuilder::on(root)
        .caption(title, font(if small { 11 } else { 14 }))
        .margin(6)
        .x_label_area_size(if small { 14 } else { 22 })
        .y_label_area_size(if small { 40 } else { 62 })
        .build_cartesian_2d(x0..x1, 0.0..y1)?;
    let metric = spec.metric;
    let offset = spec.utc_offset_minutes;
    chart
        .configure_mesh()
        .x_labels(if small { 3 } else { 5 })
        .y_labels(if small { 3 } else { 5 })
        .x_label_formatter(&|x| clock_label(*x, offset, span))
        .y_label_formatter(&|y| metric.format(*y))
        .label_style(font(if small { 9 } else { 11 }))
        .axis_style(colors.grid)
        .bold_line_style(colors.grid.mix(0.5))
        .light_line_style(colors.background)
        .draw()?;
    let single = series.lines.len() == 1;
    for (i, line) in series.lines.iter().enumerate() {
        let color = colors.lines[i % colors.lines.len()];
        let points = line.points.iter().map(|&(t, v)| (t as f64, v));
        let drawn = if single {
            chart.draw_series(
                AreaSeries::new(points, 0.0, color.mix(0.18)).border_style(color.stroke_width(2)),
            )?
        } else {
            chart.draw_series(LineSeries::new(points, color.stroke_width(2)))?
        };
        drawn.label(line.label.clone()).legend(move |(x, y)| {
            PathElement::new(vec![(x, y), (x + 14, y)], color.stroke_width(2))
        });
    }
    if let Some(limit) = spec.limit {
        let limit_color = colors.limit;
        chart
            .draw_series(DashedLineSeries::new(
                vec![(x0, limit), (x1, limit)],
                6,
                4,
                limit_color.stroke_width(1),
            ))?
            .label(format!("limit {}", metric.format(limit)))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 14, y)], limit_color));
    }
    if !small && (series.lines.len() > 1 || spec.limit.is_some()) {
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(colors.background.mix(0.85))
            .border_style(colors.grid)
            .label_font(font(10))
            .draw()?;
    }
    Ok(())
}
