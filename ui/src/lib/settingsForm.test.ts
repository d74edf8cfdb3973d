import { describe, expect, it } from 'vitest';
import { validateSettings } from './settingsForm';
import type { Settings } from './bindings/Settings';

const good = (): Settings => ({
  theme: 'system',
  notifications: true,
  start_at_login: false,
  close_to_tray: true,
  retention_days: 30,
  quiet_hours: { enabled: true, start: '22:00', end: '07:00' },
  alerts: { crash: true, crash_loop_count: 3, crash_loop_window_s: 600, stuck_starting_s: 300, unexpected_offline: true, node_down: true, cpu_percent: 90, memory_percent: 90, disk_percent: 95, threshold_duration_s: 120, silent_console_s: 0, reminder_s: 1800 },
});

describe('validateSettings', () => {
  it('accepts sensible settings', () => {
    expect(validateSettings(good())).toEqual({});
  });

  it('flags emptied numbers, bad percentages, a crash loop below 1 crash and bad times', () => {
    const s = good();
    s.retention_days = 0;
    (s.alerts as unknown as Record<string, unknown>).reminder_s = null; // an emptied number input
    s.alerts.cpu_percent = 150;
    s.alerts.crash_loop_count = 0;
    s.quiet_hours.start = '25:00';
    expect(Object.keys(validateSettings(s)).sort()).toEqual(['alerts.cpu_percent', 'alerts.crash_loop_count', 'alerts.reminder_s', 'quiet_hours.start', 'retention_days']);
  });

  it('ignores quiet-hour times while quiet hours are off', () => {
    const s = good();
    s.quiet_hours = { enabled: false, start: '', end: '' };
    expect(validateSettings(s)).toEqual({});
  });
});
