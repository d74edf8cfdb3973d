//! Charts drawn with plotters: SVG for the UI, PNG/SVG exports, images in notifications.
