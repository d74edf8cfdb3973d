//! One simulated game server: its power state machine, console, stats and behaviour.
//!
//! Nothing here runs on its own: the node's ticker calls [`Server::tick`] for every server it
//! hosts, and Wings sockets / the panel call the power and command methods. Everything a viewer
//! should see goes out on the server's broadcast bus as encoded [`Frame`]s (lossy for slow
//! viewers, like Wings' sink pool).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use tokio::sync::broadcast;
use tokio::time::Instant;

use crate::config::{Behaviour, Profile, Timings};
use crate::eggs::Egg;
use crate::wire::Frame;

/// Lines `send logs` replays (`system.websocket_log_count`).
pub const LOG_LINES: usize = 150;
/// Console throttle: container lines allowed per window (`throttles.lines`).
const THROTTLE_LINES: u32 = 2000;
/// Console throttle window (`throttles.line_reset_interval`).
const THROTTLE_WINDOW: Duration = Duration::from_millis(100);
/// Bus depth per server; slow viewers lose the oldest frames.
const BUS_DEPTH: usize = 256;
/// Outbound console lines are capped at 64 KiB.
const MAX_LINE: usize = 64 * 1024;

/// A server's power state, as Wings names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PowerState {
    /// Not running.
    Offline,
    /// Booting.
    Starting,
    /// Up.
    Running,
    /// Going down on request.
    Stopping,
}

impl PowerState {
    /// Wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Offline => "offline",
            Self::Starting => "starting",
            Self::Running => "running",
            Self::Stopping => "stopping",
        }
    }
}

/// A power action (`set state` argument / REST `signal`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PowerAction {
    /// Start.
    Start,
    /// Stop via the egg's stop command.
    Stop,
    /// Stop then start.
    Restart,
    /// Kill the container.
    Kill,
}

impl PowerAction {
    /// Parses `start|stop|restart|kill`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "start" => Some(Self::Start),
            "stop" => Some(Self::Stop),
            "restart" => Some(Self::Restart),
            "kill" => Some(Self::Kill),
            _ => None,
        }
    }

    /// The permission Wings and the panel require.
    pub fn permission(self) -> &'static str {
        match self {
            Self::Start => "control.start",
            Self::Stop | Self::Kill => "control.stop",
            Self::Restart => "control.restart",
        }
    }
}

/// Why a power action failed (texts from Wings' `server/errors.go`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PowerError {
    /// Another start/stop/restart holds the power lock.
    Busy,
    /// Start requested while not offline.
    Running,
    /// The server is suspended.
    Suspended,
}

impl PowerError {
    /// The error text Wings would log / show admins.
    pub fn message(self) -> &'static str {
        match self {
            Self::Busy => {
                "another power action is currently being processed for this server, please try again later"
            }
            Self::Running => "server is running",
            Self::Suspended => "server is currently in a suspended state",
        }
    }
}

/// Resource limits from the panel (MiB, % of one core; 0 = unlimited).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Limits {
    /// Memory in MiB.
    pub memory: u64,
    /// Swap in MiB.
    pub swap: i64,
    /// Disk in MiB.
    pub disk: u64,
    /// Block IO weight.
    pub io: u64,
    /// CPU in % of one core.
    pub cpu: u64,
}

/// Static facts about a server.
#[derive(Debug, Clone)]
pub struct ServerInfo {
    /// Full uuid.
    pub uuid: String,
    /// 8-character identifier.
    pub identifier: String,
    /// Panel's numeric id.
    pub internal_id: u64,
    /// Display name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Panel index.
    pub panel: usize,
    /// Node index within the world.
    pub node: usize,
    /// Node name.
    pub node_name: String,
    /// Egg.
    pub egg: &'static Egg,
    /// Limits.
    pub limits: Limits,
    /// Primary allocation (ip, port).
    pub allocation: (String, u16),
    /// Allocation id.
    pub allocation_id: u64,
}

/// A snapshot of a server's stats (the `stats` payload, in Wings' struct order).
#[derive(Debug, Clone, Serialize)]
pub struct StatsSnapshot {
    /// Memory use.
    pub memory_bytes: u64,
    /// Docker limit (panel limit plus Wings overhead).
    pub memory_limit_bytes: u64,
    /// % of one core, 3 decimals.
    pub cpu_absolute: f64,
    /// Cumulative network counters.
    pub network: Network,
    /// Milliseconds since container start.
    pub uptime: u64,
    /// Power state.
    pub state: PowerState,
    /// Disk use.
    pub disk_bytes: u64,
    /// Pelican only: cumulative block IO.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disk_io: Option<DiskIo>,
}

/// Cumulative network counters.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Network {
    /// Received bytes.
    pub rx_bytes: u64,
    /// Sent bytes.
    pub tx_bytes: u64,
}

/// Cumulative block IO (Pelican).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct DiskIo {
    /// Bytes read.
    pub read_bytes: u64,
    /// Bytes written.
    pub write_bytes: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pending {
    /// Container stops at the deadline; `restart` starts it again.
    Stop { restart: bool },
}

/// Mutable state of a server.
#[derive(Debug)]
pub struct Runtime {
    power: PowerState,
    behaviour: Behaviour,
    rng: StdRng,
    started_at: Option<Instant>,
    running_since: Option<Instant>,
    boot_lines_done: usize,
    pending: Option<(Instant, Pending)>,
    last_crash: Option<Instant>,
    log: VecDeque<String>,
    mem: u64,
    cpu: f64,
    rx: u64,
    tx: u64,
    disk: u64,
    disk_read: u64,
    disk_write: u64,
    next_stats: Instant,
    last_tick: Instant,
    chatter_carry: f64,
    flood_per_sec: u32,
    flood_carry: f64,
    flood_seq: u64,
    throttle_start: Instant,
    throttle_count: u32,
    throttling: bool,
    crash_once_done: bool,
}

/// A simulated server: static info, runtime state and its event bus.
#[derive(Debug)]
pub struct Server {
    /// Static facts.
    pub info: ServerInfo,
    /// Frames for every socket watching this server.
    pub bus: broadcast::Sender<Arc<Frame>>,
    /// Open sockets on this server (for the connection cap).
    pub sockets: AtomicUsize,
    /// Suspended by the panel.
    pub suspended: AtomicBool,
    profile: Profile,
    timings: Timings,
    daemon_prefix: String,
    rt: Mutex<Runtime>,
}

impl Server {
    /// Builds a server in `offline`; call [`Server::boot`] to apply its behaviour's start state.
    pub fn new(
        info: ServerInfo,
        behaviour: Behaviour,
        profile: Profile,
        timings: Timings,
        seed: u64,
    ) -> Self {
        let now = Instant::now();
        let mut rng = StdRng::seed_from_u64(seed);
        let disk = rng.gen_range(200..4000) * 1024 * 1024;
        Self {
            bus: broadcast::channel(BUS_DEPTH).0,
            sockets: AtomicUsize::new(0),
            suspended: AtomicBool::new(false),
            daemon_prefix: format!(
                "\u{1b}[33m\u{1b}[1m[{} Daemon]:\u{1b}[39m ",
                profile.app_name()
            ),
            profile,
            timings,
            info,
            rt: Mutex::new(Runtime {
                power: PowerState::Offline,
                behaviour,
                rng,
                started_at: None,
                running_since: None,
                boot_lines_done: 0,
                pending: None,
                last_crash: None,
                log: VecDeque::with_capacity(16),
                mem: 0,
                cpu: 0.0,
                rx: 0,
                tx: 0,
                disk,
                disk_read: 0,
                disk_write: 0,
                next_stats: now,
                last_tick: now,
                chatter_carry: 0.0,
                flood_per_sec: 0,
                flood_carry: 0.0,
                flood_seq: 0,
                throttle_start: now,
                throttle_count: 0,
                throttling: false,
                crash_once_done: false,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Runtime> {
        // A panic while holding the lock cannot leave the runtime half-updated in a way that
        // matters for a simulation, so keep going with the data.
        self.rt.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Current power state.
    pub fn state(&self) -> PowerState {
        self.lock().power
    }

    /// Current behaviour.
    pub fn behaviour(&self) -> Behaviour {
        self.lock().behaviour
    }

    /// Replaces the behaviour. Starts the server if it was offline and the behaviour runs.
    pub fn set_behaviour(&self, behaviour: Behaviour) {
        let mut rt = self.lock();
        rt.behaviour = behaviour;
        rt.crash_once_done = false;
        if rt.power == PowerState::Offline && behaviour != Behaviour::Offline {
            let _ = self.start(&mut rt, Instant::now());
        }
    }

    /// Applies the behaviour's initial state at world start: running servers come up as
    /// `running` directly (like Wings re-attaching to a live container after its own restart).
    pub fn boot(&self) {
        let mut rt = self.lock();
        let now = Instant::now();
        match rt.behaviour {
            Behaviour::Offline => {}
            Behaviour::StuckStarting | Behaviour::EulaPrompt => {
                let _ = self.start(&mut rt, now);
            }
            _ => {
                let egg = self.info.egg;
                rt.power = PowerState::Running;
                let up = Duration::from_secs(rt.rng.gen_range(600..86_400));
                rt.started_at = Some(now.checked_sub(up).unwrap_or(now));
                rt.running_since = Some(now);
                rt.boot_lines_done = egg.boot_lines.len() + 1;
                rt.mem = self.typical_memory(&mut rt);
                rt.cpu = rt.rng.gen_range(1.0..15.0);
                rt.rx = rt.rng.gen_range(1_000_000..500_000_000);
                rt.tx = rt.rng.gen_range(1_000_000..900_000_000);
                for line in egg.boot_lines.iter().chain([&egg.done_line]) {
                    push_log(&mut rt.log, line);
                }
            }
        }
    }

    fn typical_memory(&self, rt: &mut Runtime) -> u64 {
        let limit = self.info.limits.memory * 1024 * 1024;
        let f = self.info.egg.memory_use * rt.rng.gen_range(0.8..1.1);
        (limit as f64 * f) as u64
    }

    /// Sends frames verbatim to every viewer (through their token check, like any event).
    pub fn inject(&self, frames: &[crate::wire::Injected]) {
        use crate::wire::{INJECTED_BINARY, INJECTED_TEXT, Injected};
        for f in frames {
            let (event, text) = match f {
                Injected::Text(t) => (INJECTED_TEXT, t.clone()),
                // The bus carries text: bytes that are not UTF-8 arrive as U+FFFD.
                Injected::Binary(b) => (INJECTED_BINARY, String::from_utf8_lossy(b).into_owned()),
            };
            let _ = self.bus.send(Arc::new(Frame { event, text }));
        }
    }

    fn publish(&self, event: &'static str, arg: Option<&str>) {
        // Unwatched servers skip the encoding: most of a big fleet has no viewer.
        if self.bus.receiver_count() == 0 {
            return;
        }
        let _ = self.bus.send(Arc::new(Frame::new(event, arg)));
    }

    fn set_power(&self, rt: &mut Runtime, state: PowerState) {
        if rt.power != state {
            rt.power = state;
            self.publish("status", Some(state.as_str()));
        }
    }

    /// A Wings-originated console line (not throttled, not in the container log).
    pub fn daemon_line(&self, msg: &str) {
        let line = format!("{}{msg}\u{1b}[0m", self.daemon_prefix);
        self.publish("console output", Some(&line));
    }

    /// A line from the container: logged for `send logs`, throttled for live viewers.
    fn container_line(&self, rt: &mut Runtime, now: Instant, line: &str) {
        let stamped = stamp(line);
        let line = truncate(&stamped, MAX_LINE);
        push_log(&mut rt.log, line);
        if now.duration_since(rt.throttle_start) >= THROTTLE_WINDOW {
            rt.throttle_start = now;
            rt.throttle_count = 0;
        }
        rt.throttle_count += 1;
        if rt.throttle_count > THROTTLE_LINES {
            if !rt.throttling {
                rt.throttling = true;
                self.daemon_line("Server is outputting console data too quickly -- throttling...");
            }
            return;
        }
        rt.throttling = false;
        self.publish("console output", Some(line));
        if self.profile.is_pelican() && line.contains("agree to the EULA") {
            let payload = serde_json::json!({"key": "eula", "line": line, "pattern": "You need to agree to the EULA in order to run the server"});
            self.publish("feature match", Some(&payload.to_string()));
        }
    }

    /// The `stats` payload for now.
    pub fn stats(&self) -> StatsSnapshot {
        let rt = self.lock();
        self.snapshot(&rt, Instant::now())
    }

    fn snapshot(&self, rt: &Runtime, now: Instant) -> StatsSnapshot {
        let limit = self.info.limits.memory * 1024 * 1024;
        StatsSnapshot {
            memory_bytes: rt.mem,
            memory_limit_bytes: limit + limit / 20,
            cpu_absolute: (rt.cpu * 1000.0).round() / 1000.0,
            network: Network {
                rx_bytes: rt.rx,
                tx_bytes: rt.tx,
            },
            uptime: match (rt.power, rt.started_at) {
                (PowerState::Offline, _) | (_, None) => 0,
                (_, Some(s)) => u64::try_from(now.duration_since(s).as_millis()).unwrap_or(0),
            },
            state: rt.power,
            disk_bytes: rt.disk,
            disk_io: self.profile.is_pelican().then_some(DiskIo {
                read_bytes: rt.disk_read,
                write_bytes: rt.disk_write,
            }),
        }
    }

    fn publish_stats(&self, rt: &Runtime, now: Instant) {
        if self.bus.receiver_count() == 0 {
            return;
        }
        let json = serde_json::to_string(&self.snapshot(rt, now)).unwrap_or_default();
        self.publish("stats", Some(&json));
    }

    /// The last [`LOG_LINES`] container lines, or nothing when the container is not running.
    pub fn logs(&self) -> Vec<String> {
        let rt = self.lock();
        if rt.power == PowerState::Offline {
            return Vec::new();
        }
        rt.log.iter().cloned().collect()
    }

    /// Runs a power action (Wings' `HandlePowerAction`).
    pub fn power(&self, action: PowerAction) -> Result<(), PowerError> {
        let mut rt = self.lock();
        let now = Instant::now();
        if self.suspended.load(Ordering::Relaxed) && action != PowerAction::Kill {
            return Err(PowerError::Suspended);
        }
        // Terminate skips the power lock in Wings; everything else waits on it.
        if action != PowerAction::Kill && matches!(rt.pending, Some((_, Pending::Stop { .. }))) {
            return Err(PowerError::Busy);
        }
        match action {
            PowerAction::Start => self.start(&mut rt, now),
            PowerAction::Stop => {
                self.begin_stop(&mut rt, now, false);
                Ok(())
            }
            PowerAction::Restart => {
                if rt.power == PowerState::Offline {
                    self.start(&mut rt, now)
                } else {
                    self.begin_stop(&mut rt, now, true);
                    Ok(())
                }
            }
            PowerAction::Kill => {
                self.kill(&mut rt, now);
                Ok(())
            }
        }
    }

    fn start(&self, rt: &mut Runtime, now: Instant) -> Result<(), PowerError> {
        if rt.power != PowerState::Offline {
            return Err(PowerError::Running);
        }
        self.set_power(rt, PowerState::Starting);
        rt.throttle_start = now;
        rt.throttle_count = 0;
        rt.throttling = false;
        self.daemon_line("Updating process configuration files...");
        self.daemon_line(
            "Ensuring file permissions are set correctly, this could take a few seconds...",
        );
        self.daemon_line(
            "Pulling Docker container image, this could take a few minutes to complete...",
        );
        self.daemon_line("Finished pulling Docker container image");
        // Docker's log is truncated at each start, so `send logs` only covers this run.
        rt.log.clear();
        rt.started_at = Some(now);
        rt.running_since = None;
        rt.boot_lines_done = 0;
        rt.next_stats = now;
        rt.rx = 0;
        rt.tx = 0;
        rt.mem = 0;
        Ok(())
    }

    fn begin_stop(&self, rt: &mut Runtime, now: Instant, restart: bool) {
        if rt.power == PowerState::Offline {
            return;
        }
        self.set_power(rt, PowerState::Stopping);
        if rt.behaviour == Behaviour::StuckStopping {
            // The process never reacts to its stop command.
            return;
        }
        for line in self.info.egg.stop_lines {
            self.container_line(rt, now, line);
        }
        rt.pending = Some((now + self.timings.stop_time, Pending::Stop { restart }));
    }

    fn kill(&self, rt: &mut Runtime, now: Instant) {
        if rt.power == PowerState::Offline {
            return;
        }
        self.set_power(rt, PowerState::Stopping);
        self.go_offline(rt, now);
    }

    /// Container gone: `offline` plus the zeroed stats Wings publishes.
    fn go_offline(&self, rt: &mut Runtime, now: Instant) {
        rt.pending = None;
        rt.running_since = None;
        rt.started_at = None;
        rt.mem = 0;
        rt.cpu = 0.0;
        rt.rx = 0;
        rt.tx = 0;
        self.set_power(rt, PowerState::Offline);
        self.publish_stats(rt, now);
    }

    /// The container exits on its own: crash handling as in Wings' `handleServerCrash`.
    pub fn crash_now(&self, exit_code: i32, oom: bool) {
        let mut rt = self.lock();
        self.crash(&mut rt, Instant::now(), exit_code, oom);
    }

    fn crash(&self, rt: &mut Runtime, now: Instant, exit_code: i32, oom: bool) {
        let was = rt.power;
        if was == PowerState::Offline {
            return;
        }
        self.go_offline(rt, now);
        if !matches!(was, PowerState::Running | PowerState::Starting) {
            return;
        }
        self.daemon_line("---------- Detected server process in a crashed state! ----------");
        self.daemon_line(&format!("Exit code: {exit_code}"));
        self.daemon_line(&format!("Out of memory: {oom}"));
        if rt
            .last_crash
            .is_some_and(|t| now.duration_since(t) < self.timings.crash_abort_window)
        {
            self.daemon_line(&format!(
                "Aborting automatic restart, last crash occurred less than {} seconds ago.",
                self.timings.crash_abort_window.as_secs()
            ));
            return;
        }
        rt.last_crash = Some(now);
        let _ = self.start(rt, now);
    }

    /// A console command (Wings' `SendCommand`). Returns false when the server is offline.
    pub fn command(&self, line: &str) -> bool {
        let mut rt = self.lock();
        let now = Instant::now();
        if rt.power == PowerState::Offline {
            return false;
        }
        let egg = self.info.egg;
        if line.trim() == egg.stop_command {
            // Wings marks the server stopping before writing the egg's stop command.
            if rt.power != PowerState::Stopping {
                self.begin_stop(&mut rt, now, false);
            }
            return true;
        }
        if rt.power != PowerState::Running {
            return true;
        }
        let reply = if line == "list" {
            "There are 0 of a max of 20 players online:".to_string()
        } else if let Some(msg) = line.strip_prefix("say ") {
            format!("[Server] {msg}")
        } else if line == "help" || line == "version" {
            format!("{} running in {}", egg.name, egg.docker_image)
        } else {
            format!("Unknown command: {line}")
        };
        self.container_line(&mut rt, now, &reply);
        true
    }

    /// The server is deleted: the container is killed and viewers get `deleted` (`"null"`).
    pub fn delete(&self) {
        let mut rt = self.lock();
        self.kill(&mut rt, Instant::now());
        self.publish("deleted", Some("null"));
    }

    /// Flood the console at `lines_per_sec` (0 stops the flood).
    pub fn flood(&self, lines_per_sec: u32) {
        let mut rt = self.lock();
        rt.flood_per_sec = lines_per_sec;
        rt.flood_carry = 0.0;
    }

    /// Suspend or unsuspend. Suspending kills a running server, as the panel asks Wings to.
    pub fn suspend(&self, suspended: bool) {
        self.suspended.store(suspended, Ordering::Relaxed);
        if suspended {
            let mut rt = self.lock();
            self.kill(&mut rt, Instant::now());
        }
    }

    /// Advances the server to `now`: timers, boot lines, stats, behaviour.
    pub fn tick(&self, now: Instant) {
        let mut rt = self.lock();
        let dt = now.duration_since(rt.last_tick).as_secs_f64();
        rt.last_tick = now;
        if let Some((at, Pending::Stop { restart })) = rt.pending
            && now >= at
        {
            self.go_offline(&mut rt, now);
            if restart {
                let _ = self.start(&mut rt, now);
            }
        }
        match rt.power {
            PowerState::Offline => return,
            PowerState::Starting => self.boot_progress(&mut rt, now),
            PowerState::Running => self.behave(&mut rt, now, dt),
            PowerState::Stopping => {}
        }
        if rt.power == PowerState::Offline {
            return;
        }
        if rt.flood_per_sec > 0 {
            rt.flood_carry += f64::from(rt.flood_per_sec) * dt;
            let n = rt.flood_carry.floor();
            rt.flood_carry -= n;
            for _ in 0..(n as u64) {
                rt.flood_seq += 1;
                let line = format!("[flood] line {} of a noisy plugin", rt.flood_seq);
                self.container_line(&mut rt, now, &line);
            }
        }
        if now >= rt.next_stats {
            rt.next_stats = now + self.timings.stats_period;
            self.sample(&mut rt);
            self.publish_stats(&rt, now);
        }
    }

    fn boot_progress(&self, rt: &mut Runtime, now: Instant) {
        let Some(started) = rt.started_at else { return };
        let egg = self.info.egg;
        let n = egg.boot_lines.len();
        let boot = self.timings.boot_time.as_secs_f64();
        let elapsed = now.duration_since(started).as_secs_f64();
        while rt.boot_lines_done < n
            && elapsed >= boot * (rt.boot_lines_done + 1) as f64 / (n + 1) as f64
        {
            let line = egg.boot_lines[rt.boot_lines_done];
            rt.boot_lines_done += 1;
            self.container_line(rt, now, line);
        }
        if elapsed < boot || rt.boot_lines_done > n {
            return;
        }
        match rt.behaviour {
            Behaviour::StuckStarting => {}
            Behaviour::EulaPrompt => {
                rt.boot_lines_done += 1;
                self.container_line(rt, now, "[12:00:02 WARN]: Failed to load eula.txt");
                self.container_line(
                    rt,
                    now,
                    "[12:00:02 INFO]: You need to agree to the EULA in order to run the server. Go to eula.txt for more info.",
                );
                self.crash(rt, now, 0, false);
            }
            _ => {
                rt.boot_lines_done += 1;
                self.container_line(rt, now, egg.done_line);
                self.set_power(rt, PowerState::Running);
                rt.running_since = Some(now);
            }
        }
    }

    fn behave(&self, rt: &mut Runtime, now: Instant, dt: f64) {
        let egg = self.info.egg;
        let running_for = rt.running_since.map(|s| now.duration_since(s));
        let lines_per_sec = match rt.behaviour {
            Behaviour::Chatty { lines_per_sec } => f64::from(lines_per_sec),
            _ => 0.05,
        };
        rt.chatter_carry += lines_per_sec * dt * rt.rng.gen_range(0.5..1.5);
        while rt.chatter_carry >= 1.0 {
            rt.chatter_carry -= 1.0;
            let line = egg.chatter[rt.rng.gen_range(0..egg.chatter.len())];
            self.container_line(rt, now, line);
        }
        match rt.behaviour {
            Behaviour::CrashOnce { after_ms }
                if !rt.crash_once_done
                    && running_for.is_some_and(|r| r >= Duration::from_millis(after_ms)) =>
            {
                rt.crash_once_done = true;
                self.container_line(
                    rt,
                    now,
                    "Exception in thread \"main\" java.lang.NullPointerException",
                );
                self.crash(rt, now, 1, false);
            }
            Behaviour::CrashLoop { after_ms }
                if running_for.is_some_and(|r| r >= Duration::from_millis(after_ms)) =>
            {
                self.container_line(rt, now, "Segmentation fault (core dumped)");
                self.crash(rt, now, 139, false);
            }
            Behaviour::MemoryLeak { bytes_per_sec } => {
                rt.mem = rt.mem.saturating_add((bytes_per_sec as f64 * dt) as u64);
                let limit = self.info.limits.memory * 1024 * 1024;
                if limit > 0 && rt.mem >= limit {
                    self.crash(rt, now, 137, true);
                }
            }
            _ => {}
        }
    }

    /// One stats sample: CPU random walk, memory drift, cumulative network and disk IO.
    fn sample(&self, rt: &mut Runtime) {
        let period = self.timings.stats_period.as_secs_f64().max(0.001);
        let busy = match (rt.power, rt.behaviour) {
            (PowerState::Starting, _) => 80.0,
            (_, Behaviour::Chatty { .. }) => 35.0,
            _ => 8.0,
        };
        let cpu = rt.cpu + rt.rng.gen_range(-5.0..5.0) + (busy - rt.cpu) * 0.2;
        rt.cpu = cpu.clamp(0.0, self.info.limits.cpu.max(100) as f64);
        if !matches!(rt.behaviour, Behaviour::MemoryLeak { .. }) {
            let target = self.typical_memory(rt);
            let step = match rt.power {
                PowerState::Starting => 0.3,
                _ => 0.05,
            };
            rt.mem = (rt.mem as f64 + (target as f64 - rt.mem as f64) * step) as u64;
        }
        rt.rx += (rt.rng.gen_range(500.0..40_000.0) * period) as u64;
        rt.tx += (rt.rng.gen_range(1_000.0..120_000.0) * period) as u64;
        rt.disk_read += (rt.rng.gen_range(0.0..20_000.0) * period) as u64;
        rt.disk_write += (rt.rng.gen_range(0.0..60_000.0) * period) as u64;
    }
}

/// Replaces a leading `[HH:MM:SS ` log timestamp with the current (UTC) time so consoles look
/// alive; other lines pass unchanged.
fn stamp(line: &str) -> std::borrow::Cow<'_, str> {
    let b = line.as_bytes();
    let stamped = b.len() > 10
        && b[0] == b'['
        && b[3] == b':'
        && b[6] == b':'
        && b[9] == b' '
        && [1, 2, 4, 5, 7, 8].iter().all(|&i| b[i].is_ascii_digit());
    if !stamped {
        return line.into();
    }
    let day = crate::clock::now_secs() % 86_400;
    format!(
        "[{:02}:{:02}:{:02}{}",
        day / 3600,
        day / 60 % 60,
        day % 60,
        &line[9..]
    )
    .into()
}

fn push_log(log: &mut VecDeque<String>, line: &str) {
    if log.len() == LOG_LINES {
        log.pop_front();
    }
    log.push_back(line.to_string());
}

fn truncate(line: &str, max: usize) -> &str {
    if line.len() <= max {
        return line;
    }
    let mut end = max;
    while !line.is_char_boundary(end) {
        end -= 1;
    }
    &line[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_only_timestamped_lines() {
        let s = stamp("[12:00:08 INFO]: Done (7.412s)!");
        assert_eq!(s.len(), "[12:00:08 INFO]: Done (7.412s)!".len());
        assert!(s.ends_with(" INFO]: Done (7.412s)!"));
        assert_eq!(stamp("[12:0 x"), "[12:0 x");
        assert_eq!(stamp("Server started"), "Server started");
        assert_eq!(truncate("héllo", 2), "h");
    }
}
