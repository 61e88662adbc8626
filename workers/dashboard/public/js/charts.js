import { fmt, h, s } from "./dom.js";

const STATUSES = ["completed", "failed", "running", "pending", "cancelled"];

/** A stacked bar of rollouts per status, with the counts under it unless `compact`. */
export function progress(counts, { compact = false } = {}) {
  const total = STATUSES.reduce((n, k) => n + (counts[k] ?? 0), 0) || 1;
  return h(
    "div",
    { class: "progress-wrap" },
    h(
      "div",
      {
        class: "progress",
        role: "progressbar",
        "aria-valuemin": "0",
        "aria-valuemax": String(total),
        "aria-valuenow": String((counts.completed ?? 0) + (counts.failed ?? 0) + (counts.cancelled ?? 0)),
      },
      STATUSES.filter((k) => counts[k]).map((k) =>
        h("span", { class: `seg seg-${k}`, style: `width:${(100 * counts[k]) / total}%`, title: `${k}: ${counts[k]}` }),
      ),
    ),
    compact
      ? null
      : h(
          "div",
          { class: "legend" },
          STATUSES.map((k) =>
            h(
              "span",
              { class: "legend-item", "data-status": k },
              h("i", { class: `dot seg-${k}` }),
              `${k} `,
              h("b", { "data-count": k }, String(counts[k] ?? 0)),
            ),
          ),
        ),
  );
}

/** Bars of how many rewards fall in each of `bins` equal ranges; the range always covers [0, 1]. */
export function histogram(values, { bins = 10, width = 420, height = 170 } = {}) {
  const lo = Math.min(0, ...values);
  const hi = Math.max(1, ...values);
  const counts = new Array(bins).fill(0);
  for (const v of values) counts[Math.min(bins - 1, Math.floor(((v - lo) / (hi - lo)) * bins))] += 1;
  const top = Math.max(1, ...counts);
  const pad = { l: 28, r: 8, t: 14, b: 22 };
  const bw = (width - pad.l - pad.r) / bins;
  const y = (c) => pad.t + (height - pad.t - pad.b) * (1 - c / top);
  return s(
    "svg",
    {
      class: "chart",
      viewBox: `0 0 ${width} ${height}`,
      width,
      height,
      "data-testid": "histogram",
      "data-n": values.length,
    },
    s("line", { x1: pad.l, x2: width - pad.r, y1: height - pad.b, y2: height - pad.b, class: "axis" }),
    counts.map((c, i) => {
      const from = lo + ((hi - lo) * i) / bins;
      const to = lo + ((hi - lo) * (i + 1)) / bins;
      return s(
        "g",
        {},
        s(
          "rect",
          {
            class: "bar",
            x: pad.l + i * bw + 1,
            y: y(c),
            width: bw - 2,
            height: height - pad.b - y(c),
            "data-count": c,
          },
          s("title", {}, `${fmt.num(from, 2)} to ${fmt.num(to, 2)}: ${c}`),
        ),
        c
          ? s("text", { x: pad.l + i * bw + bw / 2, y: y(c) - 3, class: "label", "text-anchor": "middle" }, String(c))
          : null,
      );
    }),
    s("text", { x: pad.l, y: height - 6, class: "label" }, fmt.num(lo, 1)),
    s("text", { x: width - pad.r, y: height - 6, class: "label", "text-anchor": "end" }, fmt.num(hi, 1)),
    s("text", { x: pad.l - 4, y: pad.t + 4, class: "label", "text-anchor": "end" }, String(top)),
  );
}

/** Mean reward of successive batches as a line, with a band of one standard deviation. */
export function rewardCurve(points, { width = 420, height = 170, highlight } = {}) {
  const lo = Math.min(0, ...points.map((p) => p.mean - p.std));
  const hi = Math.max(1, ...points.map((p) => p.mean + p.std));
  const pad = { l: 30, r: 10, t: 10, b: 22 };
  const x = (i) =>
    pad.l + (points.length === 1 ? (width - pad.l - pad.r) / 2 : ((width - pad.l - pad.r) * i) / (points.length - 1));
  const y = (v) => pad.t + (height - pad.t - pad.b) * (1 - (v - lo) / (hi - lo));
  const band = [
    ...points.map((p, i) => `${x(i)},${y(p.mean + p.std)}`),
    ...points.map((p, i) => `${x(i)},${y(p.mean - p.std)}`).reverse(),
  ];
  return s(
    "svg",
    {
      class: "chart",
      viewBox: `0 0 ${width} ${height}`,
      width,
      height,
      "data-testid": "reward-curve",
      "data-points": points.length,
    },
    [lo, (lo + hi) / 2, hi].map((v) =>
      s(
        "g",
        {},
        s("line", { x1: pad.l, x2: width - pad.r, y1: y(v), y2: y(v), class: "grid" }),
        s("text", { x: pad.l - 4, y: y(v) + 4, class: "label", "text-anchor": "end" }, fmt.num(v, 1)),
      ),
    ),
    s("polygon", { points: band.join(" "), class: "band" }),
    s("polyline", { points: points.map((p, i) => `${x(i)},${y(p.mean)}`).join(" "), class: "line" }),
    points.map((p, i) =>
      s(
        "circle",
        {
          cx: x(i),
          cy: y(p.mean),
          r: p.key === highlight ? 5 : 3.5,
          class: p.key === highlight ? "point current" : "point",
        },
        s("title", {}, `${p.label}: ${fmt.num(p.mean)} ± ${fmt.num(p.std)} (n=${p.n})`),
      ),
    ),
    points.length > 0 ? s("text", { x: pad.l, y: height - 6, class: "label" }, points[0].label) : null,
    points.length > 1
      ? s("text", { x: width - pad.r, y: height - 6, class: "label", "text-anchor": "end" }, points.at(-1).label)
      : null,
  );
}

/** The reward curve's points for a run's batches. */
export function runPoints(run) {
  return run.batches
    .filter((b) => b.reward.n > 0)
    .map((b) => ({
      key: b.batchId,
      label: b.policyVersion ?? b.batchId.slice(0, 8),
      mean: b.reward.mean,
      std: b.reward.std,
      n: b.reward.n,
    }));
}
