use super::*;
use crate::event::Limits;

const T0: u64 = 1_767_268_800_000; // 12:00 UTC

fn cpu_series() -> Series {
    Series::single(
        "CPU",
        (0..60)
            .map(|i| (T0 + i * 5_000, 40.0 + (i % 7) as f64 * 5.0))
            .collect(),
    )
}

#[test]
fn svg_holds_the_caption_axis_labels_and_the_limit() {
    let limits = Limits {
        memory_mib: 1024,
        disk_mib: 0,
        cpu_percent: 200,
    };
    let spec = ChartSpec::new(Metric::Cpu)
        .title("Survival CPU")
        .limits(&limits);
    let svg = render_svg(&cpu_series(), &spec).expect("renders");
    assert!(svg.starts_with("<svg"), "{}", &svg[..80.min(svg.len())]);
    let texts = text_of(&svg);
    assert!(texts.iter().any(|t| t == "Survival CPU"), "{texts:?}");
    assert!(svg.contains("12:0"), "time labels in HH:MM");
    assert!(svg.contains("%"), "percent axis");
    assert!(
        texts.iter().any(|t| t == "limit 200%"),
        "limit line in the legend"
    );
    assert!(svg.contains("<polyline") || svg.contains("<path") || svg.contains("<polygon"));
}

#[test]
fn network_chart_has_both_lines_and_rate_units() {
    let samples: Vec<_> = (0..30u64)
        .map(|i| crate::alerts::StatsSample {
            at: T0 + i * 5_000,
            stats: Default::default(),
            rates: crate::event::Rates {
                rx_bps: 2_000_000.0,
                tx_bps: 500_000.0 + i as f64,
                disk_read_bps: None,
                disk_write_bps: None,
            },
        })
        .collect();
    let series = Series::from_samples(Metric::Network, &samples);
    assert_eq!(series.lines.len(), 2);
    let svg =
        render_svg(&series, &ChartSpec::new(Metric::Network).theme(Theme::Dark)).expect("renders");
    let texts = text_of(&svg);
    assert!(
        texts.iter().any(|t| t == "rx") && texts.iter().any(|t| t == "tx"),
        "legend names both lines: {texts:?}"
    );
    assert!(svg.contains("MiB/s"));
    assert!(svg.contains("#181C") || svg.contains("rgb(24,24,28)") || svg.contains("#18181C"));
}

#[test]
fn png_decodes_with_the_requested_size_and_is_not_blank() {
    let spec = ChartSpec::new(Metric::Memory)
        .size(320, 140)
        .theme(Theme::Dark);
    let series = Series::single(
        "memory",
        (0..40)
            .map(|i| (T0 + i * 5_000, (i * 20 * 1024 * 1024) as f64))
            .collect(),
    );
    let bytes = render_png(&series, &spec).expect("renders");
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("valid PNG");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("one frame");
    assert_eq!((info.width, info.height), (320, 140));
    let distinct: std::collections::HashSet<&[u8]> = buf[..info.buffer_size()].chunks(3).collect();
    assert!(
        distinct.len() > 10,
        "text, lines and fill drawn: {}",
        distinct.len()
    );
}

#[test]
fn empty_series_still_renders() {
    let svg = render_svg(&Series::default(), &ChartSpec::new(Metric::Disk)).expect("renders");
    assert!(svg.contains("Disk"));
    render_png(
        &Series::default(),
        &ChartSpec::new(Metric::DiskIo).size(10, 10),
    )
    .expect("renders");
}

#[test]
fn byte_formatting_reads_naturally() {
    assert_eq!(format_bytes(512.0), "512 B");
    assert_eq!(format_bytes(1536.0), "1.5 KiB");
    assert_eq!(format_bytes(3.0 * 1024.0 * 1024.0 * 1024.0), "3.0 GiB");
}

/// The text nodes of an SVG document, trimmed.
fn text_of(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|t| {
            let start = t.find('>')? + 1;
            let end = t.find("</text>")?;
            Some(t[start..end].trim().to_owned())
        })
        .collect()
}

/// The x-axis labels (clock times) of a rendered chart.
fn time_labels(svg: &str) -> Vec<String> {
    text_of(svg)
        .into_iter()
        .filter(|t| t.len() >= 5 && t.as_bytes()[2] == b':' || t.contains('/'))
        .collect()
}

#[test]
fn a_young_history_in_an_hour_chart_keeps_the_hour_on_the_axis() {
    // Five minutes of samples (a fresh start) in the 1 h view: the axis spans the hour and its
    // labels are distinct minutes, not one minute repeated.
    let spec = ChartSpec::new(Metric::Cpu).window(T0 - 55 * 60_000, T0 + 5 * 60_000);
    let labels = time_labels(&render_svg(&cpu_series(), &spec).expect("renders"));
    assert!(labels.len() >= 3, "{labels:?}");
    let mut unique = labels.clone();
    unique.dedup();
    assert_eq!(unique.len(), labels.len(), "repeated labels: {labels:?}");
    assert!(labels.iter().any(|l| l.starts_with("11:")), "{labels:?}");
    assert!(
        labels.iter().all(|l| l.len() == 5),
        "HH:MM for an hour: {labels:?}"
    );
}

#[test]
fn labels_are_as_precise_as_the_span_needs() {
    // Five minutes: seconds, or every label would read the same minute or two.
    let labels =
        time_labels(&render_svg(&cpu_series(), &ChartSpec::new(Metric::Cpu)).expect("svg"));
    assert!(labels.iter().all(|l| l.len() == 8), "HH:MM:SS: {labels:?}");
    // A week: the day, or labels would repeat the same hours.
    let week = ChartSpec::new(Metric::Cpu).window(T0 - 7 * 86_400_000, T0);
    let labels = time_labels(&render_svg(&cpu_series(), &week).expect("svg"));
    assert!(labels.len() >= 3, "{labels:?}");
    assert!(
        labels.iter().all(|l| l.len() == 11 && l.contains('/')),
        "DD/MM HH:MM: {labels:?}"
    );
    assert!(
        labels.iter().any(|l| l.contains("/12 ")),
        "December days: {labels:?}"
    );
}
