// Charts on Chart.js (Debian's libjs-chart.js): curves of many runs with TensorBoard's
// smoothing, a summary scatter, and optimizer paths on a contour plot of the loss surface.
"use strict";

const Plots = (() => {
  Chart.defaults.animation = false;
  Chart.defaults.font.size = 12;

  // Viridis at five stops: ordered values (learning rates) read as an ordered scale.
  const viridis = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
  function ramp(t, stops = viridis) {
    t = Math.min(1, Math.max(0, t)) * (stops.length - 1);
    const i = Math.min(stops.length - 2, Math.floor(t)), f = t - i;
    const c = stops[i].map((v, k) => Math.round(v + (stops[i + 1][k] - v) * f));
    return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
  }
  const palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"];
  const faint = (color) => color.replace("rgb(", "rgba(").replace(")", ", 0.22)").replace(/^#(..)(..)(..)$/,
    (_, r, g, b) => `rgba(${parseInt(r, 16)}, ${parseInt(g, 16)}, ${parseInt(b, 16)}, 0.22)`);

  /// A log axis labels its powers of ten only (`1e-6`), not every minor tick in full.
  const logTicks = { callback: (v) => (Math.abs(Math.log10(v) - Math.round(Math.log10(v))) < 1e-9 ? Number(v).toExponential(0) : "") };

  /// TensorBoard's smoothing: an exponential moving average divided by (1 − wⁿ), so the
  /// first points are not pulled towards zero. Non-finite values pass through unsmoothed.
  class Smoother {
    constructor(weight) { this.weight = weight; this.reset(); }
    reset() { this.last = 0; this.n = 0; }
    next(y) {
      if (!Number.isFinite(y)) return y;
      this.last = this.last * this.weight + (1 - this.weight) * y;
      this.n++;
      return this.weight === 0 ? y : this.last / (1 - Math.pow(this.weight, this.n));
    }
  }

  /// Loss curves of one or many runs: each run is its raw curve (faint) with its smoothed
  /// curve over it. Points are appended as they stream in; drawing is batched to at most
  /// a few frames a second, and Chart.js's min–max decimation keeps 20×10,000 points quick.
  class RunChart {
    constructor(container, { yLabel = "loss" } = {}) {
      this.container = container;
      this.runs = new Map();
      this.smoothing = 0.6;
      this.xMode = "step";
      this.logY = false;
      const canvas = document.createElement("canvas");
      container.appendChild(canvas);
      this.chart = new Chart(canvas, {
        type: "line",
        data: { datasets: [] },
        options: {
          parsing: false, normalized: true, maintainAspectRatio: false, spanGaps: true,
          interaction: { mode: "nearest", intersect: false },
          plugins: {
            decimation: { enabled: true, algorithm: "min-max" },
            legend: { labels: { filter: (item, data) => !data.datasets[item.datasetIndex].raw, boxWidth: 14 } },
            tooltip: { filter: (item) => !item.dataset.raw },
          },
          elements: { point: { radius: 0 }, line: { borderWidth: 2 } },
          scales: {
            x: { type: "linear", title: { display: true, text: "step" } },
            y: { type: "linear", title: { display: true, text: yLabel } },
          },
        },
      });
    }

    run(id, label, color) {
      let r = this.runs.get(id);
      if (r) return r;
      r = { id, label, color, points: [], raw: [], smooth: [], smoother: new Smoother(this.smoothing) };
      r.rawSet = { label: label + " (raw)", raw: true, data: r.raw, borderColor: faint(color), borderWidth: 1 };
      r.smoothSet = { label, data: r.smooth, borderColor: color };
      this.chart.data.datasets.push(r.rawSet, r.smoothSet);
      this.runs.set(id, r);
      this.schedule();
      return r;
    }

    /// Appends one point (steps arrive in order; a repeated step replaces nothing).
    add(id, step, value, timestampMs) {
      const r = this.runs.get(id);
      if (!r || (r.points.length && step <= r.points[r.points.length - 1].step)) return;
      const p = { step, value, t: timestampMs };
      r.points.push(p);
      this.push(r, p);
      this.schedule();
    }

    push(r, p) {
      const t0 = r.points[0].t;
      const x = this.xMode === "step" ? p.step : (p.t - t0) / 1000;
      r.raw.push({ x, y: p.value });
      r.smooth.push({ x, y: r.smoother.next(p.value) });
    }

    rebuild() {
      for (const r of this.runs.values()) {
        r.raw.length = 0; r.smooth.length = 0;
        r.smoother = new Smoother(this.smoothing);
        for (const p of r.points) this.push(r, p);
      }
      this.chart.options.scales.x.title.text = this.xMode === "step" ? "step" : "wall time (s)";
      this.chart.options.scales.y.type = this.logY ? "logarithmic" : "linear";
      this.chart.options.scales.y.ticks = this.logY ? logTicks : {};
      this.schedule();
    }

    schedule() {
      if (this.pending) return;
      this.pending = setTimeout(() => {
        this.pending = null;
        for (const r of this.runs.values()) {
          // Decimation replaces `data` with its own copy: hand it the full arrays each time.
          r.rawSet.data = r.raw;
          r.rawSet.hidden = this.smoothing === 0;
          r.smoothSet.data = r.smooth;
        }
        this.chart.update("none");
        this.container.dataset.series = String(this.runs.size);
        this.container.dataset.lengths = [...this.runs.values()].map((r) => r.points.length).join(",");
      }, 150);
    }

    /// Smoothing, x axis and y scale controls, as TensorBoard places them above a chart.
    controls() {
      const div = document.createElement("div");
      div.className = "controls";
      div.innerHTML = `<label>Smoothing <input type="range" min="0" max="0.99" step="0.01" value="${this.smoothing}"> <span>${this.smoothing}</span></label>
        <label>x <select><option value="step">step</option><option value="time">wall time</option></select></label>
        <label><input type="checkbox"> log y</label>`;
      const [range, select, log] = div.querySelectorAll("input[type=range], select, input[type=checkbox]");
      range.oninput = () => { this.smoothing = Number(range.value); div.querySelector("span").textContent = range.value; this.rebuild(); };
      select.onchange = () => { this.xMode = select.value; this.rebuild(); };
      log.onchange = () => { this.logY = log.checked; this.rebuild(); };
      return div;
    }
  }

  /// A summary of a sweep: one value per job against the swept value (log x for rates).
  function summaryChart(container, { points, xLabel, yLabel, logX, categorical }) {
    const canvas = document.createElement("canvas");
    container.appendChild(canvas);
    const finite = points.filter((p) => Number.isFinite(p.y));
    const logY = finite.length > 0 && finite.every((p) => p.y > 0);
    const data = categorical
      ? { labels: points.map((p) => String(p.x)), datasets: [{ label: yLabel, data: points.map((p) => Number.isFinite(p.y) ? p.y : null), backgroundColor: points.map((p) => p.color) }] }
      : { datasets: [{ label: yLabel, data: finite.map((p) => ({ x: p.x, y: p.y })), showLine: true, borderColor: "#888",
          pointBackgroundColor: finite.map((p) => p.color), pointBorderColor: finite.map((p) => p.color), pointRadius: 6 }] };
    const chart = new Chart(canvas, {
      type: categorical ? "bar" : "scatter",
      data,
      options: {
        maintainAspectRatio: false,
        plugins: { legend: { display: false } },
        scales: {
          x: categorical ? { title: { display: true, text: xLabel } }
            : { type: logX ? "logarithmic" : "linear", ticks: logX ? logTicks : {}, title: { display: true, text: xLabel + (logX ? " (log)" : "") } },
          y: logY ? { type: "logarithmic", ticks: logTicks, title: { display: true, text: yLabel + " (log)" } } : { type: "linear", title: { display: true, text: yLabel } },
        },
      },
    });
    container.dataset.points = String(finite.length);
    return chart;
  }

  /// Marching squares: the segments of the level-`level` contour of a grid of values.
  function contourSegments(z, level) {
    const segments = [];
    for (let i = 0; i + 1 < z.length; i++) {
      for (let j = 0; j + 1 < z[i].length; j++) {
        const c = [z[i][j], z[i][j + 1], z[i + 1][j + 1], z[i + 1][j]];
        if (!c.every(Number.isFinite)) continue;
        const corner = [[0, 0], [0, 1], [1, 1], [1, 0]];
        const cross = [];
        for (let e = 0; e < 4; e++) {
          const a = c[e], b = c[(e + 1) % 4];
          if ((a > level) !== (b > level)) {
            const f = (level - a) / (b - a), p = corner[e], q = corner[(e + 1) % 4];
            cross.push([i + p[0] + (q[0] - p[0]) * f, j + p[1] + (q[1] - p[1]) * f]);
          }
        }
        if (cross.length === 2) segments.push(cross);
        if (cross.length === 4) segments.push([cross[0], cross[1]], [cross[2], cross[3]]);
      }
    }
    return segments;
  }

  /// Optimizer paths drawn on the loss surface: a filled contour (log-spaced levels, since
  /// losses span orders of magnitude) under one polyline per run, start and end marked.
  class PathChart {
    constructor(container) {
      this.container = container;
      this.surface = null;
      const canvas = document.createElement("canvas");
      container.appendChild(canvas);
      const self = this;
      this.chart = new Chart(canvas, {
        type: "scatter",
        data: { datasets: [] },
        plugins: [{ id: "surface", beforeDatasetsDraw(chart) { self.drawSurface(chart); } }],
        options: {
          maintainAspectRatio: false,
          plugins: { legend: { labels: { boxWidth: 14 } } },
          elements: { line: { borderWidth: 2 } },
          scales: { x: { type: "linear", title: { display: true } }, y: { type: "linear", title: { display: true } } },
        },
      });
    }

    setSurface(s) {
      let lo = Infinity, hi = -Infinity;
      for (const row of s.loss) for (const v of row.map(Api.number)) if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
      if (!Number.isFinite(lo)) { lo = 0; hi = 1; }
      const eps = (hi - lo) * 1e-3 + 1e-12;
      // f = log(loss − min + ε) spreads the levels evenly over the orders of magnitude.
      const f = s.loss.map((row) => row.map((v) => { v = Api.number(v); return Number.isFinite(v) ? Math.log(v - lo + eps) : NaN; }));
      const fmin = Math.log(eps), fmax = Math.log(hi - lo + eps);
      const levels = Array.from({ length: 14 }, (_, k) => fmin + (fmax - fmin) * (k + 0.5) / 14);
      this.surface = { x: s.x, y: s.y, f, fmin, fmax, contours: levels.map((l) => contourSegments(f, l)) };
      const o = this.chart.options.scales;
      [o.x.min, o.x.max, o.y.min, o.y.max] = [s.x[0], s.x[s.x.length - 1], s.y[0], s.y[s.y.length - 1]];
      o.x.title.text = s.params[0];
      o.y.title.text = s.params[1];
      this.container.dataset.surface = `${s.x.length}x${s.y.length}`;
      this.chart.update("none");
    }

    drawSurface(chart) {
      const s = this.surface;
      if (!s) return;
      const { ctx, chartArea: area, scales: { x: sx, y: sy } } = chart;
      ctx.save();
      ctx.beginPath();
      ctx.rect(area.left, area.top, area.width, area.height);
      ctx.clip();
      const n = s.x.length, m = s.y.length;
      const dx = (s.x[n - 1] - s.x[0]) / (n - 1), dy = (s.y[m - 1] - s.y[0]) / (m - 1);
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          const v = s.f[i][j];
          ctx.fillStyle = Number.isFinite(v) ? ramp((v - s.fmin) / (s.fmax - s.fmin || 1)) : "#ccc";
          const x0 = sx.getPixelForValue(s.x[j] - dx / 2), x1 = sx.getPixelForValue(s.x[j] + dx / 2);
          const y0 = sy.getPixelForValue(s.y[i] + dy / 2), y1 = sy.getPixelForValue(s.y[i] - dy / 2);
          ctx.fillRect(x0, y0, x1 - x0 + 0.5, y1 - y0 + 0.5);
        }
      }
      ctx.fillStyle = "rgba(255, 255, 255, 0.45)";
      ctx.fillRect(area.left, area.top, area.width, area.height);
      ctx.strokeStyle = "rgba(30, 30, 30, 0.45)";
      ctx.lineWidth = 1;
      const at = (gi, gj) => [sx.getPixelForValue(s.x[0] + gj * dx), sy.getPixelForValue(s.y[0] + gi * dy)];
      for (const segments of s.contours) {
        ctx.beginPath();
        for (const [a, b] of segments) {
          ctx.moveTo(...at(a[0], a[1]));
          ctx.lineTo(...at(b[0], b[1]));
        }
        ctx.stroke();
      }
      ctx.restore();
    }

    path(id, label, color) {
      let d = this.chart.data.datasets.find((d) => d.id === id);
      if (!d) {
        d = { id, label, data: [], showLine: true, borderColor: color, backgroundColor: color,
              pointRadius: (c) => (c.dataIndex === 0 || c.dataIndex === c.dataset.data.length - 1 ? 4 : 0) };
        this.chart.data.datasets.push(d);
      }
      return d;
    }

    /// Appends a point to a path; a point off the surface drawn so far asks (at most twice a
    /// second) for a larger one through `onLeave`.
    add(id, x, y) {
      const d = this.chart.data.datasets.find((d) => d.id === id);
      d.data.push({ x, y });
      const s = this.surface;
      if (s && this.onLeave && !this.leaving && (x < s.x[0] || x > s.x[s.x.length - 1] || y < s.y[0] || y > s.y[s.y.length - 1])) {
        this.leaving = setTimeout(() => { this.leaving = null; this.onLeave(); }, 500);
      }
      if (!this.pending) {
        this.pending = setTimeout(() => {
          this.pending = null;
          this.chart.update("none");
          this.container.dataset.pathPoints = String(this.chart.data.datasets.reduce((n, d) => n + d.data.length, 0));
        }, 150);
      }
    }

    /// The box around every path so far, padded, for the surface request.
    bounds() {
      const pts = this.chart.data.datasets.flatMap((d) => d.data);
      if (!pts.length) return null;
      const box = (vs) => {
        let lo = Infinity, hi = -Infinity;
        for (const v of vs) if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
        if (!Number.isFinite(lo)) return [-1, 1];
        const pad = Math.max((hi - lo) * 0.25, Math.abs(hi) * 0.1, Math.abs(lo) * 0.1, 0.5);
        return [lo - pad, hi + pad];
      };
      return { x: box(pts.map((p) => p.x)), y: box(pts.map((p) => p.y)) };
    }
  }

  return { RunChart, PathChart, summaryChart, ramp, palette, Smoother };
})();
