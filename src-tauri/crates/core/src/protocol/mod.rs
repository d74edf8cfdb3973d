//! Wire codecs: Wings (Pterodactyl, Pelican) and, later, StellarStack, jPulse and generic JWT channel services.
