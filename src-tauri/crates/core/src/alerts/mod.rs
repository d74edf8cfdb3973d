//! Alert detectors over the fleet's event stream, and noise control. A pure state machine over events and time.
