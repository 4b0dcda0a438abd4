#!/usr/bin/env bash
# Sluice, nginx with nchan, and Pushpin, side by side on loopback: the same `sluice bench` scenarios
# (idle memory per stream, then fan-out at a ladder of publish rates) against each server in one run,
# one server at a time so none competes with another for the two cores. Prints a table with ratios and
# writes every JSON report and one latency chart per rate to $OUT.
#
#   bench/peers.sh                                   # 10,000 streams, rates 5 and 20 messages/s
#   CONNECTIONS=2000 RATES="10" DURATION=5 bench/peers.sh
#
# Installs nginx, its nchan module and Pushpin from Debian's packages if they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."

CONNECTIONS=${CONNECTIONS:-10000}
IDLE_CONNECTIONS=${IDLE_CONNECTIONS:-$CONNECTIONS}
RATES=${RATES:-"5 20"}
DURATION=${DURATION:-10}
SERVERS=${SERVERS:-"sluice nchan pushpin"}
OUT=${OUT:-bench/results/peers-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

if ! command -v pushpin >/dev/null || [ ! -e /usr/lib/nginx/modules/ngx_nchan_module.so ]; then
    echo "installing nginx, nchan and pushpin…" >&2
    SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nginx libnginx-mod-nchan pushpin >/dev/null
fi
swift build -c release --product sluice >&2
SLUICE="$(swift build -c release --show-bin-path)/sluice"

ulimit -n "$(ulimit -Hn)"
DIR=$(mktemp -d /tmp/sluice-peers.XXXXXX)
mkdir -p "$DIR/tmp" "$DIR/pushpin-run" "$DIR/pushpin-log"
STARTED=()
stop_all() {
    for pid in "${STARTED[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${STARTED[@]}"; do wait "$pid" 2>/dev/null || true; done
    STARTED=()
}
trap 'stop_all; rm -rf "$DIR"' EXIT

SLUICE_PORT=9180 SLUICE_STREAM_PORT=9181 NCHAN_PORT=9280 PUSHPIN_PORT=9380 ORIGIN_PORT=9381 PUBLISH_PORT=9382

render() {  # template → file, filling in the ports and the work folder
    sed -e "s|@DIR@|$DIR|g" -e "s|@PORT@|$2|g" -e "s|@PUBLISH_PORT@|$PUBLISH_PORT|g" \
        -e "s|@PUSH_PORT@|9383|g" -e "s|@PUSH_SUB_PORT@|9384|g" -e "s|@COMMAND_PORT@|9385|g" "bench/peers/$1" > "$DIR/$3"
}

wait_for() {  # URL: until it answers at all, 30 s at most
    for _ in $(seq 300); do
        curl -s -o /dev/null --max-time 1 "$1" && return 0
        sleep 0.1
    done
    echo "$1 did not answer" >&2
    return 1
}

tree() {  # a process and all its descendants
    local pids=("$1")
    for child in $(pgrep -P "$1" || true); do pids+=($(tree "$child")); done
    echo "${pids[@]}"
}

start() {  # server → sets TARGET (bench options) and PIDS (the server's processes)
    case $1 in
    sluice)
        "$SLUICE" serve --store "sqlite:$DIR/sluice.db" --port $SLUICE_PORT --stream-port $SLUICE_STREAM_PORT \
            --admin-token bench-admin --log-level warning >"$DIR/sluice.log" 2>&1 &
        STARTED+=($!)
        wait_for "http://127.0.0.1:$SLUICE_PORT/healthz"
        PIDS=$(tree "${STARTED[-1]}")
        TARGET=(--url "http://127.0.0.1:$SLUICE_PORT" --stream-url "http://127.0.0.1:$SLUICE_STREAM_PORT" --admin-token bench-admin --label sluice)
        ;;
    nchan)
        render nchan.conf $NCHAN_PORT nchan.conf
        nginx -c "$DIR/nchan.conf" -p "$DIR" &
        STARTED+=($!)
        wait_for "http://127.0.0.1:$NCHAN_PORT/pub"
        PIDS=$(tree "${STARTED[-1]}")
        TARGET=(--subscribe-url "http://127.0.0.1:$NCHAN_PORT/sub" --publish-url "http://127.0.0.1:$NCHAN_PORT/pub" --label nchan)
        ;;
    pushpin)
        render pushpin-origin.conf $ORIGIN_PORT origin.conf
        nginx -c "$DIR/origin.conf" -p "$DIR" &
        STARTED+=($!)
        render zurl.conf 0 zurl.conf
        zurl --config="$DIR/zurl.conf" >"$DIR/zurl.log" 2>&1 &
        STARTED+=($!)
        local zurl=$!
        echo "* 127.0.0.1:$ORIGIN_PORT" > "$DIR/pushpin-routes"
        render pushpin.conf $PUSHPIN_PORT pushpin.conf
        pushpin --config "$DIR/pushpin.conf" >"$DIR/pushpin.log" 2>&1 &
        STARTED+=($!)
        wait_for "http://127.0.0.1:$ORIGIN_PORT/"
        wait_for "http://127.0.0.1:$PUBLISH_PORT/"
        # Pushpin's processes and zurl, its client to the origin; not the origin, which stands for the app.
        PIDS="$(tree "${STARTED[-1]}") $zurl"
        TARGET=(--subscribe-url "http://127.0.0.1:$PUSHPIN_PORT/stream" --publish-url "http://127.0.0.1:$PUBLISH_PORT/publish/"
            --content-type application/json --label pushpin
            --publish-body '{"items":[{"channel":"bench","formats":{"http-stream":{"content":"data: {{marker}}\n\n"}}}]}')
        ;;
    esac
    PID_OPTIONS=()
    for pid in $PIDS; do PID_OPTIONS+=(--server-pid "$pid"); done
}

for server in $SERVERS; do
    echo "== $server" >&2
    start "$server"
    "$SLUICE" bench idle "${TARGET[@]}" "${PID_OPTIONS[@]}" --connections "$IDLE_CONNECTIONS" --json >"$OUT/$server-idle.json"
    for rate in $RATES; do
        "$SLUICE" bench fanout "${TARGET[@]}" "${PID_OPTIONS[@]}" --connections "$CONNECTIONS" --rate "$rate" \
            --duration "$DURATION" --json >"$OUT/$server-fanout-$rate.json"
    done
    stop_all
done

for rate in $RATES; do
    reports=()
    for server in $SERVERS; do reports+=("$OUT/$server-fanout-$rate.json"); done
    "$SLUICE" bench plot "${reports[@]}" --output "$OUT/fanout-$rate.svg" \
        --title "fanout: $CONNECTIONS streams, $rate msg/s ($((CONNECTIONS * rate)) deliveries/s due)" >/dev/null
done
python3 bench/peers_table.py "$OUT" $SERVERS | tee "$OUT/peers.md"
echo "reports and charts: $OUT" >&2
