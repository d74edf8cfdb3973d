//! One task per watched server, the snapshot store and the bounded event bus.
