#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, from Debian's packages (slurm-wlm 22.05, slurmdbd,
# munge, mariadb-server), for `loom run --executor slurm` and its tests.
#
#   slurm/cluster.sh up     starts munged, MariaDB, slurmdbd (accounting, so `sacct` answers),
#                           slurmctld and slurmd on localhost, and waits until the node is idle
#   slurm/cluster.sh down   stops them again
#   slurm/cluster.sh status says whether the cluster answers
#
# The node is this host under its short name, at 127.0.0.1 (so that name need not resolve).
# It runs the daemons directly, without systemd (a container has none), as root (SlurmUser=root),
# with process tracking by /proc (proctrack/linuxproc, task/none) so it needs no cgroup set-up.
# The configuration goes to /etc/slurm (where sbatch, squeue and sacct look for it), state and
# logs to /var/lib/loom-slurm and /var/log/loom-slurm. Safe to run again: `up` on a running
# cluster only checks it.
set -euo pipefail

STATE=/var/lib/loom-slurm
LOGS=/var/log/loom-slurm
RUN=/run/loom-slurm
NODE=$(hostname -s)
DB_PASSWORD=loom-slurm-accounting

log() { echo "slurm: $*"; }
die() { echo "slurm: $*" >&2; exit 1; }

need_root() { [ "$(id -u)" -eq 0 ] || die "run it as root (it starts system daemons and writes /etc/slurm)"; }

answers() { timeout 5 sinfo -h -o '%T' 2>/dev/null | grep -qE 'idle|mixed|alloc'; }

# Waits up to $2 seconds for command $1 to succeed.
wait_for() {
  local what=$1 seconds=$2
  for _ in $(seq $((seconds * 4))); do
    if eval "$what" >/dev/null 2>&1; then return 0; fi
    sleep 0.25
  done
  return 1
}

write_config() {
  local cpus memory
  cpus=$(nproc)
  memory=$(slurmd -C | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p')
  mkdir -p /etc/slurm "$STATE/ctld" "$STATE/d" "$LOGS" "$RUN"
  cat > /etc/slurm/slurm.conf <<CONF
# Written by loom's slurm/cluster.sh: a one-node cluster on $NODE.
ClusterName=loom
SlurmctldHost=$NODE(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/d
SlurmctldPidFile=$RUN/slurmctld.pid
SlurmdPidFile=$RUN/slurmd.pid
SlurmctldLogFile=$LOGS/slurmctld.log
SlurmdLogFile=$LOGS/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/linux
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
KillWait=5
MinJobAge=60
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
  cat > /etc/slurm/slurmdbd.conf <<CONF
# Written by loom's slurm/cluster.sh.
AuthType=auth/munge
DbdHost=localhost
SlurmUser=root
StorageType=accounting_storage/mysql
StorageHost=localhost
StorageUser=slurm
StoragePass=$DB_PASSWORD
StorageLoc=slurm_acct_db
LogFile=$LOGS/slurmdbd.log
PidFile=$RUN/slurmdbd.pid
CONF
  chmod 600 /etc/slurm/slurmdbd.conf
}

start_munge() {
  if pgrep -x munged >/dev/null; then return; fi
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown munge:munge /run/munge /var/log/munge /var/lib/munge
  [ -s /etc/munge/munge.key ] || { runuser -u munge -- mungekey --create 2>/dev/null || /usr/sbin/create-munge-key -f; }
  runuser -u munge -- /usr/sbin/munged
  wait_for "munge -n | unmunge" 10 || die "munged does not answer (see /var/log/munge/munged.log)"
}

start_mariadb() {
  if ! mysqladmin ping >/dev/null 2>&1; then
    mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld
    [ -d /var/lib/mysql/mysql ] || mariadb-install-db --user=mysql --datadir=/var/lib/mysql >/dev/null
    (setsid mariadbd --user=mysql --datadir=/var/lib/mysql --pid-file=/run/mysqld/mysqld.pid \
       --socket=/run/mysqld/mysqld.sock --skip-networking=0 --bind-address=127.0.0.1 \
       > "$LOGS/mariadb.log" 2>&1 &)
    wait_for "mysqladmin ping" 30 || die "MariaDB does not start (see $LOGS/mariadb.log)"
  fi
  mysql -e "CREATE USER IF NOT EXISTS 'slurm'@'localhost' IDENTIFIED BY '$DB_PASSWORD';
            GRANT ALL ON slurm_acct_db.* TO 'slurm'@'localhost'; FLUSH PRIVILEGES;"
}

up() {
  need_root
  command -v slurmctld >/dev/null || die "slurm-wlm is not installed: run ./setup.sh --slurm --no-build"
  if answers; then log "the cluster is already up ($(sinfo -h -o '%N %c CPUs %T'))"; return; fi
  mkdir -p "$LOGS"
  write_config
  start_munge
  start_mariadb
  if ! pgrep -x slurmdbd >/dev/null; then slurmdbd; fi
  wait_for "sacctmgr -n list cluster" 30 || die "slurmdbd does not answer (see $LOGS/slurmdbd.log)"
  sacctmgr -i -Q add cluster loom >/dev/null 2>&1 || true
  if ! pgrep -x slurmctld >/dev/null; then slurmctld; fi
  wait_for "scontrol ping | grep -q UP" 30 || die "slurmctld does not answer (see $LOGS/slurmctld.log)"
  if ! pgrep -x slurmd >/dev/null; then slurmd; fi
  wait_for answers 30 || die "the node $NODE does not become idle (see $LOGS/slurmd.log; sinfo -R)"
  scontrol update nodename="$NODE" state=resume >/dev/null 2>&1 || true
  log "up: $(sinfo -h -o 'partition %P, node %N, %c CPUs, %T'); accounting: $(sacctmgr -n -P list cluster format=cluster | head -1)"
}

# Stops the daemon whose process id is in file $2 and waits until it has exited.
stop_pidfile() {
  local name=$1 file=$2 pid
  [ -s "$file" ] || return 0
  pid=$(cat "$file")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    wait_for "! kill -0 $pid" 30 || log "$name (process $pid) did not stop in 30 s"
  fi
  rm -f "$file"
}

down() {
  need_root
  stop_pidfile slurmd "$RUN/slurmd.pid"
  stop_pidfile slurmctld "$RUN/slurmctld.pid"
  stop_pidfile slurmdbd "$RUN/slurmdbd.pid"
  stop_pidfile MariaDB /run/mysqld/mysqld.pid
  stop_pidfile munged /run/munge/munged.pid
  log "down"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) if answers; then sinfo; else log "no cluster answers"; exit 1; fi ;;
  *) die "usage: slurm/cluster.sh up|down|status" ;;
esac
