// The dashboard reads the farm's JSON API and nothing else (described at /openapi.json).

const TOKEN_KEY = "worldfarm.adminToken";

/** Every farm's admin routes need its admin token; `worldfarm start` hands it over in the URL it prints. */
export const adminToken = {
  get: () => localStorage.getItem(TOKEN_KEY) ?? "",
  set: (value) => (value ? localStorage.setItem(TOKEN_KEY, value) : localStorage.removeItem(TOKEN_KEY)),
};

export class ApiError extends Error {
  constructor(status, code, message) {
    super(`${code}: ${message}`);
    this.status = status;
    this.code = code;
  }
}

/** One API call; `bearer` overrides the admin token (an instance's own token opens its tools). */
export async function api(path, { method = "GET", body, bearer } = {}) {
  const headers = {};
  if (body !== undefined) headers["content-type"] = "application/json";
  const token = bearer ?? adminToken.get();
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  let data;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    throw new ApiError(res.status, `http_${res.status}`, text.slice(0, 200));
  }
  if (!res.ok) throw new ApiError(res.status, data?.error?.code ?? `http_${res.status}`, data?.error?.message ?? text);
  return data;
}

/** Every page of a paginated list, up to `max` items. */
export async function allPages(path, key, { limit = 1000, max = 20_000 } = {}) {
  const out = [];
  for (let offset = 0; offset < max; offset += limit) {
    const page = await api(`${path}${path.includes("?") ? "&" : "?"}offset=${offset}&limit=${limit}`);
    out.push(...page[key]);
    if (out.length >= page.total || page[key].length === 0) break;
  }
  return out;
}
