import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
vi.mock('$lib/ipc', () => import('../../../test/fakeIpc'));

/** A stand-in for xterm.js (which needs a real layout engine): records writes and the link handler. */
const term = vi.hoisted(() => ({
  written: [] as string[],
  cleared: 0,
  linkHandler: null as ((e: MouseEvent, uri: string) => void) | null,
  options: null as { linkHandler?: { activate: (e: MouseEvent, uri: string) => void } | null } | null,
}));
vi.mock('@xterm/xterm', () => ({
  Terminal: class {
    constructor(options: typeof term.options) {
      term.options = options;
    }
    buffer = { active: { viewportY: 0 } };
    loadAddon(): void {}
    open(): void {}
    writeln(text: string, cb?: () => void): void {
      term.written.push(text);
      cb?.();
    }
    clear(): void {
      term.cleared++;
      term.written = [];
    }
    reset(): void {}
    dispose(): void {}
    scrollToLine(): void {}
    scrollToBottom(): void {}
    getSelection(): string {
      return '';
    }
  },
}));
vi.mock('@xterm/addon-fit', () => ({ FitAddon: class { fit(): void {} } }));
vi.mock('@xterm/addon-search', () => ({ SearchAddon: class { findNext(): void {} findPrevious(): void {} clearDecorations(): void {} } }));
vi.mock('@xterm/addon-web-links', () => ({
  WebLinksAddon: class {
    constructor(handler: (e: MouseEvent, uri: string) => void) {
      term.linkHandler = handler;
    }
  },
}));

import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { tick } from 'svelte';
import * as ipc from '$lib/ipc';
import * as fake from '../../../test/fakeIpc';
import { row } from '../../../test/rows';
import { dialogs } from '../../stores/ui.svelte';
import Console from '../Console.svelte';
import Charts from '../Charts.svelte';
import type { ChartRender } from '../../bindings/ChartRender';

beforeEach(() => {
  vi.clearAllMocks();
  term.written = [];
  term.cleared = 0;
});
afterEach(() => cleanup());

describe('Console', () => {
  it('writes the backfill, then new lines once each, with daemon lines marked', async () => {
    render(Console, { row: row() });
    await waitFor(() => expect(fake.channels.console).not.toBeNull());
    fake.channels.console!({ backfill: true, lines: [{ seq: 1, at: 0, line: 'old one', origin: 'backfill' }, { seq: 2, at: 0, line: 'old two', origin: 'backfill' }] });
    expect(term.cleared).toBe(1);
    expect(term.written.join('\n')).toContain('old one');
    fake.channels.console!({ backfill: false, lines: [{ seq: 2, at: 0, line: 'old two', origin: 'backfill' }, { seq: 3, at: 0, line: 'Installing…', origin: 'daemon' }] });
    const all = term.written.join('\n');
    expect(all.match(/old two/g)).toHaveLength(1);
    expect(all).toContain('container@pterodactyl~ \x1b[0mInstalling…');
    expect(screen.getByTestId('console-output')).toBeTruthy();
  });

  it('opens a console link only after the user confirms', async () => {
    render(Console, { row: row() });
    term.linkHandler!(new MouseEvent('click'), 'https://docs.papermc.io/paper');
    await tick();
    expect(dialogs.current?.message).toContain('https://docs.papermc.io/paper');
    expect(ipc.openExternal).not.toHaveBeenCalled();
    dialogs.current!.resolve(true);
    await waitFor(() => expect(ipc.openExternal).toHaveBeenCalledWith('https://docs.papermc.io/paper'));
  });

  it('sends OSC 8 hyperlinks through the same confirm', async () => {
    render(Console, { row: row() });
    const osc8 = term.options?.linkHandler;
    expect(osc8, 'the terminal has a handler for OSC 8 links').toBeTruthy();
    osc8!.activate(new MouseEvent('click'), 'https://evil.example/login');
    await tick();
    expect(dialogs.current?.message).toContain('https://evil.example/login');
    expect(ipc.openExternal).not.toHaveBeenCalled();
    dialogs.current!.resolve(false);
    await tick();
    expect(ipc.openExternal).not.toHaveBeenCalled();
    osc8!.activate(new MouseEvent('click'), 'javascript:alert(1)');
    await tick();
    expect(dialogs.current).toBeNull();
  });

  it('never offers to open non-web links', async () => {
    render(Console, { row: row() });
    term.linkHandler!(new MouseEvent('click'), 'file:///etc/passwd');
    await tick();
    expect(dialogs.current).toBeNull();
    expect(ipc.openExternal).not.toHaveBeenCalled();
  });

  it('exports the rolling log through the shell', async () => {
    vi.mocked(ipc.exportConsole).mockResolvedValueOnce('/home/alex/log.txt');
    render(Console, { row: row() });
    await fireEvent.click(screen.getByTestId('console-export'));
    expect(ipc.exportConsole).toHaveBeenCalledWith({ panel: 'p1', server: 'abcd1234' });
  });
});

describe('Charts', () => {
  const chart: ChartRender = {
    svg: '<svg xmlns="http://www.w3.org/2000/svg"></svg>',
    series: ['CPU'],
    unit: 'percent',
    plot: { left: 0, top: 0, width: 600, height: 200 },
    from: 0,
    to: 600_000,
    points: [{ at: 0, values: [10] }, { at: 300_000, values: [42.5] }, { at: 600_000, values: [null] }],
    limit: 100,
  };

  it('draws the Rust SVG as an inert image and exports PNG/SVG with the same request', async () => {
    vi.mocked(ipc.renderChart).mockResolvedValue(chart);
    // jsdom has no layout: report a width for the plot and fire resize observers at once.
    const proto = HTMLElement.prototype;
    const original = Object.getOwnPropertyDescriptor(proto, 'clientWidth');
    Object.defineProperty(proto, 'clientWidth', { configurable: true, get(this: HTMLElement) { return this.dataset.testid === 'chart' ? 600 : 0; } });
    const RO = window.ResizeObserver;
    window.ResizeObserver = class {
      constructor(private cb: ResizeObserverCallback) {}
      observe(el: Element): void {
        this.cb([{ target: el } as unknown as ResizeObserverEntry], this as unknown as ResizeObserver);
      }
      unobserve(): void {}
      disconnect(): void {}
    } as unknown as typeof ResizeObserver;
    let container: HTMLElement;
    try {
      container = render(Charts, { row: row() }).container;
      await waitFor(() => expect(ipc.renderChart).toHaveBeenCalled());
    } finally {
      window.ResizeObserver = RO;
      if (original) Object.defineProperty(proto, 'clientWidth', original);
    }
    expect(vi.mocked(ipc.renderChart).mock.calls[0][0]).toMatchObject({ width: 600, metric: 'cpu', range: '1h' });
    const plot = screen.getByTestId('chart');
    plot.getBoundingClientRect = () => ({ left: 0, top: 0, width: 600, height: 280, right: 600, bottom: 280, x: 0, y: 0, toJSON: () => ({}) });
    const img = await waitFor(() => {
      const el = container.querySelector<HTMLImageElement>('.plot img');
      if (!el) throw new Error('chart not drawn yet');
      return el;
    });
    expect(img.src.startsWith('data:image/svg+xml')).toBe(true);
    await fireEvent.pointerMove(plot, { clientX: 300 });
    expect(screen.getByText('42.5 %')).toBeTruthy();
    await fireEvent.click(screen.getByTestId('chart-export-png'));
    await fireEvent.click(screen.getByTestId('chart-export-svg'));
    expect(vi.mocked(ipc.exportChart).mock.calls.map((c) => c[1])).toEqual(['png', 'svg']);
    expect(vi.mocked(ipc.exportChart).mock.calls[0][0]).toMatchObject({ server: { panel: 'p1', server: 'abcd1234' }, metric: 'cpu', range: '1h' });
  });
});
