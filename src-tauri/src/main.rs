//! The Aerie desktop app. Everything lives in the library; see [`aerie_desktop::run`].

// Hides the console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() -> std::process::ExitCode {
    aerie_desktop::run()
}
