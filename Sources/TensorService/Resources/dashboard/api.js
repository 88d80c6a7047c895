// The dashboard's only way to the server: the public API, with the user's bearer token.
// Event streams are read with fetch (EventSource cannot send an Authorization header) and
// resume after the last event id when a connection drops; every stream belongs to the page's
// AbortController, so leaving or closing the page releases it.
"use strict";

const Api = (() => {
  const tokenKey = "tensord-token";
  const controller = new AbortController();
  window.addEventListener("pagehide", () => controller.abort());

  // A token may arrive once in the fragment (#token=…); it is kept, and removed from the URL.
  const fragment = new URLSearchParams(location.hash.slice(1));
  if (fragment.has("token")) {
    localStorage.setItem(tokenKey, fragment.get("token"));
    history.replaceState(null, "", location.pathname + location.search);
  }

  function headers(extra) {
    const h = Object.assign({}, extra);
    const token = localStorage.getItem(tokenKey);
    if (token) h["Authorization"] = "Bearer " + token;
    return h;
  }

  function askForToken() {
    const form = document.getElementById("token-form");
    form.hidden = false;
    form.onsubmit = (e) => {
      e.preventDefault();
      localStorage.setItem(tokenKey, document.getElementById("token-input").value);
      location.reload();
    };
  }

  class ApiError extends Error {
    constructor(status, problem) {
      super(problem && problem.detail ? problem.detail : "HTTP " + status);
      this.status = status;
      this.problem = problem;
    }
  }

  async function request(method, path, body) {
    const init = { method, headers: headers(body ? { "Content-Type": "application/json" } : {}), signal: controller.signal };
    if (body) init.body = JSON.stringify(body);
    const res = await fetch(path, init);
    if (res.status === 401) askForToken();
    if (res.status === 204) return null;
    const text = await res.text();
    const json = text ? JSON.parse(text) : null;
    if (!res.ok) throw new ApiError(res.status, json);
    return json;
  }

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  /// Follows a job's events from the start, calling onEvent(kind, data) for each; resolves
  /// after the `end` event (or when the page goes away). Reconnects with backoff.
  async function events(jobId, onEvent) {
    let lastId = 0;
    for (let attempt = 0; !controller.signal.aborted; attempt++) {
      try {
        const res = await fetch(`/v1/jobs/${encodeURIComponent(jobId)}/events`,
          { headers: headers({ "Last-Event-ID": String(lastId) }), signal: controller.signal });
        if (res.status === 401) { askForToken(); return; }
        if (res.status === 404) return;
        if (!res.ok) throw new ApiError(res.status, null);
        const reader = res.body.getReader();
        const decoder = new TextDecoder();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true });
          let cut;
          while ((cut = buffer.indexOf("\n\n")) >= 0) {
            const block = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            let id = null, kind = "message", data = "";
            for (const line of block.split("\n")) {
              if (line.startsWith("id: ")) id = Number(line.slice(4));
              else if (line.startsWith("event: ")) kind = line.slice(7);
              else if (line.startsWith("data: ")) data += line.slice(6);
            }
            if (id === null) continue; // a heartbeat comment
            lastId = id;
            attempt = 0;
            onEvent(kind, JSON.parse(data));
            if (kind === "end") return;
          }
        }
      } catch (e) {
        if (controller.signal.aborted) return;
      }
      await sleep(Math.min(10000, 250 * 2 ** attempt));
    }
  }

  /// A metric value of the API: a number, or "NaN"/"Infinity"/"-Infinity".
  function number(v) {
    if (typeof v === "number") return v;
    if (v === "Infinity") return Infinity;
    if (v === "-Infinity") return -Infinity;
    return NaN;
  }

  return {
    get: (path) => request("GET", path),
    post: (path, body) => request("POST", path, body),
    del: (path) => request("DELETE", path),
    events, number, sleep, ApiError,
    signal: controller.signal,
  };
})();
