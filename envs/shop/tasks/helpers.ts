/** What the verifiers share: reading orders and carts out of a snapshot, and matching facts in a free-text answer. */
import type { ReadDb, VerifyResult } from "worldfarm/sdk";

/** Where the world's clock starts; verifiers judge dates (coupon windows, card expiry) as of this day. */
export const EPOCH = "2026-01-15T09:00:00.000Z";
export const EPOCH_DAY = EPOCH.slice(0, 10);

/** The verdict when the initial state lacks what the task is about, which would be a broken seed. */
export const missing = (what: string): VerifyResult => ({
  complete: false,
  info: { error: `initial state has ${what}` },
});

/** Lowercase words only, so matching ignores case and punctuation. */
export const plain = (text: string): string =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, " ")
    .trim();

export const mentions = (answer: string | null, text: string): boolean =>
  answer !== null && ` ${plain(answer)} `.includes(` ${plain(text)} `);

/** A product is named when its first two words are, e.g. "Tune 510BT" for "Tune 510BT Wireless On-Ear Headphones". */
export const productKey = (name: string): string => plain(name).split(" ").slice(0, 2).join(" ");
export const mentionsProduct = (answer: string | null, name: string): boolean => mentions(answer, productKey(name));

/** Matches "$2,386.02", "2386.02" and the like. */
export const mentionsMoney = (answer: string | null, cents: number): boolean =>
  answer !== null && answer.replace(/,/g, "").includes((cents / 100).toFixed(2));

export type Items = Record<string, number>;

export async function orderItems(db: ReadDb, orderId: number): Promise<Items> {
  const rows = await db.query<{ product_id: number; quantity: number }>(
    "SELECT product_id, quantity FROM order_items WHERE order_id = ?",
    [orderId],
  );
  return Object.fromEntries(rows.map((r) => [String(r.product_id), r.quantity]));
}

export async function cartItems(db: ReadDb, userId: number): Promise<Items> {
  const rows = await db.query<{ product_id: number; quantity: number }>(
    "SELECT ci.product_id, ci.quantity FROM cart_items ci JOIN carts c ON c.id = ci.cart_id WHERE c.user_id = ?",
    [userId],
  );
  return Object.fromEntries(rows.map((r) => [String(r.product_id), r.quantity]));
}

export function sameItems(a: Items, b: Items): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((k) => a[k] === b[k]);
}

export type PlacedOrder = {
  id: number;
  address_id: number | null;
  payment_method_id: number | null;
  shipping_speed: string;
  coupon_code: string | null;
  status: string;
};

/** Orders the user placed during the episode: those with ids past the initial state's last order. */
export async function newOrders(before: ReadDb, after: ReadDb, userId: number): Promise<PlacedOrder[]> {
  const last = (await before.get<{ id: number | null }>("SELECT MAX(id) AS id FROM orders"))?.id ?? 0;
  return after.query<PlacedOrder>(
    `SELECT o.id, o.address_id, o.payment_method_id, o.shipping_speed, k.code AS coupon_code, o.status
     FROM orders o LEFT JOIN coupons k ON k.id = o.coupon_id WHERE o.user_id = ? AND o.id > ? ORDER BY o.id`,
    [userId, last],
  );
}

export async function defaultAddressId(db: ReadDb, userId: number): Promise<number | null> {
  return (
    (await db.get<{ id: number }>("SELECT id FROM addresses WHERE user_id = ? AND is_default = 1", [userId]))?.id ??
    null
  );
}

export async function defaultCardId(db: ReadDb, userId: number): Promise<number | null> {
  return (
    (await db.get<{ id: number }>("SELECT id FROM payment_methods WHERE user_id = ? AND is_default = 1", [userId]))
      ?.id ?? null
  );
}

/** Checks that exactly one order was placed and that it matches; expectations left out are not checked. */
export async function checkSingleOrder(
  before: ReadDb,
  after: ReadDb,
  userId: number,
  expect: {
    items: Items;
    address_id?: number | null;
    payment_method_id?: number | null;
    shipping_speed?: string;
    coupons?: string[] | null;
  },
) {
  const placed = await newOrders(before, after, userId);
  const order = placed.length === 1 ? placed[0] : undefined;
  const items = order ? await orderItems(after, order.id) : {};
  const checks = {
    one_new_order: placed.length === 1,
    items_match: !!order && sameItems(items, expect.items),
    address_matches: expect.address_id === undefined || order?.address_id === expect.address_id,
    payment_matches: expect.payment_method_id === undefined || order?.payment_method_id === expect.payment_method_id,
    speed_matches: expect.shipping_speed === undefined || order?.shipping_speed === expect.shipping_speed,
    coupon_matches:
      expect.coupons === undefined ||
      (expect.coupons === null ? order?.coupon_code === null : expect.coupons.includes(order?.coupon_code ?? "")),
    not_cancelled: order?.status !== "cancelled",
  };
  return {
    complete: Object.values(checks).every(Boolean),
    info: {
      ...checks,
      new_orders: placed.length,
      expected_items: expect.items,
      found_items: items,
      expected_address_id: expect.address_id === undefined ? "not checked" : expect.address_id,
      found_address_id: order?.address_id ?? null,
      expected_payment_method_id: expect.payment_method_id === undefined ? "not checked" : expect.payment_method_id,
      found_payment_method_id: order?.payment_method_id ?? null,
      expected_speed: expect.shipping_speed ?? "not checked",
      found_speed: order?.shipping_speed ?? null,
      expected_coupons: expect.coupons === undefined ? "not checked" : expect.coupons,
      found_coupon: order?.coupon_code ?? null,
    },
  };
}
