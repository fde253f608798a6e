//! How much an in-memory structure holds now: every structure that grows with
//! traffic or data reports its size, and the server publishes the figures as
//! gauges (see `apps/server/src/telemetry.rs`).

/// One figure of a structure's current size.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Size {
    /// The gauge it is published as (a constant: never built from input).
    pub gauge: &'static str,
    pub value: f64,
}

impl Size {
    pub fn new(gauge: &'static str, value: impl Into<f64>) -> Self {
        Self {
            gauge,
            value: value.into(),
        }
    }

    /// A count that may exceed `u32` (converted with the precision of a gauge).
    #[allow(clippy::cast_precision_loss)]
    pub fn count(gauge: &'static str, value: usize) -> Self {
        Self {
            gauge,
            value: value as f64,
        }
    }
}

/// A structure whose size is bounded by configuration and reported.
pub trait Footprint: Send + Sync {
    /// Its current figures; empty when it keeps nothing in this process
    /// (a networked adapter whose server bounds it).
    fn footprint(&self) -> Vec<Size>;
}
