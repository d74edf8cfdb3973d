//! `aerie-sim`: simulated Pterodactyl and Pelican panels with their Wings nodes, on loopback.
//!
//! The demo, every test and every benchmark of Aerie run against this world. It follows the real
//! Wings and Panel behaviour documented in `shared/design/wings-protocol.md`.
