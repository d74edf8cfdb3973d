//! What to draw: the data ([`Series`]) and how ([`ChartSpec`]).

use crate::alerts::StatsSample;
use crate::event::{Limits, TimestampMs};

const MIB: f64 = 1024.0 * 1024.0;

/// Which quantity a chart shows; decides units, axis labels and colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// CPU in percent of one core.
    Cpu,
    /// Memory in bytes.
    Memory,
    /// Network receive and send rates, bytes per second.
    Network,
    /// Disk usage in bytes.
    Disk,
    /// Disk read and write rates, bytes per second.
    DiskIo,
}

impl Metric {
    /// The chart's default caption.
    pub fn caption(self) -> &'static str {
        match self {
            Self::Cpu => "CPU",
            Self::Memory => "Memory",
            Self::Network => "Network",
            Self::Disk => "Disk",
            Self::DiskIo => "Disk I/O",
        }
    }

    /// Formats a value of this metric for an axis label.
    pub fn format(self, v: f64) -> String {
        match self {
            Self::Cpu => format!("{v:.0}%"),
            Self::Memory | Self::Disk => format_bytes(v),
            Self::Network | Self::DiskIo => format!("{}/s", format_bytes(v)),
        }
    }
}

/// "512 B", "1.5 KiB", "3.2 GiB".
pub fn format_bytes(v: f64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = v.max(0.0);
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 || v >= 100.0 {
        format!("{v:.0} {}", UNITS[unit])
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

/// Colours of a chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Theme {
    /// Dark text on white.
    #[default]
    Light,
    /// Light text on near-black, for the dark UI and most notification popups.
    Dark,
}

/// How to draw a chart.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartSpec {
    /// What is plotted; picks the unit, axis labels and line colours.
    pub metric: Metric,
    /// Image width in pixels (the SVG's `width`, the PNG's size).
    pub width: u32,
    /// Image height in pixels.
    pub height: u32,
    /// Light or dark palette, to match the app or the desktop.
    pub theme: Theme,
    /// Caption; `None` uses the metric's name.
    pub title: Option<String>,
    /// A horizontal limit line (the panel's limit), in the metric's unit.
    pub limit: Option<f64>,
    /// The viewer's offset from UTC for time labels, minutes.
    pub utc_offset_minutes: i32,
    /// The time span the x axis shows (ms since the epoch), e.g. the last hour for a 1 h
    /// chart; `None` fits the axis to the data. A fixed span keeps the axis meaningful when
    /// only a few minutes of history exist (after a first start or a restart).
    pub window: Option<(TimestampMs, TimestampMs)>,
}

impl ChartSpec {
    /// A 480x200 light chart of `metric`.
    pub fn new(metric: Metric) -> Self {
        Self {
            metric,
            width: 480,
            height: 200,
            theme: Theme::Light,
            title: None,
            limit: None,
            utc_offset_minutes: 0,
            window: None,
        }
    }

    /// Sets the size in pixels.
    pub fn size(mut self, width: u32, height: u32) -> Self {
        self.width = width.max(64);
        self.height = height.max(48);
        self
    }

    /// Shows the span `from..to` (ms since the epoch) on the x axis whatever the data covers.
    pub fn window(mut self, from: TimestampMs, to: TimestampMs) -> Self {
        self.window = (to > from).then_some((from, to));
        self
    }

    /// Draws with this palette instead of the default light one.
    pub fn theme(mut self, theme: Theme) -> Self {
        self.theme = theme;
        self
    }

    /// Sets the caption.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Draws the panel's limit for this metric, when the metric has one and it is not 0
    /// (unlimited).
    pub fn limits(mut self, limits: &Limits) -> Self {
        self.limit = match self.metric {
            Metric::Cpu => Some(limits.cpu_percent as f64),
            Metric::Memory => Some(limits.memory_mib as f64 * MIB),
            Metric::Disk => Some(limits.disk_mib as f64 * MIB),
            Metric::Network | Metric::DiskIo => None,
        }
        .filter(|&l| l > 0.0);
        self
    }
}

/// One named line of (time, value) points.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Line {
    /// Legend label, e.g. "rx".
    pub label: String,
    /// Points, oldest first; time in ms since the Unix epoch.
    pub points: Vec<(TimestampMs, f64)>,
}

/// The data of one chart: one or more lines over the same time span.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Series {
    /// Drawn in order, alternating between the theme's two line colours.
    pub lines: Vec<Line>,
}

impl Series {
    /// A series of one line (CPU, memory and disk charts have one; rates have two).
    pub fn single(label: impl Into<String>, points: Vec<(TimestampMs, f64)>) -> Self {
        Self {
            lines: vec![Line {
                label: label.into(),
                points,
            }],
        }
    }

    /// The lines `metric` draws from stats samples (e.g. rx and tx for the network).
    pub fn from_samples(metric: Metric, samples: &[StatsSample]) -> Self {
        let line = |label: &str, f: &dyn Fn(&StatsSample) -> Option<f64>| Line {
            label: label.to_owned(),
            points: samples
                .iter()
                .filter_map(|s| f(s).map(|v| (s.at, v)))
                .collect(),
        };
        let lines = match metric {
            Metric::Cpu => vec![line("CPU", &|s| Some(s.stats.cpu_absolute))],
            Metric::Memory => vec![line("memory", &|s| Some(s.stats.memory_bytes as f64))],
            Metric::Disk => vec![line("disk", &|s| Some(s.stats.disk_bytes as f64))],
            Metric::Network => vec![
                line("rx", &|s| Some(s.rates.rx_bps)),
                line("tx", &|s| Some(s.rates.tx_bps)),
            ],
            Metric::DiskIo => vec![
                line("read", &|s| s.rates.disk_read_bps),
                line("write", &|s| s.rates.disk_write_bps),
            ],
        };
        Self { lines }
    }

    /// Time span covered, if there is any point.
    pub(super) fn span(&self) -> Option<(TimestampMs, TimestampMs)> {
        let times = self.lines.iter().flat_map(|l| l.points.iter().map(|p| p.0));
        let (mut lo, mut hi) = (u64::MAX, 0);
        for t in times {
            lo = lo.min(t);
            hi = hi.max(t);
        }
        (lo <= hi).then_some((lo, hi))
    }

    /// Largest value, 0 when empty.
    pub(super) fn max_value(&self) -> f64 {
        self.lines
            .iter()
            .flat_map(|l| l.points.iter().map(|p| p.1))
            .filter(|v| v.is_finite())
            .fold(0.0, f64::max)
    }
}
