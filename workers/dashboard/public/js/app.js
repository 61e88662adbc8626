import { adminToken } from "./api.js";
import { fill, h } from "./dom.js";
import { batchDetail } from "./views/batch.js";
import { batches } from "./views/batches.js";
import { envDetail, envList } from "./views/envs.js";
import { instances } from "./views/instances.js";
import { rollout } from "./views/rollout.js";
import { tryIt } from "./views/try.js";

const ROUTES = [
  [/^#\/envs$/, envList, "envs"],
  [/^#\/envs\/([^/?]+)$/, envDetail, "envs"],
  [/^#\/instances$/, instances, "instances"],
  [/^#\/batches(?:\?.*)?$/, batches, "batches"],
  [/^#\/batches\/([^/?]+)$/, batchDetail, "batches"],
  [/^#\/rollouts\/([^/?]+)$/, rollout, "batches"],
  [/^#\/try(?:\?.*)?$/, tryIt, "try"],
];

const main = document.getElementById("view");
const banner = document.getElementById("error");

function showError(err) {
  fill(
    banner,
    h("span", {}, err instanceof Error ? err.message : String(err)),
    h("button", { onclick: () => (banner.hidden = true) }, "×"),
  );
  banner.hidden = false;
}

/** What a view gets: polling that ends when the page moves on, and a guard that shows a failed action's error. */
function viewContext(signal) {
  return {
    signal,
    guard: (promise) => promise.catch(showError),
    /** Calls `fn` every `ms` until it returns false or the view is left; a failing call is shown and polling goes on. */
    every(ms, fn) {
      const tick = async () => {
        if (signal.aborted) return;
        let again = true;
        try {
          again = (await fn()) !== false;
        } catch (err) {
          if (!signal.aborted) showError(err);
        }
        if (again && !signal.aborted) setTimeout(tick, ms);
      };
      setTimeout(tick, ms);
    },
  };
}

let leave = new AbortController();

async function render() {
  const hash = location.hash || "#/envs";
  const match = ROUTES.map(([re, view, tab]) => ({ m: re.exec(hash), view, tab })).find((r) => r.m);
  leave.abort();
  leave = new AbortController();
  banner.hidden = true;
  for (const a of document.querySelectorAll("nav a")) a.classList.toggle("active", a.dataset.tab === match?.tab);
  const root = h("div");
  if (!match) {
    fill(main, root);
    root.append(h("p", {}, "No such page. ", h("a", { href: "#/envs" }, "Environments")));
    return;
  }
  // Views fill in as their fetches return; until the last one has, the page says it is still loading.
  const loading = h("p", { class: "loading", role: "status" }, "Loading…");
  fill(main, root, loading);
  try {
    await match.view(root, viewContext(leave.signal), ...match.m.slice(1).map(decodeURIComponent));
  } catch (err) {
    showError(err);
  } finally {
    loading.remove();
  }
}

// `worldfarm start` prints the dashboard's URL as /#token=...: the page keeps the token and drops it from the
// address bar and history, the way Jupyter hands over its token.
const handed = /^#token=([^&]+)$/.exec(location.hash);
if (handed) {
  adminToken.set(decodeURIComponent(handed[1]));
  history.replaceState(null, "", `${location.pathname}#/envs`);
}

const token = document.getElementById("token");
token.value = adminToken.get();
token.addEventListener("change", () => {
  adminToken.set(token.value.trim());
  render();
});

window.addEventListener("hashchange", render);
render();
