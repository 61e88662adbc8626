/** Pure pricing rules, shared by the tools (sync Db) and the verifiers (async ReadDb). Money is integer cents. */

export const dollars = (cents: number): number => Math.round(cents) / 100;
export const money = (cents: number): string => `$${(cents / 100).toFixed(2)}`;

export const SHIPPING_SPEEDS = ["standard", "express", "next_day"] as const;
export type ShippingSpeed = (typeof SHIPPING_SPEEDS)[number];

const SHIPPING_CENTS: Record<ShippingSpeed, number> = { standard: 599, express: 1299, next_day: 1999 };
export const DELIVERY_DAYS: Record<ShippingSpeed, number> = { standard: 5, express: 2, next_day: 1 };
/** Standard shipping is free once the merchandise total after discounts reaches this. */
export const FREE_SHIPPING_MIN_CENTS = 3500;
export const TAX_RATE = 0.08;
export const RETURN_WINDOW_DAYS = 30;

export type PricedLine = {
  price_cents: number;
  quantity: number;
  category_id: number;
  parent_category_id: number | null;
};

export type Coupon = {
  id: number;
  code: string;
  description: string;
  discount_type: "percent" | "fixed";
  /** Percent off for "percent", cents off for "fixed". */
  discount_value: number;
  min_subtotal_cents: number;
  category_id: number | null;
  category_name: string | null;
  starts_on: string;
  expires_on: string;
  usage_limit: number | null;
  times_used: number;
  once_per_user: number;
};

export const lineTotal = (l: PricedLine): number => l.price_cents * l.quantity;
export const sumLines = (lines: PricedLine[]): number => lines.reduce((s, l) => s + lineTotal(l), 0);

/** A category coupon covers items of that category and of its subcategories. */
export function eligibleCents(coupon: Coupon, lines: PricedLine[]): number {
  const covered = (l: PricedLine) =>
    coupon.category_id === null || l.category_id === coupon.category_id || l.parent_category_id === coupon.category_id;
  return sumLines(lines.filter(covered));
}

/** What a coupon takes off these lines today, or why it does not apply. */
export function evaluateCoupon(
  coupon: Coupon,
  lines: PricedLine[],
  today: string,
  usedByCustomer: boolean,
): { discountCents: number; problem: string | null } {
  const refuse = (problem: string) => ({ discountCents: 0, problem });
  if (today < coupon.starts_on) return refuse(`Coupon ${coupon.code} is not valid until ${coupon.starts_on}.`);
  if (today > coupon.expires_on) return refuse(`Coupon ${coupon.code} expired on ${coupon.expires_on}.`);
  if (coupon.usage_limit !== null && coupon.times_used >= coupon.usage_limit) {
    return refuse(`Coupon ${coupon.code} has reached its redemption limit.`);
  }
  if (coupon.once_per_user && usedByCustomer) {
    return refuse(`Coupon ${coupon.code} is limited to one use per customer and you have already used it.`);
  }
  const eligible = eligibleCents(coupon, lines);
  if (eligible === 0) {
    return refuse(
      `Coupon ${coupon.code} only applies to ${coupon.category_name} items, and there are none in the cart.`,
    );
  }
  if (eligible < coupon.min_subtotal_cents) {
    const scope = coupon.category_name ? `${coupon.category_name} items` : "items";
    return refuse(
      `Coupon ${coupon.code} needs at least ${money(coupon.min_subtotal_cents)} of ${scope}; the cart has ${money(eligible)}.`,
    );
  }
  const off =
    coupon.discount_type === "percent" ? Math.round((eligible * coupon.discount_value) / 100) : coupon.discount_value;
  return { discountCents: Math.min(off, eligible), problem: null };
}

export type Totals = { subtotal: number; discount: number; shipping: number; tax: number; total: number };

export function orderTotals(lines: PricedLine[], discountCents: number, speed: ShippingSpeed): Totals {
  const subtotal = sumLines(lines);
  const merchandise = subtotal - discountCents;
  const shipping = speed === "standard" && merchandise >= FREE_SHIPPING_MIN_CENTS ? 0 : SHIPPING_CENTS[speed];
  const tax = Math.round(merchandise * TAX_RATE);
  return { subtotal, discount: discountCents, shipping, tax, total: merchandise + shipping + tax };
}

export function totalsInDollars(t: Totals) {
  return {
    subtotal: dollars(t.subtotal),
    discount: dollars(t.discount),
    shipping: dollars(t.shipping),
    tax: dollars(t.tax),
    total: dollars(t.total),
  };
}

/** Adds whole days to a YYYY-MM-DD date (or the date part of an ISO timestamp). */
export function addDays(day: string, days: number): string {
  const d = new Date(`${day.slice(0, 10)}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** A card is good through the last day of its expiry month. */
export function cardExpired(expMonth: number, expYear: number, today: string): boolean {
  const [year, month] = [Number(today.slice(0, 4)), Number(today.slice(5, 7))];
  return expYear < year || (expYear === year && expMonth < month);
}

/** A returned line gets back its share of what the order charged for merchandise and tax (shipping is kept). */
export function refundCents(
  unitCents: number,
  quantity: number,
  order: { subtotal_cents: number; discount_cents: number; tax_cents: number },
): number {
  const paid = order.subtotal_cents - order.discount_cents + order.tax_cents;
  return Math.round((unitCents * quantity * paid) / order.subtotal_cents);
}
