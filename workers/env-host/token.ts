import { instanceSecret } from "../farm-index/client.ts";

const encoder = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    keys.set(secret, key);
  }
  return key;
}

function base64url(bytes: ArrayBuffer): string {
  return btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");
}

/** Tokens already signed: an agent sends the same one on every call, and signing it again is most of a check. */
const signed = new Map<string, string>();
const MAX_SIGNED = 10_000;

/** An instance's bearer token: an HMAC of its id, so the farm stores no tokens and can check any of them. */
export async function instanceToken(env: Env, instanceId: string): Promise<string> {
  const secret = await instanceSecret(env);
  const cacheKey = `${secret}\0${instanceId}`;
  const hit = signed.get(cacheKey);
  if (hit !== undefined) return hit;
  const key = await hmacKey(secret);
  const token = base64url(await crypto.subtle.sign("HMAC", key, encoder.encode(`instance:${instanceId}`)));
  if (signed.size >= MAX_SIGNED) signed.clear();
  signed.set(cacheKey, token);
  return token;
}

export function safeEqual(a: string, b: string): boolean {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  return x.byteLength === y.byteLength && crypto.subtle.timingSafeEqual(x, y);
}

export async function isInstanceToken(env: Env, instanceId: string, token: string): Promise<boolean> {
  return safeEqual(await instanceToken(env, instanceId), token);
}
