/** Alert state: active alerts pushed by the shell, plus the user's actions on them. */
import * as ipc from '../ipc';
import type { AlertRecord } from '../bindings/AlertRecord';
import type { AlertsFrame } from '../bindings/AlertsFrame';
import type { ServerKey } from '../bindings/ServerKey';

export class AlertsStore {
  active = $state<AlertRecord[]>([]);
  snoozedUntil = $state<number | null>(null);
  muted = $state<string[]>([]);
  error = $state<string | null>(null);
  private stop: (() => void) | null = null;

  /** Active alerts not yet acknowledged (what the badge counts). */
  get unacknowledged(): number {
    return this.active.filter((a) => !a.acknowledged).length;
  }

  apply(frame: AlertsFrame): void {
    this.active = frame.active;
    this.snoozedUntil = frame.snoozed_until;
    this.muted = frame.muted;
  }

  async connect(): Promise<void> {
    if (this.stop) return;
    this.stop = () => {};
    try {
      this.stop = await ipc.subscribeAlerts((f) => this.apply(f));
    } catch (e) {
      this.stop = null;
      this.error = ipc.toIpcError(e).message;
    }
  }

  disconnect(): void {
    this.stop?.();
    this.stop = null;
  }

  /** Acknowledge: shown as acknowledged at once; reverted if the shell refuses. */
  async ack(id: string): Promise<void> {
    const before = this.active;
    this.active = this.active.map((a) => (a.id === id ? { ...a, acknowledged: true } : a));
    try {
      await ipc.ackAlert(id);
      this.error = null;
    } catch (e) {
      this.active = before;
      this.error = ipc.toIpcError(e).message;
    }
  }

  isMuted(key: ServerKey): boolean {
    return this.muted.includes(`${key.panel}/${key.server}`);
  }

  async setMuted(key: ServerKey, muted: boolean): Promise<void> {
    const id = `${key.panel}/${key.server}`;
    const before = this.muted;
    this.muted = muted ? [...before.filter((m) => m !== id), id] : before.filter((m) => m !== id);
    try {
      await ipc.muteServer(key, muted);
      this.error = null;
    } catch (e) {
      this.muted = before;
      this.error = ipc.toIpcError(e).message;
    }
  }

  /** Snooze every notification for `minutes`; 0 resumes. */
  async snooze(minutes: number): Promise<void> {
    try {
      this.snoozedUntil = await ipc.snoozeAll(minutes);
      this.error = null;
    } catch (e) {
      this.error = ipc.toIpcError(e).message;
    }
  }
}

export const alerts = new AlertsStore();
