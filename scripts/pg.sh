#!/usr/bin/env bash
# scripts/pg.sh: start, stop or restart a throwaway PostgreSQL cluster made by
# scripts/lib/common.sh (zsz_pg_init). Used by the API tests (ZSZ_TEST_PG_SCRIPT)
# to take the database away from a running server and bring it back.
#
#   scripts/pg.sh start|stop|restart|status DIR
#
# DIR is the cluster directory (absolute, e.g. the value of ZSZ_TEST_PG_DIR).
# start and restart wait until the cluster accepts connections; stop waits
# until it is down. status exits 0 when the cluster runs, 3 when it does not.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

usage() {
    echo "usage: $0 start|stop|restart|status DIR" >&2
    exit 2
}

(($# == 2)) || usage
cmd="$1"
case "$cmd" in start | stop | restart | status) ;; *) usage ;; esac
dir="$2"
[[ "$dir" = /* ]] || dir="$PWD/$dir"
[[ -f "$dir/data/PG_VERSION" ]] || zsz_die "no cluster in $dir"

case "$cmd" in
    start) zsz_pg_start "$dir" ;;
    stop) zsz_pg_stop "$dir" ;;
    restart) zsz_pg_restart "$dir" ;;
    status)
        if zsz_pg_running "$dir"; then
            echo running
        else
            echo stopped
            exit 3
        fi
        ;;
esac
