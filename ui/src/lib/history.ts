/**
 * Per-server console command history, persisted like the panel's: a JSON array, newest first,
 * in localStorage under `<serverId>:command_history`.
 */
export const HISTORY_LIMIT = 32;

export function historyKey(serverId: string): string {
  return `${serverId}:command_history`;
}

export function loadHistory(serverId: string, storage: Storage = localStorage): string[] {
  try {
    const v: unknown = JSON.parse(storage.getItem(historyKey(serverId)) ?? '[]');
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string').slice(0, HISTORY_LIMIT) : [];
  } catch {
    return [];
  }
}

/** Record a sent command (newest first, no repeat of the previous one, capped); returns the new list. */
export function pushHistory(serverId: string, command: string, storage: Storage = localStorage): string[] {
  const list = loadHistory(serverId, storage);
  const next = list[0] === command ? list : [command, ...list].slice(0, HISTORY_LIMIT);
  try {
    storage.setItem(historyKey(serverId), JSON.stringify(next));
  } catch {
    // Storage full or unavailable: history is a convenience, keep going.
  }
  return next;
}

/** Up/down navigation through a history list while keeping the draft being typed. */
export class HistoryCursor {
  private index = -1;
  private draft = '';
  constructor(private entries: string[]) {}

  reset(entries: string[]): void {
    this.entries = entries;
    this.index = -1;
    this.draft = '';
  }

  /** Arrow up: the next older entry (stays on the oldest). */
  up(current: string): string {
    if (this.entries.length === 0) return current;
    if (this.index === -1) this.draft = current;
    this.index = Math.min(this.index + 1, this.entries.length - 1);
    return this.entries[this.index];
  }

  /** Arrow down: the next newer entry, then back to the draft. */
  down(): string {
    if (this.index <= 0) {
      this.index = -1;
      return this.draft;
    }
    this.index -= 1;
    return this.entries[this.index];
  }
}
