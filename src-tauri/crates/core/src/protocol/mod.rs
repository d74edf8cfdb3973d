//! Wire codecs: Wings (Pterodactyl, Pelican) and, later, StellarStack, jPulse and generic JWT
//! channel services. Codecs are pure functions and pure state machines: no I/O, no clock reads
//! (time is passed in), so they are tested exhaustively without sockets.

pub mod wings;
