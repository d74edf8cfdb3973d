//! The resilient WebSocket every protocol adapter rides on: reconnect policy, fallback URLs, heartbeat, bounded queue, interceptors, request/response, metrics.
