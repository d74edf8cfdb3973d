//! REST clients per panel kind, the per-panel rate limiter and websocket token minting.
