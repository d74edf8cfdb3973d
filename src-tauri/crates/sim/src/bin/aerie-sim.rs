//! `aerie-sim` binary: serves simulated panels until stopped.

fn main() -> anyhow::Result<()> {
    anyhow::bail!("aerie-sim serve is not implemented yet")
}
