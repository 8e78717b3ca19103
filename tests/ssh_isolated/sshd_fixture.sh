#!/usr/bin/env bash
# sshd_fixture.sh - throwaway OpenSSH server for tests (root, no systemd needed).
#
#   sshd_fixture.sh start DIR ADDR PORT PUBKEY_FILE [NETNS]   -> prints sshd PID
#   sshd_fixture.sh stop  DIR                                  -> kills it + its session tree
#
# start: creates DIR (0755) with a fresh ed25519 host key, authorized_keys (copy of
#        PUBKEY_FILE), sshd_config; runs /usr/sbin/sshd -D in the background
#        (inside `ip netns exec NETNS` if NETNS given), waits until it listens,
#        prints its PID on stdout (nothing else goes to stdout). Log: DIR/sshd.log.
#        Also writes DIR/ssh_config so `ssh -F DIR/ssh_config fixture` works.
#        Env SSHD_FIXTURE_HOSTNAME=name: run sshd in its own UTS namespace with that
#        hostname (so each fake host reports a different `hostname`).
#        Env SSHD_FIXTURE_ISOLATE=1: run sshd in its own mount namespace where /root,
#        /home, /tmp, /opt, /var/tmp and the top folder holding the current checkout
#        are fresh empty tmpfs (DIR is bound back in place), so a session sees a bare
#        Debian host: /usr/bin/python3, no uv, no venv, no pyenv, no pip cache, none of
#        this machine's files. Needs root.
#        Extensions of this copy (tests/ssh_isolated), all optional, for ISOLATE hosts:
#          SSHD_FIXTURE_PASSWORD=1        PasswordAuthentication yes (root still key-only)
#          SSHD_FIXTURE_USERS="u1 u2"     create /home/<u> owned by <u> inside the namespace
#                                         (the users must exist in /etc/passwd)
#          SSHD_FIXTURE_TMPFS_SIZE=40m    size limit of the fresh /root, /home, /tmp tmpfs
#          SSHD_FIXTURE_HIDE="/usr/bin/python3.11 ..."  bind /dev/null over these files, so
#                                         the host has no such program
# stop:  kills the sshd PID recorded in DIR/sshd.pid AND every descendant of it
#        (per-connection sshd children and the commands they run, e.g. dask
#        workers) by PID: SIGTERM, wait up to 5 s, then SIGKILL. Idempotent.
# Needs: openssh-server (apt-get install -y --no-install-recommends openssh-server),
#        root (for /run/sshd and for logging in as root). ADDR must be loopback
#        (127.x.y.z) or an address inside a netns you created.
set -euo pipefail

die() { echo "sshd_fixture: $*" >&2; exit 1; }
SSHD=/usr/sbin/sshd   # absolute path is mandatory: "sshd re-exec requires execution with an absolute path"

# alive = exists and not a zombie (PID 1 in some sandboxes reaps orphans lazily)
alive() { local st; st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 1; [[ -n $st && ${st%% *} != Z ]]; }

# all descendants of a PID (children first walk, via /proc; no pgrep by name)
descendants() {
  local p=$1 c
  for c in $(ps -o pid= --ppid "$p" 2>/dev/null); do
    echo "$c"; descendants "$c"
  done
}

start() {
  local dir=$1 addr=$2 port=$3 pub=$4 ns=${5:-}
  [[ -x $SSHD ]] || die "$SSHD missing: apt-get install -y --no-install-recommends openssh-server"
  [[ -r $pub ]] || die "public key file '$pub' not readable"
  # 0755 + 0644: sshd reads authorized_keys AS THE TARGET USER; with 0700/0600 root-owned
  # a non-root login fails: "Could not open user 'x' authorized keys ...: Permission denied"
  mkdir -p "$dir"; chmod 755 "$dir"; dir=$(cd "$dir" && pwd)
  [[ -e $dir/sshd.pid ]] && alive "$(cat "$dir/sshd.pid")" && die "already running in $dir (pid $(cat "$dir/sshd.pid"))"
  rm -f "$dir/sshd.pid"
  # privilege-separation dir is compiled in; without it: "Missing privilege separation directory: /run/sshd"
  install -d -m 0755 /run/sshd
  # non-root logins need every parent of DIR traversable (mktemp -d and pytest's
  # /tmp/pytest-of-root are 0700): root logins are unaffected
  local up=$dir
  while [[ $up != / ]]; do up=$(dirname "$up")
    [[ $(( 0$(stat -c %a "$up") & 01 )) -eq 1 ]] || { echo "sshd_fixture: note: $up is not o+x; only root can log in" >&2; break; }
  done
  [[ -e $dir/ssh_host_ed25519_key ]] || ssh-keygen -q -t ed25519 -N '' -C "fixture-host" -f "$dir/ssh_host_ed25519_key"
  install -m 644 "$pub" "$dir/authorized_keys"
  local pwauth=no; [[ -n ${SSHD_FIXTURE_PASSWORD:-} ]] && pwauth=yes
  local listen=$addr; [[ $addr == *:* ]] && listen="[$addr]"   # IPv6 literal
  cat > "$dir/sshd_config" <<EOF
ListenAddress $listen:$port
HostKey $dir/ssh_host_ed25519_key
PidFile $dir/sshd.pid
AuthorizedKeysFile $dir/authorized_keys
# /tmp is world-writable: with StrictModes yes sshd says "bad ownership or modes for directory /tmp"
StrictModes no
PubkeyAuthentication yes
PasswordAuthentication $pwauth
KbdInteractiveAuthentication no
UsePAM no
PermitRootLogin prohibit-password
Subsystem sftp internal-sftp
MaxSessions 64
MaxStartups 64:30:128
ClientAliveInterval 5
ClientAliveCountMax 3
PrintMotd no
PrintLastLog no
LogLevel VERBOSE
EOF
  # client-side convenience config (plain ssh/scp/sftp): ssh -F DIR/ssh_config fixture
  cat > "$dir/ssh_config" <<EOF
Host fixture
  HostName $addr
  Port $port
  User root
  StrictHostKeyChecking no
  UserKnownHostsFile /dev/null
  LogLevel ERROR
  BatchMode yes
EOF
  "$SSHD" -t -f "$dir/sshd_config" || die "config test failed ($dir/sshd_config)"
  local pid pre=() run=("$SSHD" -D -e -f "$dir/sshd_config")
  # `ip netns exec` and `unshare` (without --fork) exec the command, so $! is sshd itself
  [[ -n $ns ]] && pre=(ip netns exec "$ns")
  if [[ -n ${SSHD_FIXTURE_ISOLATE:-} ]]; then   # own mount namespace: a host with nothing of ours
    local hold=/run/sshd-fixture-hold.$$ top
    top=/$(pwd -P | cut -d/ -f2)   # the folder holding the checkout, unless it is a system one
    case $top in /|/usr|/etc|/bin|/sbin|/lib|/lib64|/var|/run|/proc|/sys|/dev|/boot|/srv|/mnt|/media) top= ;; esac
    mkdir -p "$hold"
    local size=${SSHD_FIXTURE_TMPFS_SIZE:+,size=$SSHD_FIXTURE_TMPFS_SIZE}
    run=(unshare --mount --propagation private sh -c '
      set -e; dir=$1; hold=$2; top=$3; size=$4; users=$5; hide=$6; shift 6
      mount --bind "$dir" "$hold"
      for m in /root /home /tmp /opt /var/tmp $top; do [ -d "$m" ] && mount -t tmpfs -o "mode=0755$size" tmpfs "$m"; done
      chmod 1777 /tmp /var/tmp; chmod 700 /root
      mkdir -p "$dir" && mount --bind "$hold" "$dir" && umount "$hold"
      for u in $users; do install -d -m 0755 -o "$u" -g "$(id -gn "$u")" "/home/$u"; done
      for f in $hide; do [ -e "$f" ] && mount --bind /dev/null "$f"; done
      exec "$@"' sh "$dir" "$hold" "$top" "$size" "${SSHD_FIXTURE_USERS:-}" "${SSHD_FIXTURE_HIDE:-}" "${run[@]}")
  fi
  if [[ -n ${SSHD_FIXTURE_HOSTNAME:-} ]]; then   # own UTS namespace: `hostname` differs per fake host
    run=(unshare --uts sh -c 'hostname "$0" && exec "$@"' "$SSHD_FIXTURE_HOSTNAME" "${run[@]}")
  fi
  "${pre[@]}" "${run[@]}" </dev/null >"$dir/sshd.log" 2>&1 &
  pid=$!
  # sshd writes PidFile only after its listen sockets are bound -> readiness signal
  for _ in $(seq 1 100); do
    [[ -s $dir/sshd.pid ]] && break
    alive "$pid" || { cat "$dir/sshd.log" >&2; die "sshd exited early"; }
    sleep 0.05
  done
  [[ -s $dir/sshd.pid ]] || { kill "$pid" 2>/dev/null || true; die "sshd not ready after 5 s"; }
  [[ $(cat "$dir/sshd.pid") == "$pid" ]] || die "pidfile $(cat "$dir/sshd.pid") != \$! $pid"
  [[ -n ${SSHD_FIXTURE_ISOLATE:-} ]] && { rmdir "/run/sshd-fixture-hold.$$" 2>/dev/null || true; }
  echo "$pid"
}

stop() {
  local dir=$1 pid tree p
  [[ -s $dir/sshd.pid ]] || { echo "sshd_fixture: no pidfile in $dir (not running)" >&2; return 0; }
  pid=$(cat "$dir/sshd.pid")
  # guard against PID reuse: the process must be our sshd (its cmdline names our config)
  if ! { tr '\0' ' ' < "/proc/$pid/cmdline"; } 2>/dev/null | grep -qF -- "$dir/sshd_config"; then
    echo "sshd_fixture: pid $pid is not our sshd any more; removing stale pidfile" >&2
    rm -f "$dir/sshd.pid"; return 0
  fi
  # collect the whole tree BEFORE killing: once the master dies its children are
  # re-parented to PID 1 and can no longer be found from it. Killing only the
  # master leaves established sessions (and dask workers) running.
  tree="$pid $(descendants "$pid" | tr '\n' ' ')"
  kill -TERM $tree 2>/dev/null || true
  for _ in $(seq 1 50); do
    local left=""
    for p in $tree; do alive "$p" && left="$left $p"; done
    [[ -z $left ]] && break
    sleep 0.1
  done
  for p in $tree; do alive "$p" && { echo "sshd_fixture: SIGKILL $p" >&2; kill -KILL "$p" 2>/dev/null || true; }; done
  # reap if it is our own child (same shell); harmless otherwise
  wait "$pid" 2>/dev/null || true
  rm -f "$dir/sshd.pid"
  echo "stopped: $tree" >&2
}

case ${1:-} in
  start) [[ $# -ge 5 ]] || die "usage: $0 start DIR ADDR PORT PUBKEY_FILE [NETNS]"; start "$2" "$3" "$4" "$5" "${6:-}" ;;
  stop)  [[ $# -ge 2 ]] || die "usage: $0 stop DIR"; stop "$2" ;;
  *) echo "usage: $0 start DIR ADDR PORT PUBKEY_FILE [NETNS] | stop DIR" >&2; exit 2 ;;
esac
