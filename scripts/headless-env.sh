# shellcheck shell=bash
# headless-env.sh: headless desktop session (Xvfb, private D-Bus, unlocked gnome-keyring, dunst)
# for Aerie's tests. Adapted from the team's reference recipe; `cargo xtask test` runs it.
# on Debian 12 (bookworm). Tested as root on a 2-core machine that can reach only
# crates.io, PyPI, npm and the Debian mirrors.
#
# What it does. Every step is idempotent: a second `source` reuses what is already running.
#   1. apt-installs the Tauri v2 build deps and the headless runtime tools. It skips this when
#      they are all present already; TAURI_HEADLESS_SKIP_APT=1 skips it every time.
#   2. starts Xvfb on $TAURI_HEADLESS_DISPLAY (default :99)
#   3. starts a private D-Bus session bus: unix:path=$STATE/bus
#   4. starts gnome-keyring-daemon (secrets component) on that bus and creates and unlocks the
#      "login" collection, which is also the "default" alias, with
#      $TAURI_HEADLESS_KEYRING_PASSWORD. The keyring files go in $STATE/data/keyrings, never ~/.
#   5. starts dunst as the org.freedesktop.Notifications server, drawing on the Xvfb display
#   6. optional (TAURI_HEADLESS_DRIVER=1): builds tauri-driver with `cargo install` if it is
#      missing, then starts it on 127.0.0.1:4444. It proxies to WebKitWebDriver on 4445.
#
# Usage:
#   source headless-desktop.sh            # sets up and exports the env into this shell
#   tauri_headless_status                      # shows what is running
#   tauri_headless_stop                        # kills only the processes this recipe started
#   bash headless-desktop.sh --print-env  # sets up, then prints export lines:
#   eval "$(bash headless-desktop.sh --print-env)"
#   bash headless-desktop.sh --stop
#   bash headless-env.sh --install-only build   # only what building the app needs
#   bash headless-env.sh --list-packages [build]  # the Debian package names, one line
#
# Exports: DISPLAY, DBUS_SESSION_BUS_ADDRESS, XDG_RUNTIME_DIR (only if it was unset),
#          NO_AT_BRIDGE=1, GNOME_KEYRING_CONTROL, TAURI_HEADLESS_STATE
#
# Knobs (env): TAURI_HEADLESS_STATE (default /tmp/aerie-headless), TAURI_HEADLESS_DISPLAY (:99),
#   TAURI_HEADLESS_SCREEN (1280x800x24), TAURI_HEADLESS_KEYRING_PASSWORD (ci-keyring),
#   TAURI_HEADLESS_SKIP_APT=1, TAURI_HEADLESS_NO_NOTIFY=1, TAURI_HEADLESS_NO_KEYRING=1,
#   TAURI_HEADLESS_DRIVER=1, TAURI_HEADLESS_DRIVER_PORT (4444)
#
# The functions here avoid `set -e` and `exit`, so they will not kill a shell that sources
# the script. tauri_headless_up returns non-zero if any step fails.

# What building and running the desktop app needs (`cargo xtask demo|run` install these).
TAURI_BUILD_PKGS=(
  # Tauri v2 build deps (webkit2gtk 4.1, GTK3, soup3, tray, svg, xdo for menus)
  libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev libsoup-3.0-dev
  libssl-dev libxdo-dev pkg-config build-essential file
  # keyring / D-Bus crates (dbus-secret-service -> libdbus; libsecret for secret-tool users)
  libsecret-1-dev libdbus-1-dev
)
# Everything `cargo xtask test` needs: the build set plus the headless desktop and tools.
TAURI_HEADLESS_PKGS=(
  "${TAURI_BUILD_PKGS[@]}"
  # headless runtime
  xvfb xauth x11-utils webkit2gtk-driver dbus dbus-x11 gnome-keyring libsecret-tools dunst
  # screenshots / input for visual checks
  imagemagick xdotool
  # keyctl: run linux-native keyring tests in a fresh session keyring (`keyctl session - cmd`)
  keyutils
)

_th_log() { printf '[tauri-headless] %s\n' "$*" >&2; }

# Liveness check that also rejects zombies. PID 1 in some containers never reaps them.
_th_alive() {
  local pid=$1 st
  [ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || return 1
  st=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)
  [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

_th_pid_of_bus_name() { # $1 = well-known name on the session bus -> prints the owner's PID
  dbus-send --session --print-reply=literal --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.GetConnectionUnixProcessID "string:$1" 2>/dev/null | awk '{print $2}'
}

_th_has_owner() {
  dbus-send --session --print-reply=literal --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner "string:$1" 2>/dev/null | grep -q true
}

# $1 = "build" installs only TAURI_BUILD_PKGS; anything else the full test set.
tauri_headless_install_packages() {
  if [ "${TAURI_HEADLESS_SKIP_APT:-0}" = 1 ]; then return 0; fi
  local missing=() p wanted=("${TAURI_HEADLESS_PKGS[@]}")
  if [ "${1:-}" = build ]; then wanted=("${TAURI_BUILD_PKGS[@]}"); fi
  for p in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then _th_log "apt: all ${#wanted[@]} packages present"; return 0; fi
  local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  _th_log "apt: installing ${missing[*]}"
  $sudo apt-get update -qq || return 1
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || return 1
}

tauri_headless_up() {
  local S=${TAURI_HEADLESS_STATE:-/tmp/aerie-headless}
  local DISP=${TAURI_HEADLESS_DISPLAY:-:99}
  local n=${DISP#:}; n=${n%%.*}
  local pid
  mkdir -p "$S" && chmod 700 "$S" || return 1
  export TAURI_HEADLESS_STATE=$S

  tauri_headless_install_packages || { _th_log "package install failed"; return 1; }

  # ---- runtime dir (GLib, gnome-keyring and dconf want one; no logind in containers) ----
  if [ -z "${XDG_RUNTIME_DIR:-}" ] || [ ! -d "$XDG_RUNTIME_DIR" ] || [ ! -w "$XDG_RUNTIME_DIR" ]; then
    export XDG_RUNTIME_DIR=$S/runtime
  fi
  mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
  # Stop GTK/WebKit from starting at-spi-bus-launcher, which outlives the app.
  export NO_AT_BRIDGE=1

  # ---- 1. Xvfb ----
  export DISPLAY=$DISP
  if xdpyinfo >/dev/null 2>&1; then
    _th_log "Xvfb: display $DISP already up"
  else
    # A stale lock file from a dead server would make Xvfb refuse the display number.
    if [ -e "/tmp/.X${n}-lock" ] && ! _th_alive "$(tr -d ' ' <"/tmp/.X${n}-lock")"; then
      rm -f "/tmp/.X${n}-lock" "/tmp/.X11-unix/X${n}"
    fi
    setsid Xvfb "$DISP" -screen 0 "${TAURI_HEADLESS_SCREEN:-1280x800x24}" -nolisten tcp \
      >"$S/xvfb.log" 2>&1 </dev/null &
    for _ in $(seq 100); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done
    if ! xdpyinfo >/dev/null 2>&1; then _th_log "Xvfb failed, see $S/xvfb.log"; return 1; fi
    # Xvfb writes its real PID to the lock file. $! may be a setsid wrapper.
    tr -d ' ' <"/tmp/.X${n}-lock" >"$S/xvfb.pid"
    _th_log "Xvfb: started $DISP (pid $(cat "$S/xvfb.pid"))"
  fi

  # ---- 2. D-Bus session bus ----
  local bus="unix:path=$S/bus"
  if [ -S "$S/bus" ] && _th_alive "$(cat "$S/dbus.pid" 2>/dev/null)" \
     && DBUS_SESSION_BUS_ADDRESS=$bus dbus-send --session --dest=org.freedesktop.DBus \
          --type=method_call /org/freedesktop/DBus org.freedesktop.DBus.Peer.Ping 2>/dev/null; then
    _th_log "D-Bus: reusing $bus"
  else
    rm -f "$S/bus"
    # Start the bus only after DISPLAY and XDG_RUNTIME_DIR are exported: bus-activated services
    # such as dunst inherit this environment.
    dbus-daemon --session --fork --nopidfile --nosyslog --address="$bus" --print-pid=1 \
      >"$S/dbus.pid" 2>"$S/dbus.log" </dev/null || { _th_log "dbus-daemon failed"; return 1; }
    for _ in $(seq 50); do [ -S "$S/bus" ] && break; sleep 0.1; done
    _th_log "D-Bus: started $bus (pid $(cat "$S/dbus.pid"))"
  fi
  export DBUS_SESSION_BUS_ADDRESS=$bus
  dbus-update-activation-environment DISPLAY XDG_RUNTIME_DIR NO_AT_BRIDGE >/dev/null 2>&1 || true

  # ---- 3. gnome-keyring (Secret Service), unlocked ----
  if [ "${TAURI_HEADLESS_NO_KEYRING:-0}" != 1 ]; then
    pid=$(_th_pid_of_bus_name org.freedesktop.secrets)
    if [ -n "$pid" ] && [ "$pid" = "$(cat "$S/gkd.pid" 2>/dev/null)" ]; then
      _th_log "gnome-keyring: reusing (pid $pid)"
    else
      # Start from a clean keyring dir every time, so an old login.keyring with a different
      # password cannot block the unlock. --replace also takes over from a locked daemon that
      # D-Bus activation may have started.
      rm -rf "$S/data/keyrings"; mkdir -p "$S/data"
      local out
      # -C keeps the control socket inside $S, so --replace can never take over the keyring
      # of a real desktop session that shares XDG_RUNTIME_DIR.
      mkdir -p "$S/keyring-control" && chmod 700 "$S/keyring-control"
      out=$(printf '%s' "${TAURI_HEADLESS_KEYRING_PASSWORD:-ci-keyring}" \
        | XDG_DATA_HOME="$S/data" gnome-keyring-daemon --replace --unlock --components=secrets \
            -C "$S/keyring-control" 2>>"$S/gkd.log") \
        || { _th_log "gnome-keyring-daemon failed, see $S/gkd.log"; return 1; }
      for _ in $(seq 50); do _th_has_owner org.freedesktop.secrets && break; sleep 0.1; done
      _th_pid_of_bus_name org.freedesktop.secrets >"$S/gkd.pid"
      eval "$(printf '%s\n' "$out" | sed -n 's/^\(GNOME_KEYRING_CONTROL\)=\(.*\)$/export \1="\2"/p')"
      _th_log "gnome-keyring: started, login keyring unlocked (pid $(cat "$S/gkd.pid"))"
    fi
    export GNOME_KEYRING_CONTROL=$S/keyring-control
  fi

  # ---- 4. notification daemon (dunst) ----
  if [ "${TAURI_HEADLESS_NO_NOTIFY:-0}" != 1 ]; then
    if _th_has_owner org.freedesktop.Notifications; then
      _th_log "notifications: server already on the bus (pid $(_th_pid_of_bus_name org.freedesktop.Notifications))"
    else
      setsid dunst >"$S/dunst.log" 2>&1 </dev/null &
      for _ in $(seq 100); do _th_has_owner org.freedesktop.Notifications && break; sleep 0.1; done
      if ! _th_has_owner org.freedesktop.Notifications; then _th_log "dunst failed, see $S/dunst.log"; return 1; fi
      _th_pid_of_bus_name org.freedesktop.Notifications >"$S/dunst.pid"
      _th_log "notifications: dunst started (pid $(cat "$S/dunst.pid"))"
    fi
  fi

  # ---- 5. optional tauri-driver (WebDriver for E2E) ----
  if [ "${TAURI_HEADLESS_DRIVER:-0}" = 1 ]; then
    local port=${TAURI_HEADLESS_DRIVER_PORT:-4444}
    if ! command -v tauri-driver >/dev/null 2>&1; then
      _th_log "installing tauri-driver (cargo install tauri-driver --locked, ~25 s)"
      cargo install tauri-driver --locked >"$S/tauri-driver-install.log" 2>&1 || { _th_log "tauri-driver install failed"; return 1; }
    fi
    if _th_alive "$(cat "$S/tauri-driver.pid" 2>/dev/null)"; then
      _th_log "tauri-driver: reusing (pid $(cat "$S/tauri-driver.pid"))"
    else
      nohup tauri-driver --port "$port" --native-port $((port + 1)) >"$S/tauri-driver.log" 2>&1 </dev/null &
      echo $! >"$S/tauri-driver.pid"
      for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
      _th_log "tauri-driver: listening on 127.0.0.1:$port (pid $(cat "$S/tauri-driver.pid"))"
    fi
  fi

  # Write the env to a file for other shells and CI steps: `. $S/env.sh`
  {
    echo "export DISPLAY='$DISPLAY'"
    echo "export DBUS_SESSION_BUS_ADDRESS='$DBUS_SESSION_BUS_ADDRESS'"
    echo "export XDG_RUNTIME_DIR='$XDG_RUNTIME_DIR'"
    echo "export NO_AT_BRIDGE=1"
    if [ -n "${GNOME_KEYRING_CONTROL:-}" ]; then echo "export GNOME_KEYRING_CONTROL='$GNOME_KEYRING_CONTROL'"; fi
    echo "export TAURI_HEADLESS_STATE='$S'"
  } >"$S/env.sh"
  return 0
}

tauri_headless_status() {
  local S=${TAURI_HEADLESS_STATE:-/tmp/aerie-headless} f
  echo "DISPLAY=${DISPLAY:-} DBUS_SESSION_BUS_ADDRESS=${DBUS_SESSION_BUS_ADDRESS:-}"
  if xdpyinfo >/dev/null 2>&1; then echo "X: up"; else echo "X: DOWN"; fi
  if _th_has_owner org.freedesktop.DBus; then echo "bus: up"; else echo "bus: DOWN"; fi
  if _th_has_owner org.freedesktop.secrets; then echo "secrets: up"; else echo "secrets: down"; fi
  if _th_has_owner org.freedesktop.Notifications; then echo "notifications: up"; else echo "notifications: down"; fi
  for f in xvfb dbus gkd dunst tauri-driver; do
    if [ -f "$S/$f.pid" ]; then
      printf '%s pid %s %s\n' "$f" "$(cat "$S/$f.pid")" \
        "$(_th_alive "$(cat "$S/$f.pid")" && echo alive || echo dead)"
    fi
  done
  return 0
}

# Kills only PIDs this recipe recorded. It never matches processes by name.
tauri_headless_stop() {
  local S=${TAURI_HEADLESS_STATE:-/tmp/aerie-headless} f pid
  # WebKitGTK starts the accessibility bus (at-spi-bus-launcher) on our session bus
  # (NO_AT_BRIDGE does not stop it). Look up its PID by bus name and stop it first.
  if [ -S "$S/bus" ]; then
    pid=$(DBUS_SESSION_BUS_ADDRESS="unix:path=$S/bus" _th_pid_of_bus_name org.a11y.Bus)
    if [ -n "$pid" ] && _th_alive "$pid"; then kill "$pid" 2>/dev/null && _th_log "stopped at-spi-bus-launcher (pid $pid)"; fi
  fi
  for f in tauri-driver dunst gkd dbus xvfb; do
    pid=$(cat "$S/$f.pid" 2>/dev/null) || continue
    if _th_alive "$pid"; then kill "$pid" 2>/dev/null && _th_log "stopped $f (pid $pid)"; fi
    rm -f "$S/$f.pid"
  done
  rm -f "$S/bus" "$S/env.sh"
}

# ---- entry point ----
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  # Run as a script, not sourced.
  case "${1:-}" in
    --stop) tauri_headless_stop ;;
    --status)
      S=${TAURI_HEADLESS_STATE:-/tmp/aerie-headless}
      # shellcheck disable=SC1091
      [ -f "$S/env.sh" ] && . "$S/env.sh"
      tauri_headless_status ;;
    --install-only) tauri_headless_install_packages "${2:-}" ;;
    --list-packages)
      if [ "${2:-}" = build ]; then echo "${TAURI_BUILD_PKGS[*]}"; else echo "${TAURI_HEADLESS_PKGS[*]}"; fi ;;
    --print-env|"")
      tauri_headless_up || exit 1
      cat "${TAURI_HEADLESS_STATE}/env.sh" ;;
    *) echo "usage: $0 [--print-env|--status|--stop|--install-only [build]|--list-packages [build]]" >&2; exit 2 ;;
  esac
else
  tauri_headless_up || _th_log "setup FAILED (see logs in ${TAURI_HEADLESS_STATE:-/tmp/aerie-headless})"
fi
