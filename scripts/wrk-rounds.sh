# Rounds of bounded wrk runs on 127.0.0.1 and their summary, shared by scripts/bench-http.sh and
# scripts/bench-api.sh (sourced, not run). The machine is shared: runs alternate their order
# round by round, and the summary takes medians and per-round ratios, which outside load moves
# less than single figures.

# wait_for_port PORT: returns once something accepts on 127.0.0.1:PORT (exits after 10 s).
wait_for_port() {
    for _ in $(seq 1 100); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    echo "server on port $1 did not start" >&2; exit 1
}

# wrk_figures FILE: "req/s p50 p99" from the output of `wrk --latency`; its errors go to stderr.
wrk_figures() {
    grep -E "Socket errors|Non-2xx" "$1" | sed "s|^|$1: |" >&2 || true
    echo "$(awk '/^Requests\/sec/ {print $2}' "$1") $(awk '$1 == "50%" {print $2}' "$1") $(awk '$1 == "99%" {print $2}' "$1")"
}

# rounds N FORMAT RUN NAME…: N rounds of `RUN NAME` (which prints the figures "req/s p50 p99 …")
# for every NAME, in reverse order every other round so that a change of load during a round
# does not always favour the same run. Prints each row as printf FORMAT of "round name figures…"
# and keeps it in ROWS.
ROWS=()
rounds() {
    local n=$1 format=$2 run=$3; shift 3
    local names=("$@") order round name figures
    for round in $(seq 1 "$n"); do
        if [ $((round % 2)) = 1 ]; then order=("${names[@]}"); else order=($(printf '%s\n' "${names[@]}" | tac)); fi
        for name in "${order[@]}"; do
            figures=$("$run" "$name")
            # shellcheck disable=SC2086 # the figures are words
            printf "$format" "$round" "$name" $figures
            ROWS+=("$round $name $figures")
        done
    done
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# wrk prints latencies as 812.00us / 1.02ms / 1.50s; compare them in microseconds.
to_us() { awk '{ v = $1 + 0; if ($1 ~ /ms$/) v *= 1000; else if ($1 ~ /[0-9]s$/) v *= 1000000; print v }'; }

# medians NAME: NAME's median req/s, p50 and p99 (in microseconds) over the rounds.
medians() {
    local rows
    rows=$(printf '%s\n' "${ROWS[@]}" | awk -v s="$1" '$2 == s')
    echo "$(awk '{print $3}' <<<"$rows" | median) $(awk '{print $4}' <<<"$rows" | to_us | median) $(awk '{print $5}' <<<"$rows" | to_us | median)"
}

# ratios ONE OTHER: ONE's req/s over OTHER's in each round, one a line, ascending.
ratios() {
    printf '%s\n' "${ROWS[@]}" | awk -v a="$1" -v b="$2" '{ r[$1, $2] = $3 } END { for (k in r) { split(k, p, SUBSEP); if (p[2] == a) print r[p[1], a] / r[p[1], b] } }' | sort -g
}
