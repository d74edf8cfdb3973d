//! The tray icon: its colour follows the fleet's worst state, its menu lists problem servers
//! with quick actions, snooze, show and quit.
//!
//! On Linux the tray sends menu events only (no clicks), so everything is in the menu.

use crate::state::{AppEvent, Subscriptions};
use crate::window;
use aerie_core::event::ServerKey;
use tauri::image::Image;
use tauri::menu::{Menu, MenuBuilder, MenuItem, SubmenuBuilder};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Manager, Runtime};

const TRAY_ID: &str = "aerie";

/// The fleet's worst state, as the tray shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Health {
    /// Everything watched is up.
    Ok,
    /// Something needs a look (threshold, stuck starting, reconnecting).
    Warning,
    /// A crash, crash loop or unreachable node.
    Critical,
    /// Nothing is watched or nothing is reachable.
    Offline,
}

impl Health {
    fn icon(self) -> &'static [u8] {
        match self {
            Self::Ok => include_bytes!("../../icons/tray-ok.png"),
            Self::Warning => include_bytes!("../../icons/tray-warning.png"),
            Self::Critical => include_bytes!("../../icons/tray-critical.png"),
            Self::Offline => include_bytes!("../../icons/tray-offline.png"),
        }
    }

    fn tooltip(self) -> &'static str {
        match self {
            Self::Ok => "Aerie: all servers up",
            Self::Warning => "Aerie: something needs a look",
            Self::Critical => "Aerie: a server is down",
            Self::Offline => "Aerie: nothing watched",
        }
    }
}

/// A server the tray menu lists, with what the user can do from there.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// Which server.
    pub key: ServerKey,
    /// Its display name.
    pub name: String,
    /// Short state, e.g. "crashed" or "offline".
    pub state: String,
}

/// What the tray shows.
#[derive(Debug, Clone, PartialEq)]
pub struct TrayView {
    /// Icon colour.
    pub health: Health,
    /// Servers listed with quick actions (at most [`MAX_PROBLEMS`]).
    pub problems: Vec<Problem>,
    /// Alerts snoozed until this time (ms since the epoch), if any.
    pub snoozed_until: Option<u64>,
}

/// Most problem servers listed in the menu.
pub const MAX_PROBLEMS: usize = 10;

/// A quick action from the tray menu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrayAction {
    /// Show the window on this server.
    OpenServer(ServerKey),
    /// Open this server's page on its panel in the browser.
    OpenInPanel(ServerKey),
    /// Restart this server.
    Restart(ServerKey),
    /// Start this server.
    Start(ServerKey),
    /// Snooze every alert for this many minutes (0 resumes).
    Snooze(u32),
}

/// Creates the tray icon (grey, nothing watched yet).
pub fn create<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<TrayIcon<R>> {
    let view = TrayView {
        health: Health::Offline,
        problems: Vec::new(),
        snoozed_until: None,
    };
    TrayIconBuilder::with_id(TRAY_ID)
        .icon(Image::from_bytes(view.health.icon())?)
        .tooltip(view.health.tooltip())
        .menu(&menu(app, &view)?)
        .show_menu_on_left_click(true)
        .on_menu_event(|app, event| on_menu(app, event.id.as_ref()))
        .build(app)
}

/// Redraws icon, tooltip and menu.
pub fn update<R: Runtime>(app: &AppHandle<R>, view: &TrayView) -> tauri::Result<()> {
    let Some(tray) = app.tray_by_id(TRAY_ID) else {
        return Ok(());
    };
    tray.set_icon(Some(Image::from_bytes(view.health.icon())?))?;
    tray.set_tooltip(Some(view.health.tooltip()))?;
    tray.set_menu(Some(menu(app, view)?))?;
    Ok(())
}

fn menu<R: Runtime>(app: &AppHandle<R>, view: &TrayView) -> tauri::Result<Menu<R>> {
    let mut builder = MenuBuilder::new(app);
    if view.problems.is_empty() {
        builder = builder.item(&MenuItem::with_id(
            app,
            "none",
            "No problems",
            false,
            None::<&str>,
        )?);
    }
    for p in view.problems.iter().take(MAX_PROBLEMS) {
        let id = p.key.to_string();
        let sub = SubmenuBuilder::new(app, format!("{} — {}", p.name, p.state))
            .text(format!("open:{id}"), "Open")
            .text(format!("panel:{id}"), "Open in panel")
            .text(format!("start:{id}"), "Start")
            .text(format!("restart:{id}"), "Restart")
            .build()?;
        builder = builder.item(&sub);
    }
    builder = builder.separator();
    builder = match view.snoozed_until {
        Some(_) => builder.text("snooze:0", "Resume alerts"),
        None => builder.item(
            &SubmenuBuilder::new(app, "Snooze alerts")
                .text("snooze:15", "15 minutes")
                .text("snooze:60", "1 hour")
                .text("snooze:480", "8 hours")
                .build()?,
        ),
    };
    builder
        .separator()
        .text("show", "Show Aerie")
        .text("quit", "Quit Aerie")
        .build()
}

/// Parses a menu id into what it asks for.
fn parse(id: &str) -> Option<MenuCommand> {
    match id {
        "show" => return Some(MenuCommand::Show),
        "quit" => return Some(MenuCommand::Quit),
        _ => {}
    }
    let (verb, rest) = id.split_once(':')?;
    if verb == "snooze" {
        return rest
            .parse()
            .ok()
            .map(|minutes| MenuCommand::Action(TrayAction::Snooze(minutes)));
    }
    let (panel, server) = rest.split_once('/')?;
    let key = ServerKey::new(panel, server);
    let action = match verb {
        "open" => TrayAction::OpenServer(key),
        "panel" => TrayAction::OpenInPanel(key),
        "start" => TrayAction::Start(key),
        "restart" => TrayAction::Restart(key),
        _ => return None,
    };
    Some(MenuCommand::Action(action))
}

#[derive(Debug, PartialEq)]
enum MenuCommand {
    Show,
    Quit,
    Action(TrayAction),
}

fn on_menu<R: Runtime>(app: &AppHandle<R>, id: &str) {
    tracing::debug!(id, "tray menu");
    match parse(id) {
        Some(MenuCommand::Show) => window::show_main(app),
        Some(MenuCommand::Quit) => {
            app.state::<crate::state::Quitting>().set();
            app.exit(0);
        }
        Some(MenuCommand::Action(TrayAction::OpenServer(key))) => {
            window::show_main(app);
            app.state::<Subscriptions>()
                .send_app_event(&AppEvent::OpenServer {
                    id: key.to_string(),
                });
        }
        Some(MenuCommand::Action(TrayAction::OpenInPanel(key))) => {
            let opened = app
                .state::<crate::engine::EngineState>()
                .get()
                .and_then(|engine| crate::links::panel_page_of(engine, &key))
                .and_then(|url| crate::links::open(app, &url));
            if let Err(e) = opened {
                tracing::warn!(%key, error = %e, "tray: cannot open the panel page");
            }
        }
        Some(MenuCommand::Action(TrayAction::Snooze(minutes))) => {
            match app.state::<crate::engine::EngineState>().get() {
                Ok(engine) => {
                    let until = engine.alerting.snooze(minutes);
                    tracing::info!(minutes, ?until, "tray: snooze");
                }
                Err(e) => tracing::warn!(error = %e, "tray: cannot snooze"),
            }
        }
        Some(MenuCommand::Action(action)) => power_from_tray(app, action),
        None => tracing::warn!(id, "tray: unknown menu id"),
    }
}

/// Start or restart from the tray menu, through the fleet like the UI's buttons.
fn power_from_tray<R: Runtime>(app: &AppHandle<R>, action: TrayAction) {
    use aerie_core::panel::PowerSignal;
    let (key, signal) = match action {
        TrayAction::Start(key) => (key, PowerSignal::Start),
        TrayAction::Restart(key) => (key, PowerSignal::Restart),
        other => {
            tracing::warn!(action = ?other, "tray: unhandled action");
            return;
        }
    };
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let state = app.state::<crate::engine::EngineState>();
        let result = match state.get() {
            Ok(engine) => engine
                .fleet
                .power(&key, signal)
                .await
                .map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        match result {
            Ok(()) => tracing::info!(%key, ?signal, "tray: power signal sent"),
            Err(e) => tracing::warn!(%key, ?signal, error = %e, "tray: power failed"),
        }
    });
}

/// What the tray shows for a fleet snapshot alone: no servers is grey; a failed link is red;
/// offline servers, reconnecting or polling links are amber. [`follow_fleet`] replaces the
/// colour with the alert service's health.
pub fn view_of(snapshot: &[aerie_core::fleet::ServerSnapshot]) -> TrayView {
    let mut view = ViewBuilder::default();
    for s in snapshot {
        view.add(s);
    }
    view.finish()
}

/// The tray view of the whole fleet, read in place (no copy of a thousand snapshots a second).
pub fn view_of_fleet(fleet: &aerie_core::fleet::Fleet) -> TrayView {
    let mut view = ViewBuilder::default();
    fleet.for_each_snapshot(|s| view.add(s));
    view.finish()
}

/// Builds a [`TrayView`] one server at a time.
#[derive(Default)]
struct ViewBuilder {
    servers: usize,
    /// The worst problem's level; none means every server is fine.
    worst: Option<Health>,
    /// Sorted by key at the end, so the menu's order does not depend on the visiting order.
    problems: Vec<Problem>,
}

impl ViewBuilder {
    fn add(&mut self, s: &aerie_core::fleet::ServerSnapshot) {
        use aerie_core::event::{ConnectionState, PowerState};
        self.servers += 1;
        let (level, state) = match (&s.connection, s.state) {
            (ConnectionState::Failed { .. }, _) => (Health::Critical, "link failed"),
            (ConnectionState::Untrusted { .. }, _) => (Health::Critical, "certificate not trusted"),
            (ConnectionState::Reconnecting { .. } | ConnectionState::Polling, _) => {
                (Health::Warning, "reconnecting")
            }
            (_, Some(PowerState::Offline)) => (Health::Warning, "offline"),
            _ => return,
        };
        self.worst = Some(self.worst.map_or(level, |h| h.max(level)));
        self.problems.push(Problem {
            key: s.key.clone(),
            name: s.info.name.clone(),
            state: state.to_string(),
        });
    }

    fn finish(mut self) -> TrayView {
        self.problems.sort_by(|a, b| a.key.cmp(&b.key));
        TrayView {
            health: if self.servers == 0 {
                Health::Offline
            } else {
                self.worst.unwrap_or(Health::Ok)
            },
            problems: {
                self.problems.truncate(MAX_PROBLEMS);
                self.problems
            },
            snoozed_until: None,
        }
    }
}

/// The tray's colour for the alert service's fleet health.
pub fn health_of(health: aerie_core::alerts::Health) -> Health {
    use aerie_core::alerts::Health as H;
    match health {
        H::Ok => Health::Ok,
        H::Warning => Health::Warning,
        H::Critical => Health::Critical,
        H::Offline => Health::Offline,
    }
}

/// Keeps the tray in step with the fleet and the alert service: the colour is the service's
/// health (grey while nothing is watched), the menu lists the servers that are not up and the
/// snooze state. Redraws at most once a second, only on change.
pub fn follow_fleet<R: Runtime>(
    app: AppHandle<R>,
    fleet: aerie_core::fleet::Fleet,
    alerting: std::sync::Arc<crate::alerting::Alerting>,
) {
    tauri::async_runtime::spawn(async move {
        let health = alerting.service.health();
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
        let mut shown: Option<TrayView> = None;
        loop {
            tick.tick().await;
            let mut view = view_of_fleet(&fleet);
            // Offline here means nothing is watched; otherwise the alert service's colour.
            if view.health != Health::Offline {
                view.health = health_of(*health.borrow());
            }
            view.snoozed_until = alerting.snoozed_until();
            if shown.as_ref() != Some(&view) {
                if let Err(e) = update(&app, &view) {
                    tracing::warn!(error = %e, "tray: could not redraw");
                }
                shown = Some(view);
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn menu_ids_round_trip_to_actions() {
        assert_eq!(parse("show"), Some(MenuCommand::Show));
        assert_eq!(
            parse("restart:acc1/abcd1234"),
            Some(MenuCommand::Action(TrayAction::Restart(ServerKey::new(
                "acc1", "abcd1234"
            ))))
        );
        assert_eq!(
            parse("snooze:60"),
            Some(MenuCommand::Action(TrayAction::Snooze(60)))
        );
        assert_eq!(
            parse("panel:acc1/abcd1234"),
            Some(MenuCommand::Action(TrayAction::OpenInPanel(
                ServerKey::new("acc1", "abcd1234")
            )))
        );
        assert_eq!(parse("launch:acc1/x"), None);
        assert_eq!(parse("snooze:soon"), None);
    }

    #[test]
    fn an_empty_fleet_is_grey_and_a_quiet_one_green() {
        assert_eq!(view_of(&[]).health, Health::Offline);
    }

    #[test]
    fn health_orders_from_best_to_worst_then_offline() {
        assert!(Health::Ok < Health::Warning && Health::Warning < Health::Critical);
    }
}
