import { describe, expect, it } from 'vitest';
import { bulkApplies, can, powerButtons } from './power';

const byAction = (b: ReturnType<typeof powerButtons>) => Object.fromEntries(b.map((x) => [x.action, x]));

describe('powerButtons (the panel safety model)', () => {
  it('enables Start only when offline', () => {
    expect(byAction(powerButtons('offline', ['*'], true)).start.enabled).toBe(true);
    for (const s of ['running', 'starting', 'stopping'] as const) {
      expect(byAction(powerButtons(s, ['*'], true)).start.enabled).toBe(false);
    }
  });

  it('turns Stop into Kill with a confirm while stopping', () => {
    const running = byAction(powerButtons('running', ['*'], true));
    expect(running.stop).toMatchObject({ enabled: true, confirm: false });
    expect(running.kill).toBeUndefined();
    const stopping = byAction(powerButtons('stopping', ['*'], true));
    expect(stopping.stop).toBeUndefined();
    expect(stopping.kill).toMatchObject({ enabled: true, confirm: true, label: 'Kill' });
  });

  it('disables Stop when already offline', () => {
    expect(byAction(powerButtons('offline', ['*'], true)).stop.enabled).toBe(false);
  });

  it('disables buttons without the permission, and says why', () => {
    const b = byAction(powerButtons('offline', ['control.console', 'control.restart'], true));
    expect(b.start.enabled).toBe(false);
    expect(b.start.reason).toMatch(/control\.start/);
    expect(b.restart.enabled).toBe(true);
    expect(byAction(powerButtons('stopping', ['control.start'], true)).kill.enabled).toBe(false);
  });

  it('disables everything while not connected or the state is unknown', () => {
    expect(powerButtons('running', ['*'], false).every((b) => !b.enabled)).toBe(true);
    expect(powerButtons(null, ['*'], true).every((b) => !b.enabled)).toBe(true);
  });

  it('treats * as every permission', () => {
    expect(can(['*'], 'control.stop')).toBe(true);
    expect(can(['control.start'], 'control.stop')).toBe(false);
  });

  it('applies bulk actions only where they make sense', () => {
    expect(bulkApplies('start', 'running', ['*'])).toBe(false);
    expect(bulkApplies('start', 'offline', ['*'])).toBe(true);
    expect(bulkApplies('stop', 'offline', ['*'])).toBe(false);
    expect(bulkApplies('kill', 'running', ['*'])).toBe(false);
    expect(bulkApplies('kill', 'stopping', ['*'])).toBe(true);
    expect(bulkApplies('restart', 'running', ['control.console'])).toBe(false);
  });
});
