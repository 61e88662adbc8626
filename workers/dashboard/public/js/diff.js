import { h } from "./dom.js";

const cell = (v) => (v === null ? h("span", { class: "null" }, "NULL") : typeof v === "object" ? "(blob)" : String(v));

/** Rows a world changed, table by table: inserted, deleted, and updated with the changed cells marked. */
export function diffView(tables) {
  const changed = tables.filter((t) => t.inserted.length + t.deleted.length + t.updated.length > 0);
  if (!changed.length) return h("p", { class: "muted", "data-testid": "diff-empty" }, "No rows changed.");
  return h(
    "div",
    { class: "diff", "data-testid": "diff" },
    changed.map((t) =>
      h(
        "div",
        { class: "diff-table", "data-table": t.table },
        h(
          "h3",
          {},
          t.table,
          " ",
          h("span", { class: "muted" }, `+${t.inserted.length} −${t.deleted.length} ~${t.updated.length}`),
        ),
        h(
          "div",
          { class: "scroll" },
          h(
            "table",
            { class: "rows" },
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                h("th", {}, ""),
                t.columns.map((c) => h("th", {}, c)),
              ),
            ),
            h(
              "tbody",
              {},
              t.inserted.map((row) =>
                h(
                  "tr",
                  { class: "ins" },
                  h("td", { class: "sign" }, "+"),
                  row.map((v) => h("td", {}, cell(v))),
                ),
              ),
              t.deleted.map((row) =>
                h(
                  "tr",
                  { class: "del" },
                  h("td", { class: "sign" }, "−"),
                  row.map((v) => h("td", {}, cell(v))),
                ),
              ),
              t.updated.map((u) => [
                h(
                  "tr",
                  { class: "upd-before" },
                  h("td", { class: "sign" }, "before"),
                  u.before.map((v, i) =>
                    h("td", { class: u.changed.includes(t.columns[i]) ? "changed" : "" }, cell(v)),
                  ),
                ),
                h(
                  "tr",
                  { class: "upd-after" },
                  h("td", { class: "sign" }, "after"),
                  u.after.map((v, i) => h("td", { class: u.changed.includes(t.columns[i]) ? "changed" : "" }, cell(v))),
                ),
              ]),
            ),
          ),
        ),
      ),
    ),
  );
}
