// The dashboard's pages: the jobs and sweeps list (/), a job (/ui/jobs/{id}), a sweep
// (/ui/sweeps/{id}) and a comparison of jobs (/ui/compare?jobs=a,b,c). Every page is the
// same document; this script reads the URL and builds the page from API responses.
"use strict";

const Pages = (() => {
  const main = () => document.getElementById("main");
  const terminal = new Set(["succeeded", "failed", "cancelled"]);
  /// Event streams open at once: a browser allows six HTTP/1.1 connections per server, and
  /// the page still needs some for its other requests.
  const maxStreams = 4;

  /// `h("a", {href}, "text", child…)`: elements with text always as text, never as HTML.
  function h(tag, props, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (k === "dataset") Object.assign(e.dataset, v);
      else if (k.startsWith("on")) e[k] = v;
      else if (v !== undefined && v !== null) e.setAttribute(k, v);
    }
    for (const c of children.flat()) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
    return e;
  }

  function fmt(v) {
    v = Api.number(v);
    if (v === null || Number.isNaN(v)) return "—";
    if (!Number.isFinite(v)) return v > 0 ? "∞" : "−∞";
    const a = Math.abs(v);
    return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(3) : String(Number(v.toPrecision(4)));
  }
  const eta = (s) => (s === null || s === undefined ? "" : s < 90 ? `${Math.round(s)} s` : `${Math.round(s / 60)} min`);
  const bar = (percent) => h("span", { class: "bar", title: `${percent}%` }, h("span", { style: `width: ${Math.min(100, percent)}%` }));
  const statusCell = (s) => h("span", { class: `status-${s}` }, s);

  function showError(e) {
    document.getElementById("status-line").textContent = e instanceof Api.ApiError ? `${e.status}: ${e.message}` : String(e);
  }

  /// A grid value as text: `0.01`, `adam`, or an object's members (`type=adam lr=0.05`).
  function valueLabel(v) {
    if (typeof v === "number") return fmt(v);
    if (v && typeof v === "object" && !Array.isArray(v)) return Object.entries(v).map(([k, x]) => `${k}=${valueLabel(x)}`).join(" ");
    return typeof v === "string" ? v : JSON.stringify(v);
  }

  /// The label of a job's grid values, by the last part of each path (`lr=0.01`).
  function gridLabel(grid) {
    const entries = Object.entries(grid || {});
    if (entries.length === 1 && entries[0][1] && typeof entries[0][1] === "object") return valueLabel(entries[0][1]);
    return entries.map(([k, v]) => `${k.split(".").pop()}=${valueLabel(v)}`).join(", ");
  }

  /// The trajectory keys of an objective with exactly two parameter elements, from its spec
  /// (`p[0]`, `p[1]`, or two scalar names); null otherwise.
  function trajectoryKeys(spec) {
    const params = spec && spec.objective && spec.objective.params;
    if (!params) return null;
    const keys = [];
    for (const [name, t] of Object.entries(params)) {
      if (!t || t.ref) return null;
      const count = t.shape ? t.shape.reduce((a, b) => a * b, 1) : [t.data].flat(Infinity).length;
      const scalar = Array.isArray(t.shape) && t.shape.length === 0;
      for (let i = 0; i < count; i++) keys.push(scalar ? name : `${name}[${i}]`);
    }
    return keys.length === 2 ? keys : null;
  }

  /// Feeds jobs' metric points to `onPoint(job, point)`: a finished job from its stored
  /// history, a live one from its event stream (at most `maxStreams` at once; the others
  /// wait their turn). `onEnd(job)` follows each job's last point.
  function feed(jobs, onPoint, onEnd, onEvent) {
    const waiting = [];
    let open = 0;
    const next = () => {
      while (open < maxStreams && waiting.length) {
        const job = waiting.shift();
        open++;
        Api.events(job.id, (kind, data) => {
          if (kind === "metric") onPoint(job, data);
          if (onEvent) onEvent(job, kind, data);
        }).then(() => { open--; onEnd(job); next(); });
      }
    };
    for (const job of jobs) {
      if (terminal.has(job.status)) {
        Api.get(`/v1/jobs/${encodeURIComponent(job.id)}/metrics`)
          .then((r) => { for (const p of r.metrics) onPoint(job, p); onEnd(job); })
          .catch(showError);
      } else {
        waiting.push(job);
      }
    }
    next();
  }

  /// Collects a run's trajectory points (both coordinates of a step) for a path chart.
  function pathCollector(chart, keys) {
    const partial = new Map();
    return (job, p) => {
      const i = keys.indexOf(p.key);
      if (i < 0) return;
      const key = `${job.id}:${p.step}`;
      const xy = partial.get(key) || [null, null];
      xy[i] = Api.number(p.value);
      if (xy[0] !== null && xy[1] !== null) { partial.delete(key); chart.add(job.id, xy[0], xy[1]); } else partial.set(key, xy);
    };
  }

  /// Fetches the loss surface around the paths drawn so far (one request, bounded size).
  async function loadSurface(chart, jobId) {
    const b = chart.bounds();
    if (!b) return;
    const q = `x=${b.x[0]},${b.x[1]}&y=${b.y[0]},${b.y[1]}&n=61`;
    try { chart.setSurface(await Api.get(`/v1/jobs/${encodeURIComponent(jobId)}/surface?${q}`)); } catch (e) { showError(e); }
  }

  // MARK: list

  async function listPage() {
    const sweepsBody = h("tbody"), jobsBody = h("tbody");
    const compare = h("a", { href: "#" }, "Compare selected");
    const selected = new Set();
    compare.onclick = (e) => { e.preventDefault(); if (selected.size) location.href = `/ui/compare?jobs=${[...selected].join(",")}`; };
    main().append(
      h("h1", {}, "Jobs and sweeps"),
      h("div", { class: "panel" }, h("h2", {}, "Sweeps"),
        h("table", {}, h("thead", {}, h("tr", {}, ["sweep", "status", "progress", "jobs", "best", ""].map((t) => h("th", {}, t)))), sweepsBody)),
      h("div", { class: "panel" }, h("h2", {}, "Jobs ", compare),
        h("table", {}, h("thead", {}, h("tr", {}, ["", "job", "status", "progress", "ETA", "loss", "sweep", ""].map((t) => h("th", {}, t)))), jobsBody)));
    const cancel = (path) => h("button", { onclick: () => Api.post(path).then(refresh).catch(showError) }, "cancel");
    async function refresh() {
      const [sweeps, jobs] = await Promise.all([Api.get("/v1/sweeps?page_size=20"), Api.get("/v1/jobs?page_size=50")]);
      sweepsBody.replaceChildren(...sweeps.items.map((s) => h("tr", {},
        h("td", {}, h("a", { href: `/ui/sweeps/${s.id}` }, s.name || s.id)), h("td", {}, statusCell(s.status)),
        h("td", {}, bar(s.progress.percent), ` ${s.progress.percent}%`), h("td", {}, s.progress.jobs),
        h("td", {}, s.best ? `${fmt(s.best.value)} (${gridLabel(s.best.grid)})` : ""),
        h("td", {}, terminal.has(s.status) ? "" : cancel(`/v1/sweeps/${s.id}/cancel`)))));
      jobsBody.replaceChildren(...jobs.items.map((j) => h("tr", {},
        h("td", {}, h("input", { type: "checkbox", ...(selected.has(j.id) ? { checked: "" } : {}),
          onchange: (e) => (e.target.checked ? selected.add(j.id) : selected.delete(j.id)) })),
        h("td", {}, h("a", { href: `/ui/jobs/${j.id}` }, j.name || j.id), j.grid ? h("span", { class: "muted" }, ` ${gridLabel(j.grid)}`) : null),
        h("td", {}, statusCell(j.status)), h("td", {}, bar(j.progress.percent), ` ${j.progress.percent}%`),
        h("td", {}, eta(j.progress.eta_seconds)), h("td", {}, fmt(j.latest_metrics.loss)),
        h("td", {}, j.sweep_id ? h("a", { href: `/ui/sweeps/${j.sweep_id}` }, j.sweep_id) : ""),
        h("td", {}, terminal.has(j.status) ? "" : cancel(`/v1/jobs/${j.id}/cancel`)))));
    }
    // The list has no event stream of its own: it asks again every two seconds while visible.
    for (;;) {
      if (!document.hidden) await refresh().catch(showError);
      await Api.sleep(2000);
    }
  }

  // MARK: job

  async function jobPage(id) {
    const job = await Api.get(`/v1/jobs/${encodeURIComponent(id)}`);
    const groups = { loss: ["loss", "val_loss"], accuracy: ["accuracy", "val_accuracy"], lr: ["lr"], grad_norm: ["grad_norm"] };
    const colors = { loss: Plots.palette[0], val_loss: Plots.palette[3], accuracy: Plots.palette[2], val_accuracy: Plots.palette[4], lr: Plots.palette[5], grad_norm: Plots.palette[6] };
    const left = h("div", {}), side = h("div", {});
    const statusBox = h("div"), checkpoints = h("ul", { class: "plain" });
    main().append(h("h1", {}, job.name || job.id, " ", h("span", { class: "muted" }, job.id)), h("div", { class: "grid2" }, left, side));
    side.append(h("div", { class: "panel" }, h("h2", {}, "Status"), statusBox),
      h("div", { class: "panel" }, h("h2", {}, "Checkpoints"), checkpoints),
      h("div", { class: "panel" }, h("h2", {}, "Spec"), h("pre", {}, JSON.stringify(job.spec, null, 2))));
    const charts = {};
    const chartFor = (group) => {
      if (charts[group]) return charts[group];
      const box = h("div", { class: group === "loss" ? "chart" : "chart small", dataset: { chart: `job-${group}` } });
      const chart = new Plots.RunChart(box, { yLabel: group });
      const panel = h("div", { class: "panel" }, h("h2", {}, group));
      if (group === "loss") panel.append(chart.controls());
      panel.append(box);
      group === "loss" ? left.prepend(panel) : left.append(panel);
      return (charts[group] = chart);
    };
    chartFor("loss");
    const keys = trajectoryKeys(job.spec);
    let paths = null;
    if (keys) {
      const box = h("div", { class: "chart square", dataset: { chart: "path" } });
      left.append(h("div", { class: "panel" }, h("h2", {}, "Optimizer path on the loss surface"), box));
      paths = new Plots.PathChart(box);
      paths.path(job.id, (job.spec.optimizer || {}).type || "path", Plots.palette[1]);
      paths.onLeave = () => loadSurface(paths, job.id);
    }
    const onPath = paths ? pathCollector(paths, keys) : null;

    async function refreshSide() {
      const [j, c] = await Promise.all([Api.get(`/v1/jobs/${encodeURIComponent(id)}`), Api.get(`/v1/jobs/${encodeURIComponent(id)}/checkpoints`)]);
      statusBox.replaceChildren(
        h("p", {}, statusCell(j.status), " ", j.status_message || ""),
        h("p", {}, bar(j.progress.percent), ` step ${j.progress.step} of ${j.progress.total_steps ?? "?"}`, j.progress.eta_seconds !== null ? ` · ETA ${eta(j.progress.eta_seconds)}` : ""),
        j.sweep_id ? h("p", {}, "sweep ", h("a", { href: `/ui/sweeps/${j.sweep_id}` }, j.sweep_id), ` (${gridLabel(j.grid)})`) : "",
        terminal.has(j.status) ? "" : h("button", { onclick: () => Api.post(`/v1/jobs/${id}/cancel`).then(refreshSide).catch(showError) }, "cancel"),
        h("ul", { class: "plain" }, j.status_transitions.map((t) => h("li", {}, h("span", { class: "muted" }, t.at.slice(11, 23)), ` ${t.status}: ${t.message}`))));
      checkpoints.replaceChildren(...c.checkpoints.map((k) => h("li", {}, `step ${k.step}${k.epoch !== null ? ` (epoch ${k.epoch})` : ""} · ${(k.bytes / 1024).toFixed(1)} KiB`)));
      document.body.dataset.jobStatus = j.status;
    }
    await refreshSide();
    let surfaceAsked = false;
    const onPoint = (j, p) => {
      if (onPath) {
        onPath(j, p);
        if (!surfaceAsked && paths.bounds()) { surfaceAsked = true; loadSurface(paths, id); }
      }
      const group = Object.keys(groups).find((g) => groups[g].includes(p.key));
      if (!group) return;
      const chart = chartFor(group);
      chart.run(p.key, p.key, colors[p.key]);
      chart.add(p.key, p.step, Api.number(p.value), Date.parse(p.timestamp));
    };
    feed([job], onPoint, () => { refreshSide().catch(showError); if (paths) loadSurface(paths, id); },
      (_, kind) => { if (kind === "status" || kind === "checkpoint") refreshSide().catch(showError); });
  }

  // MARK: sweep and compare

  /// Runs of several jobs on one loss chart (and one path chart for two-parameter
  /// objectives); `jobs` carry id, label, color and status.
  function runsView(parent, jobs, spec, onJobEnd) {
    const box = h("div", { class: "chart", dataset: { chart: "runs" } });
    const chart = new Plots.RunChart(box, { yLabel: "loss" });
    parent.append(h("div", { class: "panel" }, h("h2", {}, "Loss of every run"), chart.controls(), box));
    for (const j of jobs) chart.run(j.id, j.label, j.color);
    const keys = trajectoryKeys(spec);
    let paths = null, onPath = null, surfaceAsked = false;
    if (keys) {
      const pbox = h("div", { class: "chart square", dataset: { chart: "path" } });
      parent.append(h("div", { class: "panel" }, h("h2", {}, "Optimizer paths on the loss surface"), pbox));
      paths = new Plots.PathChart(pbox);
      for (const j of jobs) paths.path(j.id, j.label, j.color);
      paths.onLeave = () => loadSurface(paths, jobs[0].id);
      onPath = pathCollector(paths, keys);
    }
    let ended = 0;
    feed(jobs, (j, p) => {
      if (p.key === "loss") chart.add(j.id, p.step, Api.number(p.value), Date.parse(p.timestamp));
      if (onPath) {
        onPath(j, p);
        if (!surfaceAsked && paths.bounds()) { surfaceAsked = true; loadSurface(paths, jobs[0].id); }
      }
    }, (j) => {
      ended++;
      if (paths && ended === jobs.length) loadSurface(paths, jobs[0].id);
      if (onJobEnd) onJobEnd(j);
    });
  }

  /// Colours by grid value: an ordered scale for one numeric path, a palette otherwise.
  function colorJobs(sweep) {
    const axes = Object.keys(sweep.grid);
    const values = sweep.jobs.map((j) => j.grid[axes[0]]);
    if (axes.length === 1 && values.every((v) => typeof v === "number")) {
      const sorted = [...new Set(values)].sort((a, b) => a - b);
      return sweep.jobs.map((j) => Plots.ramp(sorted.length > 1 ? sorted.indexOf(j.grid[axes[0]]) / (sorted.length - 1) * 0.9 : 0));
    }
    return sweep.jobs.map((_, i) => Plots.palette[i % Plots.palette.length]);
  }

  async function sweepPage(id) {
    let sweep = await Api.get(`/v1/sweeps/${encodeURIComponent(id)}`);
    const first = await Api.get(`/v1/jobs/${encodeURIComponent(sweep.jobs[0].id)}`);
    const colors = colorJobs(sweep);
    const jobs = sweep.jobs.map((j, i) => ({ id: j.id, status: j.status, label: gridLabel(j.grid), color: colors[i], grid: j.grid }));
    const axis = Object.keys(sweep.grid)[0];
    const left = h("div", {}), side = h("div", {});
    const summaryBox = h("div", { class: "chart", dataset: { chart: "summary" } });
    const by = h("select", {}, h("option", { value: "final" }, "final"), h("option", { value: "best" }, "best"));
    const table = h("tbody");
    main().append(h("h1", {}, sweep.name || sweep.id, " ", h("span", { class: "muted" }, sweep.id)), h("div", { class: "grid2" }, left, side));
    const cancel = h("button", { onclick: () => Api.post(`/v1/sweeps/${id}/cancel`).then(refresh).catch(showError) }, "cancel sweep");
    side.append(
      h("div", { class: "panel" }, h("h2", {}, h("label", {}, by, ` loss against ${axis}`)), summaryBox),
      h("div", { class: "panel" }, h("h2", {}, "Runs ", h("a", { href: `/ui/compare?jobs=${jobs.map((j) => j.id).join(",")}` }, "compare"), " ", cancel),
        h("table", {}, h("thead", {}, h("tr", {}, ["", "grid", "status", "final", "best"].map((t) => h("th", {}, t)))), table)),
      h("div", { class: "panel" }, h("h2", {}, "Base spec"), h("pre", {}, JSON.stringify(first.spec, null, 2))));
    let summary = null;
    function render() {
      const best = sweep.best && sweep.best.job_id;
      table.replaceChildren(...sweep.jobs.map((j, i) => h("tr", {},
        h("td", {}, h("span", { style: `color: ${colors[i]}` }, "■")),
        h("td", {}, h("a", { href: `/ui/jobs/${j.id}` }, gridLabel(j.grid)), j.id === best ? " ★" : ""),
        h("td", {}, statusCell(j.status)), h("td", {}, j.final_metrics ? fmt(j.final_metrics.loss) : ""), h("td", {}, fmt(j.best_metrics.loss)))));
      const key = by.value === "final" ? "final_metrics" : "best_metrics";
      const points = sweep.jobs.map((j, i) => ({ x: j.grid[axis], y: j[key] ? Api.number(j[key].loss) : NaN, color: colors[i] }));
      const numeric = points.every((p) => typeof p.x === "number");
      if (!numeric) for (const p of points) p.x = valueLabel(p.x);
      const positive = numeric && points.every((p) => p.x > 0);
      const spread = positive ? Math.max(...points.map((p) => p.x)) / Math.min(...points.map((p) => p.x)) : 1;
      if (summary) summary.destroy();
      summaryBox.replaceChildren();
      summary = Plots.summaryChart(summaryBox, { points, xLabel: axis, yLabel: `${by.value} loss`, categorical: !numeric,
        logX: positive && (/(^|\.)(lr|eps|weight_decay)$/.test(axis) || spread >= 100) });
      summaryBox.dataset.complete = String(terminal.has(sweep.status));
      document.body.dataset.sweepStatus = sweep.status;
    }
    async function refresh() { sweep = await Api.get(`/v1/sweeps/${encodeURIComponent(id)}`); render(); }
    by.onchange = render;
    render();
    runsView(left, jobs, first.spec, () => refresh().catch(showError));
  }

  async function comparePage() {
    const ids = (new URLSearchParams(location.search).get("jobs") || "").split(",").filter(Boolean).slice(0, 20);
    main().append(h("h1", {}, "Compare ", ids.length, " jobs"));
    const records = await Promise.all(ids.map((id) => Api.get(`/v1/jobs/${encodeURIComponent(id)}`)));
    const jobs = records.map((j, i) => ({ id: j.id, status: j.status, color: Plots.palette[i % Plots.palette.length],
      label: `${j.name || j.id}${j.grid ? ` (${gridLabel(j.grid)})` : ""}` }));
    const left = h("div", {});
    main().append(left, h("div", { class: "panel" }, h("table", {},
      h("thead", {}, h("tr", {}, ["", "job", "status", "loss", "optimizer"].map((t) => h("th", {}, t)))),
      h("tbody", {}, records.map((j, i) => h("tr", {}, h("td", {}, h("span", { style: `color: ${jobs[i].color}` }, "■")),
        h("td", {}, h("a", { href: `/ui/jobs/${j.id}` }, jobs[i].label)), h("td", {}, statusCell(j.status)),
        h("td", {}, fmt(j.latest_metrics.loss)), h("td", {}, JSON.stringify(j.spec.optimizer))))))));
    // Paths share one surface only when every job minimises the same program.
    const sameObjective = records.every((j) => JSON.stringify(j.spec.objective && j.spec.objective.expr) === JSON.stringify(records[0].spec.objective && records[0].spec.objective.expr));
    runsView(left, jobs, sameObjective && records.length ? records[0].spec : null);
  }

  async function start() {
    const path = location.pathname;
    let m;
    try {
      if ((m = path.match(/^\/ui\/jobs\/([^/]+)$/))) await jobPage(decodeURIComponent(m[1]));
      else if ((m = path.match(/^\/ui\/sweeps\/([^/]+)$/))) await sweepPage(decodeURIComponent(m[1]));
      else if (path === "/ui/compare") await comparePage();
      else await listPage();
    } catch (e) {
      showError(e);
    }
  }

  return { start };
})();
