/**
 * The fleet store: every watched server, merged from coalesced frames. Frames are queued and
 * applied on an animation frame, at most every {@link MIN_APPLY_MS}: each apply re-filters and
 * re-sorts the whole list, and stats arrive once a second per server, so 1,000 servers would
 * otherwise cost a re-sort on nearly every frame for changes nobody can read that fast.
 */
import * as ipc from '../ipc';
import type { FleetFrame } from '../bindings/FleetFrame';
import type { ServerRow } from '../bindings/ServerRow';
import { mergeFrame } from '../fleet';

type Schedule = (cb: () => void) => void;

/** Shortest time between two applies, ms (5 a second at most). */
export const MIN_APPLY_MS = 200;
const raf: Schedule = (cb) =>
  typeof requestAnimationFrame === 'function' ? requestAnimationFrame(() => cb()) : setTimeout(cb, 16);

export class FleetStore {
  /** The rows (not deeply reactive: read `version` to depend on changes). */
  readonly rows = new Map<string, ServerRow>();
  /** Bumped once per applied batch. */
  version = $state(0);
  /** True once the first frame arrived. */
  loaded = $state(false);
  private queue: FleetFrame[] = [];
  private scheduled = false;
  private stop: (() => void) | null = null;
  private lastApply = -Infinity;

  constructor(
    private schedule: Schedule = raf,
    private minInterval = MIN_APPLY_MS,
    private now: () => number = () => performance.now(),
    private later: (cb: () => void, ms: number) => void = (cb, ms) => void setTimeout(cb, ms),
  ) {}

  /** Queue a frame; applied on the next animation frame once {@link MIN_APPLY_MS} passed since the last apply. */
  push(frame: FleetFrame): void {
    this.queue.push(frame);
    if (this.scheduled) return;
    this.scheduled = true;
    const wait = this.lastApply + this.minInterval - this.now();
    if (wait > 0) this.later(() => this.schedule(() => this.flush()), wait);
    else this.schedule(() => this.flush());
  }

  /** Apply every queued frame now. */
  flush(): void {
    this.scheduled = false;
    this.lastApply = this.now();
    const frames = this.queue;
    this.queue = [];
    let changed = false;
    for (const f of frames) changed = mergeFrame(this.rows, f) || changed;
    if (changed || !this.loaded) {
      this.loaded = true;
      this.version++;
    }
  }

  get(id: string): ServerRow | undefined {
    void this.version;
    return this.rows.get(id);
  }

  /** Every row (reactive). */
  all(): ServerRow[] {
    void this.version;
    return [...this.rows.values()];
  }

  /** Why the fleet could not be subscribed to, for a person; `null` when fine. */
  error = $state<string | null>(null);

  async connect(): Promise<void> {
    if (this.stop) return;
    this.stop = () => {};
    try {
      this.stop = await ipc.subscribeFleet((f) => this.push(f));
      this.error = null;
    } catch (e) {
      this.stop = null;
      this.error = ipc.toIpcError(e).message;
    }
  }

  disconnect(): void {
    this.stop?.();
    this.stop = null;
  }
}

export const fleet = new FleetStore();
