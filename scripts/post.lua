-- wrk script: a small JSON POST to $WRK_PATH, /echo by default (used by scripts/bench-http.sh).
wrk.method = "POST"
wrk.path = os.getenv("WRK_PATH") or "/echo"
wrk.body = '{"name":"tensord","shape":[2,3],"data":[1,2,3,4,5,6]}'
wrk.headers["Content-Type"] = "application/json"
