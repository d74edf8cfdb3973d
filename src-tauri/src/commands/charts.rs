//! Charts drawn by the engine's one renderer (`aerie-core::chart`) from the history store.
//!
//! Before reading, the history writer is flushed, so the buckets still filling (the live
//! samples of the last minute) are in the chart too. The plot area reported to the UI is
//! derived from the renderer's layout (margin 6, y labels 62, x labels 22, a 14 px caption),
//! and `from`/`to` are the span the renderer actually draws, so pointer → time mapping holds.

use crate::engine::{Engine, EngineState};
use crate::error::{Error, Result};
use aerie_core::chart::{ChartSpec, Line, Metric, Series, Theme, render_png, render_svg};
use aerie_core::event::ServerKey;
use aerie_core::store::Point;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use tauri::{AppHandle, Manager, State};
use ts_rs::TS;

/// What a chart plots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ChartMetric {
    /// CPU, percent of one core.
    Cpu,
    /// Memory, bytes.
    Memory,
    /// Disk usage, bytes.
    Disk,
    /// Network rates.
    Network,
    /// Disk read/write rates.
    DiskIo,
}

/// The time window of a chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub enum ChartRange {
    /// 15 minutes.
    #[serde(rename = "15m")]
    M15,
    /// 1 hour.
    #[serde(rename = "1h")]
    H1,
    /// 24 hours.
    #[serde(rename = "24h")]
    H24,
    /// 7 days.
    #[serde(rename = "7d")]
    D7,
}

impl ChartRange {
    fn span_ms(self) -> u64 {
        const MIN: u64 = 60_000;
        match self {
            Self::M15 => 15 * MIN,
            Self::H1 => 60 * MIN,
            Self::H24 => 24 * 60 * MIN,
            Self::D7 => 7 * 24 * 60 * MIN,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::M15 => "15m",
            Self::H1 => "1h",
            Self::H24 => "24h",
            Self::D7 => "7d",
        }
    }
}

/// What to draw, and at which size (CSS pixels).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ChartRequest {
    /// Which server.
    pub server: ServerKey,
    /// What.
    pub metric: ChartMetric,
    /// Over which window.
    pub range: ChartRange,
    /// Width, CSS pixels.
    pub width: u32,
    /// Height, CSS pixels.
    pub height: u32,
    /// Dark theme.
    pub dark: bool,
}

/// The plotting area inside a chart's SVG, in SVG pixels.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, TS)]
pub struct PlotArea {
    /// Left edge.
    pub left: f64,
    /// Top edge.
    pub top: f64,
    /// Width.
    pub width: f64,
    /// Height.
    pub height: f64,
}

/// One sample: `values[i]` belongs to `ChartRender.series[i]`; `null` = no data.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ChartPoint {
    /// Time, ms since the epoch.
    #[ts(type = "number")]
    pub at: u64,
    /// One value per series.
    pub values: Vec<Option<f64>>,
}

/// A chart drawn by plotters, plus its data for hover read-outs.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ChartRender {
    /// Self-contained SVG markup.
    pub svg: String,
    /// Series names.
    pub series: Vec<String>,
    /// Unit of the values: `percent`, `bytes`, `bytes_per_s`.
    pub unit: String,
    /// The plotting area inside the SVG.
    pub plot: PlotArea,
    /// Start of the drawn span.
    #[ts(type = "number")]
    pub from: u64,
    /// End of the drawn span.
    #[ts(type = "number")]
    pub to: u64,
    /// The data.
    pub points: Vec<ChartPoint>,
    /// Limit line value in `unit`, when there is one.
    pub limit: Option<f64>,
}

/// Chart export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// PNG image.
    Png,
    /// SVG document.
    Svg,
}

fn core_metric(m: ChartMetric) -> Metric {
    match m {
        ChartMetric::Cpu => Metric::Cpu,
        ChartMetric::Memory => Metric::Memory,
        ChartMetric::Disk => Metric::Disk,
        ChartMetric::Network => Metric::Network,
        ChartMetric::DiskIo => Metric::DiskIo,
    }
}

/// Series names, unit and the values of one point, per metric.
fn columns(m: ChartMetric) -> (&'static [&'static str], &'static str) {
    match m {
        ChartMetric::Cpu => (&["CPU"], "percent"),
        ChartMetric::Memory => (&["Memory"], "bytes"),
        ChartMetric::Disk => (&["Disk"], "bytes"),
        ChartMetric::Network => (&["Received", "Sent"], "bytes_per_s"),
        ChartMetric::DiskIo => (&["Read", "Write"], "bytes_per_s"),
    }
}

#[allow(clippy::cast_precision_loss)]
fn values(m: ChartMetric, p: &Point) -> Vec<Option<f64>> {
    match m {
        ChartMetric::Cpu => vec![Some(p.cpu_percent)],
        ChartMetric::Memory => vec![Some(p.memory_bytes as f64)],
        ChartMetric::Disk => vec![Some(p.disk_bytes as f64)],
        ChartMetric::Network => vec![Some(p.rx_bps), Some(p.tx_bps)],
        ChartMetric::DiskIo => vec![p.disk_read_bps, p.disk_write_bps],
    }
}

/// Points for hover read-outs: a `null` point marks a gap longer than two buckets.
fn chart_points(m: ChartMetric, points: &[Point], step_ms: u64) -> Vec<ChartPoint> {
    let width = columns(m).0.len();
    let mut out = Vec::with_capacity(points.len());
    let mut last: Option<u64> = None;
    for p in points {
        if let Some(prev) = last
            && p.at_ms.saturating_sub(prev) > 2 * step_ms.max(1)
        {
            out.push(ChartPoint {
                at: prev + step_ms,
                values: vec![None; width],
            });
        }
        out.push(ChartPoint {
            at: p.at_ms,
            values: values(m, p),
        });
        last = Some(p.at_ms);
    }
    out
}

fn series_of(m: ChartMetric, points: &[ChartPoint]) -> Series {
    let names = columns(m).0;
    Series {
        lines: names
            .iter()
            .enumerate()
            .map(|(i, name)| Line {
                label: (*name).to_string(),
                points: points
                    .iter()
                    .filter_map(|p| p.values.get(i).copied().flatten().map(|v| (p.at, v)))
                    .collect(),
            })
            .collect(),
    }
}

/// The renderer's plotting area for a chart of this size (see the module docs).
fn plot_area(width: u32, height: u32) -> PlotArea {
    let small = height < 120;
    let margin = 6.0;
    let (x_labels, y_labels, caption) = if small {
        (14.0, 40.0, 11.0)
    } else {
        (22.0, 62.0, 14.0)
    };
    let top = margin + caption + margin;
    let left = margin + y_labels;
    PlotArea {
        left,
        top,
        width: (f64::from(width) - left - margin).max(1.0),
        height: (f64::from(height) - top - x_labels - margin).max(1.0),
    }
}

struct Drawn {
    series: Series,
    spec: ChartSpec,
    points: Vec<ChartPoint>,
    name: String,
}

async fn prepare(engine: &Engine, request: &ChartRequest) -> Result<Drawn> {
    let alerting = &engine.alerting;
    let Some(store) = alerting.store.clone() else {
        return Err(Error::Unavailable(
            "the history database could not be opened; see the log".into(),
        ));
    };
    let snapshot = engine
        .fleet
        .snapshot()
        .into_iter()
        .find(|s| s.key == request.server)
        .ok_or_else(|| Error::NotFound(format!("no watched server {}", request.server)))?;
    if let Some(writer) = alerting.history_writer()
        && let Err(e) = writer.flush().await
    {
        tracing::warn!(error = %e, "chart: history not flushed");
    }
    let key = request.server.clone();
    let span = request.range.span_ms();
    let now = aerie_core::clock::now_ms();
    let (tier, points) = tauri::async_runtime::spawn_blocking(move || store.chart(&key, span, now))
        .await
        .map_err(|e| Error::Desktop(e.to_string()))??;
    let points = chart_points(request.metric, &points, tier.step_ms());
    let series = series_of(request.metric, &points);
    let metric = core_metric(request.metric);
    let mut spec = ChartSpec::new(metric)
        .size(
            request.width.clamp(64, 4096),
            request.height.clamp(48, 4096),
        )
        .theme(if request.dark {
            Theme::Dark
        } else {
            Theme::Light
        })
        .title(format!("{} · {}", snapshot.info.name, metric.caption()))
        .limits(&snapshot.info.limits)
        // The whole range the user picked, so a young history does not stretch to fill it.
        .window(now.saturating_sub(span), now);
    spec.utc_offset_minutes = chrono::Local::now().offset().local_minus_utc() / 60;
    Ok(Drawn {
        series,
        spec,
        points,
        name: snapshot.info.name,
    })
}

/// Draws a chart as SVG with its data points.
#[tauri::command]
pub async fn render_chart(
    engine: State<'_, EngineState>,
    request: ChartRequest,
) -> Result<ChartRender> {
    let d = prepare(engine.get()?, &request).await?;
    let svg = render_svg(&d.series, &d.spec)?;
    let (names, unit) = columns(request.metric);
    // The axis the SVG was drawn with, so hover read-outs map x to the same times.
    let (from, to) = d.spec.window.unwrap_or((0, 60_000));
    Ok(ChartRender {
        svg,
        series: names.iter().map(|s| (*s).to_string()).collect(),
        unit: unit.to_string(),
        plot: plot_area(d.spec.width, d.spec.height),
        from,
        to,
        points: d.points,
        limit: d.spec.limit,
    })
}

/// A file-name-safe form of a server name.
pub fn file_stem(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '-' })
        .collect();
    let s = s.trim_matches('-');
    if s.is_empty() {
        "server".into()
    } else {
        s.chars().take(60).collect()
    }
}

/// Where exports go: the user's Downloads folder, else the app's data directory.
pub fn export_dir(app: &AppHandle) -> Result<PathBuf> {
    let dir = match app.path().download_dir() {
        Ok(d) if d.is_dir() => d,
        _ => app
            .state::<crate::state::Runtime>()
            .data_dir
            .join("exports"),
    };
    std::fs::create_dir_all(&dir)
        .map_err(|e| Error::Desktop(format!("cannot create {}: {e}", dir.display())))?;
    Ok(dir)
}

/// Writes `bytes` to `dir/stem.ext`, never overwriting (adds `-2`, `-3`, …).
pub fn write_new(dir: &std::path::Path, stem: &str, ext: &str, bytes: &[u8]) -> Result<PathBuf> {
    for n in 1..1000 {
        let name = if n == 1 {
            format!("{stem}.{ext}")
        } else {
            format!("{stem}-{n}.{ext}")
        };
        let path = dir.join(name);
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut f) => {
                use std::io::Write;
                f.write_all(bytes)
                    .map_err(|e| Error::Desktop(format!("cannot write {}: {e}", path.display())))?;
                return Ok(path);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => {
                return Err(Error::Desktop(format!(
                    "cannot write {}: {e}",
                    path.display()
                )));
            }
        }
    }
    Err(Error::Desktop("too many exports with this name".into()))
}

/// Exports a chart as PNG or SVG into the Downloads folder (no save dialog); resolves to the
/// path.
#[tauri::command]
pub async fn export_chart(
    app: AppHandle,
    engine: State<'_, EngineState>,
    request: ChartRequest,
    format: ExportFormat,
) -> Result<Option<String>> {
    let d = prepare(engine.get()?, &request).await?;
    let (bytes, ext) = match format {
        ExportFormat::Png => (render_png(&d.series, &d.spec)?, "png"),
        ExportFormat::Svg => (render_svg(&d.series, &d.spec)?.into_bytes(), "svg"),
    };
    let metric = serde_json::to_value(request.metric)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| "chart".into());
    let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S");
    let stem = format!(
        "aerie-{}-{metric}-{}-{stamp}",
        file_stem(&d.name),
        request.range.label()
    );
    let path = write_new(&export_dir(&app)?, &stem, ext, &bytes)?;
    app.state::<crate::state::Exports>().record(&path);
    tracing::info!(path = %path.display(), "chart exported");
    Ok(Some(path.to_string_lossy().into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_parses_the_ui_shape() {
        let r: ChartRequest = serde_json::from_value(serde_json::json!({
            "server": {"panel": "p", "server": "abcd1234"},
            "metric": "disk_io", "range": "15m", "width": 600, "height": 200, "dark": true
        }))
        .expect("parses");
        assert_eq!(r.metric, ChartMetric::DiskIo);
        assert_eq!(r.range.span_ms(), 15 * 60_000);
    }

    #[test]
    fn gaps_become_null_points_and_series_skip_them() {
        let p = |at_ms, cpu| Point {
            at_ms,
            cpu_percent: cpu,
            ..Point::default()
        };
        let pts = chart_points(ChartMetric::Cpu, &[p(0, 1.0), p(10, 2.0), p(100, 3.0)], 10);
        assert_eq!(pts.len(), 4);
        assert_eq!(pts[2].values, vec![None]);
        assert_eq!(series_of(ChartMetric::Cpu, &pts).lines[0].points.len(), 3);
    }

    #[test]
    fn exports_never_overwrite_and_names_are_safe() {
        let dir = std::env::temp_dir().join(format!("aerie-export-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let a = write_new(&dir, "x", "png", b"1").expect("first");
        let b = write_new(&dir, "x", "png", b"2").expect("second");
        assert_ne!(a, b);
        assert_eq!(file_stem("My Server / #1"), "My-Server----1");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
