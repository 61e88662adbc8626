// Everything the farm returns may hold text an LLM wrote, so the page builds nodes and sets text, never HTML.

/** An element: props set attributes (on* adds listeners; non-string values set properties), children append. */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  setProps(el, props);
  append(el, children);
  return el;
}

const SVG = "http://www.w3.org/2000/svg";

/** An SVG element; every prop is an attribute. */
export function s(tag, props = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(props)) if (v !== undefined && v !== null) el.setAttribute(k, String(v));
  append(el, children);
  return el;
}

function setProps(el, props) {
  for (const [k, v] of Object.entries(props ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (typeof v !== "string" && k in el) el[k] = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
}

export const fmt = {
  num: (x, digits = 3) => (typeof x === "number" && Number.isFinite(x) ? x.toFixed(digits) : "–"),
  short: (id, n = 10) => (id.length > n + 1 ? `${id.slice(0, n)}…` : id),
  time: (iso) => (iso ? new Date(iso).toLocaleString() : "–"),
  json: (value) => JSON.stringify(value, null, 2),
};

/** Text that may be JSON, shown pretty when it is. */
export function prettyText(text) {
  try {
    return fmt.json(JSON.parse(text));
  } catch {
    return text;
  }
}

export function section(title, ...children) {
  return h("section", { class: "card" }, h("h2", {}, title), ...children);
}

export function table(headers, rows, props = {}) {
  return h(
    "table",
    props,
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        headers.map((x) => h("th", {}, x)),
      ),
    ),
    h("tbody", {}, rows),
  );
}

export function badge(text, kind = text) {
  return h("span", { class: `badge badge-${kind}` }, text);
}

export function link(href, text) {
  return h("a", { href }, text);
}

/** Replaces an element's children, skipping absent ones as h() does. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}
