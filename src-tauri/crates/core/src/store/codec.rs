//! The packed form of history points inside a chunk.
//!
//! One chunk row holds up to [`CHUNK_SLOTS`] consecutive buckets of one tier, 19 bytes each. A
//! row per point would cost ~45 bytes with SQLite's record and B-tree overhead, which puts a
//! day of 1,000 servers far over budget; packing keeps the database small and a 24 h chart a
//! handful of row reads.

/// Buckets per chunk. The slot index is stored in one byte.
pub(crate) const CHUNK_SLOTS: u64 = 240;
/// Bytes per packed point: slot `u8`, CPU in ‰ `u16`, memory KiB `u32`, disk MiB `u32`, and
/// four `u16` rate codes (rx, tx, disk read, disk write).
pub(crate) const POINT_BYTES: usize = 19;
/// Rates are stored on a log scale: `code = log2(1 + bps) * RATE_SCALE`, 0.05 % resolution.
const RATE_SCALE: f64 = 1600.0;
/// The code meaning "not reported" (disk I/O on Pterodactyl).
const NONE_CODE: u16 = u16::MAX;

/// One history point: the mean of a bucket (disk: the last value).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Point {
    /// Start of the bucket, ms since the Unix epoch.
    pub at_ms: u64,
    /// CPU in percent of one core (0.1 % resolution).
    pub cpu_percent: f64,
    /// Memory in use, bytes (KiB resolution).
    pub memory_bytes: u64,
    /// Disk in use, bytes (MiB resolution).
    pub disk_bytes: u64,
    /// Network receive rate, bytes per second.
    pub rx_bps: f64,
    /// Network send rate, bytes per second.
    pub tx_bps: f64,
    /// Disk read rate, when the daemon reports disk I/O.
    pub disk_read_bps: Option<f64>,
    /// Disk write rate, when the daemon reports disk I/O.
    pub disk_write_bps: Option<f64>,
}

fn rate_code(bps: f64) -> u16 {
    if !bps.is_finite() || bps <= 0.0 {
        return 0;
    }
    let code = ((1.0 + bps).log2() * RATE_SCALE).round();
    // Saturate one below the "none" code (~2 TB/s).
    code.min(f64::from(NONE_CODE - 1)) as u16
}

fn rate_value(code: u16) -> f64 {
    (f64::from(code) / RATE_SCALE).exp2() - 1.0
}

fn opt_rate_code(bps: Option<f64>) -> u16 {
    bps.map_or(NONE_CODE, rate_code)
}

fn opt_rate_value(code: u16) -> Option<f64> {
    (code != NONE_CODE).then(|| rate_value(code))
}

/// Appends `point` at `slot` to a chunk buffer.
pub(crate) fn push(buf: &mut Vec<u8>, slot: u8, p: &Point) {
    let cpu = (p.cpu_percent.max(0.0) * 10.0)
        .round()
        .min(f64::from(u16::MAX)) as u16;
    let mem_kib = u32::try_from(p.memory_bytes.div_ceil(1024)).unwrap_or(u32::MAX);
    let disk_mib = u32::try_from(p.disk_bytes.div_ceil(1024 * 1024)).unwrap_or(u32::MAX);
    buf.push(slot);
    buf.extend_from_slice(&cpu.to_le_bytes());
    buf.extend_from_slice(&mem_kib.to_le_bytes());
    buf.extend_from_slice(&disk_mib.to_le_bytes());
    buf.extend_from_slice(&rate_code(p.rx_bps).to_le_bytes());
    buf.extend_from_slice(&rate_code(p.tx_bps).to_le_bytes());
    buf.extend_from_slice(&opt_rate_code(p.disk_read_bps).to_le_bytes());
    buf.extend_from_slice(&opt_rate_code(p.disk_write_bps).to_le_bytes());
}

/// The slot of the last point in a chunk buffer, if any.
pub(crate) fn last_slot(buf: &[u8]) -> Option<u8> {
    let n = buf.len() / POINT_BYTES;
    (n > 0).then(|| buf[(n - 1) * POINT_BYTES])
}

/// Decodes a chunk that starts at `start_ms` with buckets of `step_ms`. A truncated tail (a
/// damaged row) is ignored rather than failing the whole chart.
pub(crate) fn decode(buf: &[u8], start_ms: u64, step_ms: u64, out: &mut Vec<Point>) {
    for rec in buf.chunks_exact(POINT_BYTES) {
        let u16_at = |i: usize| u16::from_le_bytes([rec[i], rec[i + 1]]);
        let u32_at = |i: usize| u32::from_le_bytes([rec[i], rec[i + 1], rec[i + 2], rec[i + 3]]);
        out.push(Point {
            at_ms: start_ms + u64::from(rec[0]) * step_ms,
            cpu_percent: f64::from(u16_at(1)) / 10.0,
            memory_bytes: u64::from(u32_at(3)) * 1024,
            disk_bytes: u64::from(u32_at(7)) * 1024 * 1024,
            rx_bps: rate_value(u16_at(11)),
            tx_bps: rate_value(u16_at(13)),
            disk_read_bps: opt_rate_value(u16_at(15)),
            disk_write_bps: opt_rate_value(u16_at(17)),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_round_trip_within_the_documented_resolution() {
        let p = Point {
            at_ms: 1_000 + 7 * 5_000,
            cpu_percent: 173.46,
            memory_bytes: 3 * 1024 * 1024 * 1024 + 5,
            disk_bytes: 10 * 1024 * 1024 * 1024,
            rx_bps: 12_345.0,
            tx_bps: 0.0,
            disk_read_bps: Some(1e9),
            disk_write_bps: None,
        };
        let mut buf = Vec::new();
        push(&mut buf, 7, &p);
        assert_eq!(buf.len(), POINT_BYTES);
        assert_eq!(last_slot(&buf), Some(7));
        let mut out = Vec::new();
        decode(&buf, 1_000, 5_000, &mut out);
        let q = out[0];
        assert_eq!(q.at_ms, p.at_ms);
        assert!((q.cpu_percent - 173.5).abs() < 0.051);
        assert!(q.memory_bytes.abs_diff(p.memory_bytes) <= 1024);
        assert_eq!(q.disk_bytes, p.disk_bytes);
        assert!(
            (q.rx_bps - p.rx_bps).abs() / p.rx_bps < 0.001,
            "{}",
            q.rx_bps
        );
        assert_eq!(q.tx_bps, 0.0);
        assert!(
            q.disk_read_bps
                .is_some_and(|v| (v - 1e9).abs() / 1e9 < 0.001)
        );
        assert_eq!(q.disk_write_bps, None, "absent disk I/O stays absent");
    }

    #[test]
    fn hostile_values_saturate_instead_of_wrapping() {
        let p = Point {
            cpu_percent: f64::NAN,
            rx_bps: f64::INFINITY,
            tx_bps: 1e300,
            memory_bytes: u64::MAX,
            ..Point::default()
        };
        let mut buf = Vec::new();
        push(&mut buf, 0, &p);
        let mut out = Vec::new();
        decode(&buf[..POINT_BYTES - 1], 0, 1, &mut out);
        assert!(out.is_empty(), "a truncated record is skipped");
        decode(&buf, 0, 1, &mut out);
        assert_eq!(out[0].rx_bps, 0.0);
        assert!(out[0].tx_bps > 1e12);
        assert!(out[0].disk_read_bps.is_none());
    }
}
