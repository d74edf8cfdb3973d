/** Checks on the settings form before it goes to `set_settings`. */
import type { AlertRules } from './bindings/AlertRules';
import type { Settings } from './bindings/Settings';

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

/** Problems by field path (`retention_days`, `quiet_hours.start`, `alerts.cpu_percent`, …); empty when valid. */
export function validateSettings(s: Settings): Record<string, string> {
  const errors: Record<string, string> = {};
  const whole = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
  if (!whole(s.retention_days) || s.retention_days < 1 || s.retention_days > 3650) errors.retention_days = 'Keep data for 1 to 3650 days.';
  if (s.quiet_hours.enabled) {
    if (!TIME.test(s.quiet_hours.start)) errors['quiet_hours.start'] = 'Use a time like 22:00.';
    if (!TIME.test(s.quiet_hours.end)) errors['quiet_hours.end'] = 'Use a time like 07:00.';
  }
  const numeric: (keyof AlertRules)[] = [
    'crash_loop_count', 'crash_loop_window_s', 'stuck_starting_s', 'cpu_percent', 'memory_percent', 'disk_percent',
    'threshold_duration_s', 'silent_console_s', 'reminder_s',
  ];
  for (const k of numeric) {
    if (!whole(s.alerts[k])) errors[`alerts.${k}`] = 'Enter a whole number, 0 or more.';
  }
  for (const k of ['cpu_percent', 'memory_percent', 'disk_percent'] as const) {
    const v = s.alerts[k];
    if (whole(v) && v > 100) errors[`alerts.${k}`] = 'A percentage of the limit: 0 to 100.';
  }
  for (const k of ['crash_loop_count'] as const) {
    const v = s.alerts[k];
    if (whole(v) && v < 1) errors[`alerts.${k}`] = 'At least 1.';
  }
  return errors;
}
