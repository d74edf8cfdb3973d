//! Alert sinks: desktop notifications and tray health.
