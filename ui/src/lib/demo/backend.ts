/**
 * A demo backend for running the UI in a plain browser (no Tauri): a fake fleet with ticking
 * stats, console chatter, alerts and charts. Loaded lazily by `ipc.ts` only outside Tauri.
 * `?servers=1000` in the URL sizes the fleet; `?first-run` starts with no accounts; `?theme=dark` forces a theme.
 */
import type { Backend, CommandName, Commands, SubscriptionName, Subscriptions } from '../ipc';
import type { AccountSummary } from '../bindings/AccountSummary';
import type { AlertRecord } from '../bindings/AlertRecord';
import type { AlertsFrame } from '../bindings/AlertsFrame';
import type { ChartRender } from '../bindings/ChartRender';
import type { ChartRequest } from '../bindings/ChartRequest';
import type { ConnectionRow } from '../bindings/ConnectionRow';
import type { ConsoleFrame } from '../bindings/ConsoleFrame';
import type { ConsoleLine } from '../bindings/ConsoleLine';
import type { FleetFrame } from '../bindings/FleetFrame';
import type { PowerState } from '../bindings/PowerState';
import type { ServerRow } from '../bindings/ServerRow';
import type { Settings } from '../bindings/Settings';
import type { ServerKey } from '../bindings/ServerKey';

const MIB = 1024 * 1024;
const GAMES = ['Survival', 'Creative', 'Skyblock', 'Valheim', 'Rust', 'ARK', 'Factorio', 'Terraria', 'Palworld', 'Modded', 'Lobby', 'Minigames'];
const PANELS = [
  { id: 'home', name: 'Home Pelican', url: 'https://panel.home.lan', nodes: ['nas-1', 'nuc-2'] },
  { id: 'host', name: 'Pixel Hosting', url: 'https://panel.pixelhost.example', nodes: ['fra-03', 'fra-07', 'ams-01'] },
  { id: 'club', name: 'Club Ptero', url: 'https://ptero.club.example', nodes: ['node-a'] },
];

/** Small deterministic PRNG so screenshots are stable. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Sim {
  row: ServerRow;
  console: ConsoleLine[];
  seq: number;
  base: number;
  history: { at: number; cpu: number; mem: number; disk: number; rx: number; tx: number }[];
}

export function createDemoBackend(): Backend {
  const params = new URLSearchParams(typeof location === 'undefined' ? '' : location.search);
  const count = Math.min(5000, Math.max(1, Number(params.get('servers') ?? 48) || 48));
  let demoStarted = !params.has('first-run');
  const rand = rng(42);
  const now = () => Date.now();
  const sims = new Map<string, Sim>();
  const accounts: AccountSummary[] = [];
  let settings: Settings = {
    theme: params.get('theme') === 'dark' ? 'dark' : params.get('theme') === 'light' ? 'light' : 'system',
    notifications: true,
    start_at_login: false,
    close_to_tray: true,
    retention_days: 30,
    quiet_hours: { enabled: false, start: '22:00', end: '07:00' },
    alerts: {
      crash: true,
      crash_loop_count: 3,
      crash_loop_window_s: 600,
      stuck_starting_s: 300,
      unexpected_offline: true,
      node_down: true,
      cpu_percent: 90,
      memory_percent: 90,
      disk_percent: 95,
      threshold_duration_s: 120,
      silent_console_s: 0,
      reminder_s: 1800,
    },
  };
  let alerts: AlertRecord[] = [];
  let snoozedUntil: number | null = null;
  const muted = new Set<string>();
  let nextSub = 1;
  const subs = new Map<number, { kind: SubscriptionName; server?: string; send: (m: never) => void }>();
  const dirty = new Set<string>();

  function consoleLine(sim: Sim, line: string, origin: ConsoleLine['origin'] = 'container'): ConsoleLine {
    const l: ConsoleLine = { seq: ++sim.seq, at: now(), line, origin };
    sim.console.push(l);
    if (sim.console.length > 500) sim.console.shift();
    return l;
  }

  function build(): void {
    const t = now();
    for (let i = 0; i < count; i++) {
      const p = PANELS[i % PANELS.length];
      const server = (0x1a2b3c4d + i * 7919).toString(16).slice(-8);
      const id = `${p.id}/${server}`;
      const r = rand();
      const state: PowerState = r < 0.72 ? 'running' : r < 0.86 ? 'offline' : r < 0.93 ? 'starting' : 'running';
      const memLimit = [2048, 4096, 6144, 8192][i % 4] * MIB;
      const row: ServerRow = {
        id,
        key: { panel: p.id, server },
        name: `${GAMES[i % GAMES.length]} ${i < GAMES.length ? '' : '#' + (Math.floor(i / GAMES.length) + 1)}`.trim(),
        panel_name: p.name,
        node: p.nodes[i % p.nodes.length],
        state,
        panel_status: null,
        cpu_percent: 0,
        cpu_limit_percent: [100, 200, 300, 0][i % 4],
        memory_bytes: 0,
        memory_limit_bytes: memLimit,
        disk_bytes: Math.round((2000 + rand() * 12000) * MIB),
        disk_limit_bytes: 20480 * MIB,
        rx_bps: 0,
        tx_bps: 0,
        uptime_ms: state === 'running' ? Math.round(rand() * 86400000 * 3) : 0,
        connection: { state: 'live' },
        health: 'green',
        permissions: i % 11 === 5 ? ['control.console'] : ['*'],
        active_alerts: 0,
        muted: false,
        updated_at: t,
      };
      const sim: Sim = { row, console: [], seq: 0, base: 0.15 + rand() * 0.6, history: [] };
      if (i % 17 === 9) {
        row.connection = { state: 'reconnecting', attempt: 3, delay_ms: 4000 };
        row.health = 'yellow';
      }
      if (i === 2) sim.base = 0.93; // a busy one for threshold colours
      tick(sim, true);
      for (let k = 0; k < 40; k++) {
        const ms = t - (40 - k) * 15000;
        consoleLine(sim, `[${new Date(ms).toTimeString().slice(0, 8)} INFO]: ${chatter(i + k)}`, 'backfill').at = ms;
      }
      seedHistory(sim);
      sims.set(id, sim);
    }
    accounts.push(
      ...PANELS.map((p) => ({
        id: p.id,
        name: p.name,
        url: p.url,
        kind: p.id === 'home' ? ('pelican' as const) : ('pterodactyl' as const),
        key_configured: true,
        user: 'alex',
        watched: null,
        server_count: [...sims.values()].filter((s) => s.row.key.panel === p.id).length,
        error: null,
      })),
    );
    const crashed = [...sims.values()].find((s) => s.row.state === 'offline');
    if (crashed) {
      raise(crashed, 'crash', 'critical', 'Crashed', 'Exit code 137 (out of memory). The daemon confirmed the crash.');
    }
    const busy = sims.get([...sims.keys()][2]);
    if (busy) raise(busy, 'memory', 'warning', 'Memory above 90 %', 'Memory has been above 90 % of the limit for 2 minutes.');
    alerts.push({
      id: 'old-1',
      key: busy?.row.key ?? { panel: 'home', server: '0' },
      server_name: busy?.row.name ?? 'Server',
      rule: 'offline',
      severity: 'warning',
      title: 'Unexpectedly offline',
      detail: 'Recovered after 4 min 12 s.',
      started_at: t - 3 * 3600_000,
      resolved_at: t - 3 * 3600_000 + 252_000,
      acknowledged: false,
    });
  }

  function chatter(n: number): string {
    const lines = [
      'Saving chunks for level \x1b[36m\'ServerLevel[world]\'\x1b[0m/minecraft:overworld',
      'Player \x1b[33mSteve\x1b[0m joined the game',
      'Can\'t keep up! Is the server overloaded? Running 2043ms or 40 ticks behind',
      'Done (4.213s)! For help, type "help"',
      'See https://docs.papermc.io/paper for the docs',
      '\x1b[32mAutosave complete\x1b[0m',
      'Player \x1b[33mAlex\x1b[0m left the game',
      '\x1b[31mWARN\x1b[0m Plugin EssentialsX is using a deprecated API',
    ];
    return lines[n % lines.length];
  }

  function seedHistory(sim: Sim): void {
    const t = now();
    const r = rng(sim.seq + sim.row.name.length * 13);
    for (let k = 7 * 24 * 60; k >= 0; k -= 5) {
      const at = t - k * 60000;
      const off = sim.row.state === 'offline' && k < 50;
      const wave = Math.sin(k / 180) * 0.2 + r() * 0.12;
      sim.history.push({
        at,
        cpu: off ? NaN : Math.max(0, (sim.base + wave) * (sim.row.cpu_limit_percent || 100)),
        mem: off ? NaN : Math.max(0.1, Math.min(0.98, sim.base + wave / 2)) * sim.row.memory_limit_bytes,
        disk: sim.row.disk_bytes * (1 - k / (7 * 24 * 60 * 8)),
        rx: off ? NaN : 20000 + r() * 90000,
        tx: off ? NaN : 40000 + r() * 200000,
      });
    }
  }

  function raise(sim: Sim, rule: string, severity: AlertRecord['severity'], title: string, detail: string): void {
    alerts.push({
      id: `a${alerts.length + 1}-${sim.row.id}`,
      key: sim.row.key,
      server_name: sim.row.name,
      rule,
      severity,
      title,
      detail,
      started_at: now() - 600_000,
      resolved_at: null,
      acknowledged: false,
    });
    sim.row.active_alerts += 1;
    if (severity === 'critical') sim.row.health = 'red';
    else if (sim.row.health === 'green') sim.row.health = 'yellow';
  }

  function tick(sim: Sim, first = false): void {
    const row = sim.row;
    const running = row.state === 'running' || row.state === 'starting';
    const jitter = (rand() - 0.5) * 0.1;
    if (running) {
      const load = Math.max(0.02, Math.min(0.99, sim.base + jitter));
      row.cpu_percent = Math.round(load * (row.cpu_limit_percent || 150) * 10) / 10;
      row.memory_bytes = Math.round(Math.min(0.98, sim.base + jitter / 3) * row.memory_limit_bytes);
      row.rx_bps = Math.round(10000 + rand() * 120000);
      row.tx_bps = Math.round(30000 + rand() * 300000);
      if (!first) row.uptime_ms += 1000;
    } else {
      row.cpu_percent = 0;
      row.memory_bytes = 0;
      row.rx_bps = 0;
      row.tx_bps = 0;
      row.uptime_ms = 0;
    }
    row.updated_at = now();
  }

  function setState(sim: Sim, state: PowerState): void {
    sim.row.state = state;
    dirty.add(sim.row.id);
  }

  function emit<K extends SubscriptionName>(kind: K, m: Subscriptions[K]['message'], server?: string): void {
    for (const s of subs.values()) {
      if (s.kind === kind && (server === undefined || s.server === server)) (s.send as (m: Subscriptions[K]['message']) => void)(m);
    }
  }
  function emitConsole(sim: Sim, line: ConsoleLine): void {
    emit('subscribe_console', { lines: [line], backfill: false }, sim.row.id);
  }
  function alertsFrame(): AlertsFrame {
    return { active: alerts.filter((a) => a.resolved_at === null), snoozed_until: snoozedUntil, muted: [...muted] };
  }

  let timer: ReturnType<typeof setInterval> | null = null;
  let tickNo = 0;
  function start(): void {
    if (sims.size === 0) build();
    if (timer) return;
    timer = setInterval(() => {
      tickNo++;
      for (const sim of sims.values()) {
        // Stats arrive about once a second per server; spread them across ticks.
        if ((sim.seq + tickNo) % 2 === 0) {
          tick(sim);
          dirty.add(sim.row.id);
        }
      }
      if (tickNo % 3 === 0) {
        for (const sim of sims.values()) {
          if (sim.row.state === 'running' && rand() < 0.08) emitConsole(sim, consoleLine(sim, `[${new Date().toTimeString().slice(0, 8)} INFO]: ${chatter(tickNo + sim.seq)}`));
        }
      }
      if (dirty.size > 0) {
        const rows = [...dirty].map((id) => structuredClone(sims.get(id)!.row));
        dirty.clear();
        emit('subscribe_fleet', { rows, removed: [] });
      }
    }, 500);
  }
  if (demoStarted) start();

  function sim(key: ServerKey): Sim {
    const s = sims.get(`${key.panel}/${key.server}`);
    if (!s) throw { kind: 'not_found', message: 'That server is no longer watched.' };
    return s;
  }

  function chart(req: ChartRequest): ChartRender {
    const s = sim(req.server);
    const span = { '15m': 15, '1h': 60, '24h': 1440, '7d': 10080 }[req.range] * 60000;
    const to = now();
    const from = to - span;
    let pts = s.history.filter((h) => h.at >= from);
    if (pts.length < 30) {
      // Short ranges: interpolate so the line looks like live 5-s samples.
      const step = span / 120;
      const last = s.history[s.history.length - 1];
      pts = Array.from({ length: 121 }, (_, k) => {
        const at = from + k * step;
        const w = Math.sin(k / 9) * 0.08 + (rand() - 0.5) * 0.06;
        const off = s.row.state === 'offline';
        return {
          at,
          cpu: off ? NaN : Math.max(0, (s.base + w) * (s.row.cpu_limit_percent || 100)),
          mem: off ? NaN : Math.min(0.98, s.base + w / 2) * s.row.memory_limit_bytes,
          disk: last.disk,
          rx: off ? NaN : 20000 + rand() * 90000,
          tx: off ? NaN : 40000 + rand() * 200000,
        };
      });
    }
    const seriesOf = {
      cpu: { names: ['CPU'], unit: 'percent', vals: (h: Sim['history'][0]) => [h.cpu], limit: s.row.cpu_limit_percent || null },
      memory: { names: ['Memory'], unit: 'bytes', vals: (h: Sim['history'][0]) => [h.mem], limit: s.row.memory_limit_bytes || null },
      disk: { names: ['Disk'], unit: 'bytes', vals: (h: Sim['history'][0]) => [h.disk], limit: s.row.disk_limit_bytes || null },
      network: { names: ['Received', 'Sent'], unit: 'bytes_per_s', vals: (h: Sim['history'][0]) => [h.rx, h.tx], limit: null },
      disk_io: { names: ['Read', 'Write'], unit: 'bytes_per_s', vals: (h: Sim['history'][0]) => [h.rx / 3, h.tx / 5], limit: null },
    }[req.metric];
    const points = pts.map((h) => ({ at: h.at, values: seriesOf.vals(h).map((v) => (Number.isNaN(v) ? null : v)) }));
    const plot = { left: 52, top: 10, width: Math.max(10, req.width - 64), height: Math.max(10, req.height - 34) };
    let max = seriesOf.limit ?? 0;
    for (const p of points) for (const v of p.values) if (v !== null && v > max) max = v;
    max = max * 1.05 || 1;
    const fg = req.dark ? '#9aa4b2' : '#5b6472';
    const grid = req.dark ? '#2a2f37' : '#e6e8ec';
    const colors = ['#3b82f6', '#f59e0b'];
    const x = (at: number) => plot.left + ((at - from) / span) * plot.width;
    const y = (v: number) => plot.top + plot.height - (v / max) * plot.height;
    const fmt = (v: number) =>
      seriesOf.unit === 'percent' ? `${Math.round(v)}%` : v >= 1024 * MIB ? `${(v / 1024 / MIB).toFixed(1)} GiB` : v >= MIB ? `${Math.round(v / MIB)} MiB` : `${Math.round(v / 1024)} KiB`;
    let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${req.width}" height="${req.height}" viewBox="0 0 ${req.width} ${req.height}" font-family="sans-serif" font-size="10">`;
    for (let g = 0; g <= 4; g++) {
      const gy = plot.top + (plot.height * g) / 4;
      svg += `<line x1="${plot.left}" x2="${plot.left + plot.width}" y1="${gy}" y2="${gy}" stroke="${grid}"/>`;
      svg += `<text x="${plot.left - 6}" y="${gy + 3}" text-anchor="end" fill="${fg}">${fmt(max * (1 - g / 4))}</text>`;
    }
    for (let g = 0; g <= 4; g++) {
      const at = from + (span * g) / 4;
      const d = new Date(at);
      const label = req.range === '7d' ? d.toLocaleDateString(undefined, { weekday: 'short' }) : d.toTimeString().slice(0, 5);
      svg += `<text x="${x(at)}" y="${plot.top + plot.height + 16}" text-anchor="middle" fill="${fg}">${label}</text>`;
    }
    if (seriesOf.limit) {
      svg += `<line x1="${plot.left}" x2="${plot.left + plot.width}" y1="${y(seriesOf.limit)}" y2="${y(seriesOf.limit)}" stroke="#ef4444" stroke-dasharray="4 3"/>`;
    }
    seriesOf.names.forEach((_, si) => {
      let d = '';
      let pen = false;
      for (const p of points) {
        const v = p.values[si];
        if (v === null) {
          pen = false;
          continue;
        }
        d += `${pen ? 'L' : 'M'}${x(p.at).toFixed(1)},${y(v).toFixed(1)}`;
        pen = true;
      }
      svg += `<path d="${d}" fill="none" stroke="${colors[si]}" stroke-width="1.5"/>`;
    });
    svg += '</svg>';
    return { svg, series: seriesOf.names, unit: seriesOf.unit, plot, from, to, points, limit: seriesOf.limit };
  }

  const handlers: { [K in CommandName]: (args: Commands[K]['args']) => Commands[K]['result'] } = {
    list_servers: () => (demoStarted ? [...sims.values()].map((s) => structuredClone(s.row)) : []),
    unsubscribe: ({ id }) => {
      subs.delete(id);
      return null;
    },
    send_command: ({ server, command }) => {
      const s = sim(server);
      if (s.row.state === 'offline' || s.row.state === null) throw { kind: 'offline', message: 'The server is offline.' };
      emitConsole(s, consoleLine(s, `> ${command}`));
      setTimeout(() => emitConsole(s, consoleLine(s, `[${new Date().toTimeString().slice(0, 8)} INFO]: Unknown command. Type "/help" for help.`)), 150);
      return null;
    },
    power: ({ server, action }) => {
      const s = sim(server);
      const go = (state: PowerState, ms: number) => setTimeout(() => setState(s, state), ms);
      if (action === 'start') {
        go('starting', 200);
        go('running', 2500);
      } else if (action === 'stop') {
        go('stopping', 200);
        go('offline', 6000);
      } else if (action === 'restart') {
        go('stopping', 200);
        go('offline', 1500);
        go('starting', 1800);
        go('running', 4000);
      } else go('offline', 150);
      return null;
    },
    add_account: ({ input }) => {
      if (!/^https?:\/\/[^\s/]+/.test(input.url)) throw { kind: 'invalid_url', message: 'Enter the panel address, like https://panel.example.com.', field: 'url' };
      if (!input.api_key?.startsWith('ptlc_')) throw { kind: 'wrong_key_type', message: 'This looks like an application key. Create a client API key under Account → API Credentials.', field: 'key' };
      const a: AccountSummary = { id: `acc${accounts.length + 1}`, name: input.name, url: input.url, kind: 'pterodactyl', key_configured: true, user: 'alex', watched: input.watched, server_count: 3, error: null };
      accounts.push(a);
      demoStarted = true;
      start();
      return a;
    },
    list_accounts: () => (demoStarted ? structuredClone(accounts) : []),
    update_account: ({ id, input }) => {
      const a = accounts.find((x) => x.id === id);
      if (!a) throw { kind: 'not_found', message: 'That account no longer exists.' };
      Object.assign(a, { name: input.name, url: input.url, watched: input.watched });
      return structuredClone(a);
    },
    remove_account: ({ id }) => {
      const i = accounts.findIndex((x) => x.id === id);
      if (i >= 0) accounts.splice(i, 1);
      const removed = [...sims.keys()].filter((k) => k.startsWith(id + '/'));
      removed.forEach((k) => sims.delete(k));
      emit('subscribe_fleet', { rows: [], removed });
      return null;
    },
    test_account: ({ id }) => {
      const a = accounts.find((x) => x.id === id);
      if (!a) throw { kind: 'not_found', message: 'That account no longer exists.' };
      const servers = [...sims.values()].filter((s) => s.row.key.panel === id).map((s) => ({ identifier: s.row.key.server, name: s.row.name, node: s.row.node }));
      return { kind: a.kind ?? 'pterodactyl', user: a.user ?? 'alex', servers };
    },
    list_account_servers: ({ id }) =>
      [...sims.values()].filter((s) => s.row.key.panel === id).map((s) => ({ identifier: s.row.key.server, name: s.row.name, node: s.row.node })),
    list_alerts: () => alertsFrame().active,
    alert_history: ({ limit }) => [...alerts].sort((a, b) => b.started_at - a.started_at).slice(0, limit),
    ack_alert: ({ id }) => {
      const a = alerts.find((x) => x.id === id);
      if (a) a.acknowledged = true;
      emit('subscribe_alerts', alertsFrame());
      return null;
    },
    mute_server: ({ server, muted: m }) => {
      const s = sim(server);
      if (m) muted.add(s.row.id);
      else muted.delete(s.row.id);
      s.row.muted = m;
      dirty.add(s.row.id);
      emit('subscribe_alerts', alertsFrame());
      return null;
    },
    snooze_all: ({ minutes }) => {
      snoozedUntil = minutes > 0 ? now() + minutes * 60000 : null;
      emit('subscribe_alerts', alertsFrame());
      return snoozedUntil;
    },
    // The demo has no keyring, so no webhook sinks: "Send test" says how to add one.
    send_test_alert: () => [],
    get_settings: () => structuredClone(settings),
    set_settings: ({ settings: s }) => {
      settings = structuredClone(s);
      return structuredClone(settings);
    },
    render_chart: ({ request }) => chart(request),
    export_chart: ({ format }) => `~/Downloads/aerie-chart.${format}`,
    export_console: ({ server }) => `~/Downloads/${server.server}-console.log`,
    // The demo's nodes present certificates the platform trusts: nothing to pin.
    trust_certificate: () => null,
    list_connections: () =>
      [...sims.values()].map((s, i): ConnectionRow => ({
        id: s.row.id,
        key: s.row.key,
        server_name: s.row.name,
        panel_name: s.row.panel_name,
        node: s.row.node,
        endpoint: `wss://${s.row.node}.${s.row.key.panel}.example:8080`,
        state: s.row.connection,
        health: s.row.connection.state === 'live' ? (i % 9 === 4 ? 'yellow' : 'green') : s.row.connection.state === 'failed' ? 'red' : 'yellow',
        latency_ms: s.row.connection.state === 'live' ? Math.round(18 + rand() * (i % 9 === 4 ? 400 : 60)) : null,
        reconnects: i % 17 === 9 ? 3 : i % 5 === 0 ? 1 : 0,
        messages_per_s: s.row.state === 'running' ? Math.round((1 + rand() * 3) * 10) / 10 : 0.1,
        last_activity: now() - Math.round(rand() * 3000),
        token_expires_at: now() + (i % 10) * 60000 + 30000,
        connected_since: now() - (i + 1) * 3600_000,
      })),
    start_demo: () => {
      demoStarted = true;
      start();
      return null;
    },
    open_in_panel: ({ server }) => {
      const a = accounts.find((x) => x.id === server.panel);
      if (!a) throw { kind: 'not_found', message: 'That account no longer exists.' };
      window.open(`${a.url.replace(/\/+$/, '')}/server/${server.server}`, '_blank', 'noopener');
      return null;
    },
    open_external: ({ url }) => {
      window.open(url, '_blank', 'noopener');
      return null;
    },
    // A browser tab cannot hide itself to a tray.
    close_window: () => null,
    show_in_folder: () => null,
  };

  return {
    async call<K extends CommandName>(cmd: K, args: Commands[K]['args']): Promise<Commands[K]['result']> {
      await new Promise((r) => setTimeout(r, 20));
      const h = handlers[cmd] as (a: Commands[K]['args']) => Commands[K]['result'];
      return h(args);
    },
    async subscribe<K extends SubscriptionName>(name: K, args: Subscriptions[K]['args'], onMessage: (m: Subscriptions[K]['message']) => void): Promise<number> {
      const id = nextSub++;
      const send = onMessage as (m: never) => void;
      if (name === 'subscribe_fleet') {
        subs.set(id, { kind: name, send });
        const first: FleetFrame = { rows: demoStarted ? [...sims.values()].map((s) => structuredClone(s.row)) : [], removed: [] };
        setTimeout(() => (onMessage as (m: FleetFrame) => void)(first), 0);
      } else if (name === 'subscribe_console') {
        const key = (args as Subscriptions['subscribe_console']['args']).server;
        const s = sim(key);
        subs.set(id, { kind: name, server: s.row.id, send });
        const first: ConsoleFrame = { lines: [...s.console], backfill: true };
        setTimeout(() => (onMessage as (m: ConsoleFrame) => void)(first), 0);
      } else if (name === 'subscribe_alerts') {
        subs.set(id, { kind: name, send });
        setTimeout(() => (onMessage as (m: AlertsFrame) => void)(alertsFrame()), 0);
      } else {
        // App events come from the tray and notifications, which the browser demo does not have.
        subs.set(id, { kind: name, send });
      }
      return id;
    },
  };
}
