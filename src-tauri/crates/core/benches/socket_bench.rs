//! Socket benchmarks (placeholder until the measurements land).
fn main() {}
