/** Formatting and threshold helpers shared by views. */

export type StatLevel = 'normal' | 'warn' | 'danger';

/**
 * Colour level of a stat relative to its limit, like the panel's stat blocks:
 * above 90 % of the limit is `danger`, above 80 % is `warn`. A limit of 0 means unlimited.
 */
export function statLevel(value: number, limit: number): StatLevel {
  if (!(limit > 0)) return 'normal';
  const ratio = value / limit;
  if (ratio > 0.9) return 'danger';
  if (ratio > 0.8) return 'warn';
  return 'normal';
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** `1536` → `1.5 KiB`. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes <= 0) return '0 B';
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v >= 100 || u === 0 ? Math.round(v) : v.toFixed(1)} ${UNITS[u]}`;
}

/** Bytes per second → `12.3 KiB/s`. */
export function formatRate(bps: number): string {
  return `${formatBytes(bps)}/s`;
}

export function formatPercent(p: number): string {
  return `${p >= 10 ? Math.round(p) : p.toFixed(1)} %`;
}

/** Milliseconds of uptime → `3d 4h`, `2h 05m`, `4m 12s`. */
export function formatUptime(ms: number): string {
  if (!(ms > 0)) return '—';
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  return `${m}m ${String(s % 60).padStart(2, '0')}s`;
}

/** A timestamp relative to `now`: `just now`, `5 s ago`, `3 min ago`, `2 h ago`, or a date. */
export function formatAgo(at: number | null, now: number = Date.now()): string {
  if (at === null) return '—';
  const s = Math.round((now - at) / 1000);
  if (s < 2) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return new Date(at).toLocaleString();
}

/** Time until `at`: `in 4 min`, `expired`. */
export function formatIn(at: number | null, now: number = Date.now()): string {
  if (at === null) return '—';
  const s = Math.round((at - now) / 1000);
  if (s <= 0) return 'expired';
  if (s < 60) return `in ${s} s`;
  if (s < 3600) return `in ${Math.floor(s / 60)} min`;
  return `in ${Math.floor(s / 3600)} h`;
}

/** Human duration between two timestamps: `4 min 12 s`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** Whether we run on macOS (for ⌘ vs Ctrl in shortcut hints). */
export const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);
/** `Ctrl+K` or `⌘K`. */
export function shortcut(key: string): string {
  return isMac ? `⌘${key}` : `Ctrl+${key}`;
}
