#!/usr/bin/env bash
# Manage the Docker engine the conformance harness needs on a CI machine.
#
#   scripts/docker-engine.sh start   start dockerd unless an engine already answers
#   scripts/docker-engine.sh guard   egress guard: containers reach nothing beyond the host
#   scripts/docker-engine.sh stop    stop the dockerd that `start` started (and nothing else)
#   scripts/docker-engine.sh status  say whether an engine answers and whether we started it
#   scripts/docker-engine.sh install PKG...
#                                    apt-get install, non-interactive (used by .ci/run)
#
# `start` installs docker.io with apt when dockerd is missing, starts `dockerd` in the
# background (log: $SOSIMPLE_DOCKERD_LOG), records its PID in $SOSIMPLE_DOCKERD_PIDFILE and waits
# up to $SOSIMPLE_DOCKERD_WAIT seconds for `docker info`. `stop` only ever signals that PID, and
# only when it still is a dockerd. Never pulls an image.
set -euo pipefail

PIDFILE="${SOSIMPLE_DOCKERD_PIDFILE:-/tmp/sosimple-dockerd.pid}"
LOGFILE="${SOSIMPLE_DOCKERD_LOG:-/tmp/sosimple-dockerd.log}"
WAIT_SECONDS="${SOSIMPLE_DOCKERD_WAIT:-60}"
GUARD_COMMENT="sosimple-conformance egress guard"

say() { printf 'docker-engine: %s\n' "$*"; }
warn() { printf 'docker-engine: WARNING: %s\n' "$*" >&2; }
die() { printf 'docker-engine: ERROR: %s\n' "$*" >&2; exit 1; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else die "must run as root (or with sudo available)"; fi
fi

engine_answers() { docker info >/dev/null 2>&1; }

# apt_install PKG...: non-interactive install; `apt-get update` only when the install fails
# for lack of package lists, then one retry.
apt_install() {
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install $* by hand"
  local out rc=0
  local t0=$SECONDS
  say "apt-get install -y $*"
  out="$($SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=120 "$@" 2>&1)" || rc=$?
  if [ "$rc" -ne 0 ] && grep -qE 'Unable to locate package|has no installation candidate|is not available|Failed to fetch|404 +Not Found' <<<"$out"; then
    say "package lists missing or stale: apt-get update, then retry"
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q -o DPkg::Lock::Timeout=120 >/dev/null ||
      warn "apt-get update failed; retrying the install anyway"
    rc=0
    out="$($SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=120 "$@" 2>&1)" || rc=$?
  fi
  if [ "$rc" -ne 0 ]; then
    printf '%s\n' "$out" | tail -n 20 >&2
    die "apt-get install $* failed (exit $rc)"
  fi
  say "installed $* in $((SECONDS - t0)) s"
}

# The PID in the state file, if it is alive and is a dockerd; empty otherwise.
our_dockerd_pid() {
  [ -s "$PIDFILE" ] || return 0
  local pid
  pid="$(tr -dc '0-9' <"$PIDFILE")"
  [ -n "$pid" ] || return 0
  if [ -r "/proc/$pid/comm" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "dockerd" ]; then
    printf '%s\n' "$pid"
  fi
}

cmd_start() {
  if engine_answers; then
    say "a Docker engine is already running ($(docker info --format '{{.ServerVersion}}' 2>/dev/null || echo '?')); not starting another"
    return 0
  fi
  if ! command -v dockerd >/dev/null 2>&1; then
    apt_install docker.io
    # On a machine with systemd the package may have started its own service.
    if engine_answers; then
      say "docker.io's service started an engine; not starting another"
      return 0
    fi
  fi
  command -v docker >/dev/null 2>&1 || die "dockerd is installed but the docker client is not"
  local stale
  stale="$(our_dockerd_pid)"
  if [ -n "$stale" ]; then
    die "dockerd $stale (recorded in $PIDFILE) is running but does not answer; see $LOGFILE, or run '$0 stop'"
  fi
  rm -f "$PIDFILE"

  say "starting dockerd (log: $LOGFILE)"
  # Own session, so that it outlives this script and no terminal signal reaches it.
  $SUDO setsid dockerd >>"$LOGFILE" 2>&1 </dev/null &
  local pid=$!
  printf '%s\n' "$pid" >"$PIDFILE"

  local waited=0
  until engine_answers; do
    if [ ! -d "/proc/$pid" ]; then
      tail -n 20 "$LOGFILE" >&2 || true
      rm -f "$PIDFILE"
      die "dockerd (PID $pid) exited during start-up; see $LOGFILE"
    fi
    if [ "$waited" -ge "$WAIT_SECONDS" ]; then
      tail -n 20 "$LOGFILE" >&2 || true
      die "dockerd (PID $pid) did not answer 'docker info' within ${WAIT_SECONDS} s; see $LOGFILE (it is left running; '$0 stop' stops it)"
    fi
    sleep 1
    waited=$((waited + 1))
  done
  # $! is dockerd itself unless something in between forked (sudo; setsid when it had to).
  # Then trust the PID file dockerd writes itself.
  if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" != "dockerd" ]; then
    local own
    own="$(tr -dc '0-9' </var/run/docker.pid 2>/dev/null || true)"
    if [ -n "$own" ] && [ "$(cat "/proc/$own/comm" 2>/dev/null)" = "dockerd" ]; then
      pid="$own"
      printf '%s\n' "$pid" >"$PIDFILE"
    else
      warn "cannot tell which process is the dockerd just started; '$0 stop' will not stop it"
      rm -f "$PIDFILE"
    fi
  fi
  say "dockerd PID $pid answers after ${waited} s ($(docker info --format '{{.ServerVersion}} {{.Driver}} cgroup v{{.CgroupVersion}}' 2>/dev/null || echo '?')); PID recorded in $PIDFILE"
}

cmd_stop() {
  local pid
  pid="$(our_dockerd_pid)"
  if [ -z "$pid" ]; then
    if [ -e "$PIDFILE" ]; then
      say "the dockerd recorded in $PIDFILE is no longer running; removing the state file"
      rm -f "$PIDFILE"
    else
      say "no dockerd started by this script (no $PIDFILE); leaving any running engine alone"
    fi
    return 0
  fi
  say "stopping dockerd PID $pid"
  $SUDO kill -TERM "$pid" 2>/dev/null || true
  local waited=0
  while [ -d "/proc/$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "dockerd" ]; do
    if [ "$waited" -ge 60 ]; then
      warn "dockerd $pid still running after 60 s; sending SIGKILL"
      $SUDO kill -KILL "$pid" 2>/dev/null || true
      sleep 1
      break
    fi
    sleep 1
    waited=$((waited + 1))
  done
  rm -f "$PIDFILE"
  say "dockerd PID $pid stopped after ${waited} s"
}

# Egress guard. In filter/DOCKER-USER (jumped to first from FORWARD, and left alone by
# dockerd), drop forwarded traffic that leaves through the default-route interface and did not
# come in through it: that is exactly container traffic heading for the outside world,
# including DNS queries to outside resolvers. Untouched:
#   container <-> container on a bridge  (in and out through the bridge, or bridged);
#   container <-> host / gateway address  (INPUT/OUTPUT chains, never FORWARD);
#   host's own traffic                     (OUTPUT, never FORWARD).
guard_rule() { printf '%s\n' "! -i $1 -o $1 -m comment --comment \"$GUARD_COMMENT\" -j DROP"; }

guard_family() {
  local ipt="$1" iface="$2"
  local -a rule=('!' -i "$iface" -o "$iface" -m comment --comment "$GUARD_COMMENT" -j DROP)
  if ! $SUDO "$ipt" -w -L DOCKER-USER -n >/dev/null 2>&1; then
    # dockerd creates DOCKER-USER (and the FORWARD jump) on start; create them ourselves when it
    # has not run yet. dockerd later keeps the chain and its rules, appends its RETURN and moves
    # the jump to the top of FORWARD.
    say "$ipt: chain DOCKER-USER missing; creating it"
    $SUDO "$ipt" -w -N DOCKER-USER
    $SUDO "$ipt" -w -C FORWARD -j DOCKER-USER 2>/dev/null || $SUDO "$ipt" -w -I FORWARD 1 -j DOCKER-USER
  fi
  if $SUDO "$ipt" -w -C DOCKER-USER "${rule[@]}" 2>/dev/null; then
    say "$ipt: egress guard already in place (DOCKER-USER: $(guard_rule "$iface"))"
  else
    $SUDO "$ipt" -w -I DOCKER-USER 1 "${rule[@]}"
    say "$ipt: egress guard added (DOCKER-USER: $(guard_rule "$iface"))"
  fi
}

cmd_guard() {
  if ! command -v iptables >/dev/null 2>&1; then
    warn "iptables not found: NO egress guard; containers may reach the outside world (apt-get install -y iptables)"
    return 0
  fi
  local iface
  iface="$(ip route show default 2>/dev/null | awk '/^default/ { for (i = 1; i < NF; i++) if ($i == "dev") { print $(i + 1); exit } }')"
  if [ -z "$iface" ]; then
    say "no IPv4 default route: nothing to guard"
  else
    guard_family iptables "$iface"
  fi
  # IPv6: only when the host has an IPv6 default route and ip6tables exists.
  local iface6
  iface6="$(ip -6 route show default 2>/dev/null | awk '/^default/ { for (i = 1; i < NF; i++) if ($i == "dev") { print $(i + 1); exit } }')"
  if [ -n "$iface6" ]; then
    if command -v ip6tables >/dev/null 2>&1; then
      guard_family ip6tables "$iface6"
    else
      warn "IPv6 default route via $iface6 but ip6tables not found: no IPv6 egress guard"
    fi
  fi
}

cmd_status() {
  if engine_answers; then say "engine answers"; else say "no engine answers"; fi
  local pid
  pid="$(our_dockerd_pid)"
  if [ -n "$pid" ]; then say "dockerd PID $pid was started by this script"; else say "no dockerd started by this script"; fi
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  guard) cmd_guard ;;
  status) cmd_status ;;
  install)
    shift
    [ "$#" -gt 0 ] || die "install: name the packages"
    apt_install "$@"
    ;;
  *)
    printf 'usage: %s start|guard|stop|status|install PKG...\n' "$0" >&2
    exit 2
    ;;
esac
