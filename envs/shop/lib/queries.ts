/** Reads and checks several tools share. Every helper scopes by user where the data is personal. */
import type { Db } from "worldfarm/sdk";
import {
  dollars,
  evaluateCoupon,
  lineTotal,
  orderTotals,
  totalsInDollars,
  type Coupon,
  type PricedLine,
} from "./pricing.ts";

export type ProductRow = {
  id: number;
  name: string;
  brand: string;
  description: string;
  category_id: number;
  category: string;
  parent_category_id: number | null;
  price_cents: number;
  list_price_cents: number;
  rating: number;
  rating_count: number;
  stock: number;
  restock_date: string | null;
  created_at: string;
};

export const PRODUCT_SELECT = `
  SELECT p.id, p.name, p.brand, p.description, p.category_id, c.name AS category, c.parent_id AS parent_category_id,
         p.price_cents, p.list_price_cents, p.rating, p.rating_count, i.quantity AS stock, i.restock_date, p.created_at
  FROM products p JOIN categories c ON c.id = p.category_id JOIN inventory i ON i.product_id = p.id`;

export const COUPON_SELECT = `
  SELECT k.id, k.code, k.description, k.discount_type, k.discount_value, k.min_subtotal_cents, k.category_id,
         c.name AS category_name, k.starts_on, k.expires_on, k.usage_limit, k.times_used, k.once_per_user
  FROM coupons k LEFT JOIN categories c ON c.id = k.category_id`;

/** The short form of a product every listing uses. */
export function productCard(p: ProductRow) {
  return {
    id: p.id,
    name: p.name,
    brand: p.brand,
    category: p.category,
    price: dollars(p.price_cents),
    list_price: dollars(p.list_price_cents),
    rating: Math.round(p.rating * 10) / 10,
    rating_count: p.rating_count,
    in_stock: p.stock > 0,
  };
}

export function requireProduct(db: Db, productId: number): ProductRow {
  const product = db.get<ProductRow>(`${PRODUCT_SELECT} WHERE p.id = ?`, [productId]);
  if (!product) throw new Error(`No product has id ${productId}. Use search_products to find the right product id.`);
  return product;
}

/** Refuses a quantity the warehouse cannot cover, saying how many are left. */
export function requireStock(product: ProductRow, quantity: number, alreadyInCart = 0): void {
  if (product.stock === 0) {
    const back = product.restock_date ? ` It is expected back on ${product.restock_date}.` : "";
    throw new Error(
      `"${product.name}" (id ${product.id}) is out of stock.${back} Add it to your wishlist to buy it later.`,
    );
  }
  if (alreadyInCart + quantity > product.stock) {
    const held = alreadyInCart ? ` and your cart already has ${alreadyInCart}` : "";
    throw new Error(
      `Only ${product.stock} of "${product.name}" (id ${product.id}) are in stock${held}; ask for fewer.`,
    );
  }
}

export type AddressRow = {
  id: number;
  label: string;
  recipient_name: string;
  line1: string;
  line2: string | null;
  city: string;
  state: string;
  postal_code: string;
  country: string;
  phone: string | null;
  is_default: number;
};

export const ADDRESS_COLUMNS =
  "id, label, recipient_name, line1, line2, city, state, postal_code, country, phone, is_default";

export function requireAddress(db: Db, userId: number, addressId: number): AddressRow {
  const address = db.get<AddressRow>(`SELECT ${ADDRESS_COLUMNS} FROM addresses WHERE id = ? AND user_id = ?`, [
    addressId,
    userId,
  ]);
  if (!address)
    throw new Error(`You have no address with id ${addressId}. Use list_addresses to see your saved addresses.`);
  return address;
}

export function formatAddress(a: AddressRow): string {
  return [a.recipient_name, a.line1, a.line2, `${a.city}, ${a.state} ${a.postal_code}`, a.country]
    .filter(Boolean)
    .join(", ");
}

export function addressView(a: AddressRow) {
  return { ...a, is_default: a.is_default === 1, formatted: formatAddress(a) };
}

export function defaultAddress(db: Db, userId: number): AddressRow {
  const address = db.get<AddressRow>(`SELECT ${ADDRESS_COLUMNS} FROM addresses WHERE user_id = ? AND is_default = 1`, [
    userId,
  ]);
  if (!address) throw new Error("You have no default address. Pass an address_id, or add one with add_address.");
  return address;
}

export type CardRow = {
  id: number;
  brand: string;
  last4: string;
  exp_month: number;
  exp_year: number;
  holder_name: string;
  is_default: number;
  created_at: string;
};

const CARD_COLUMNS = "id, brand, last4, exp_month, exp_year, holder_name, is_default, created_at";

export function userCards(db: Db, userId: number): CardRow[] {
  return db.query<CardRow>(
    `SELECT ${CARD_COLUMNS} FROM payment_methods WHERE user_id = ? ORDER BY is_default DESC, id`,
    [userId],
  );
}

export function requireCard(db: Db, userId: number, cardId: number): CardRow {
  const card = db.get<CardRow>(`SELECT ${CARD_COLUMNS} FROM payment_methods WHERE id = ? AND user_id = ?`, [
    cardId,
    userId,
  ]);
  if (!card)
    throw new Error(`You have no payment method with id ${cardId}. Use list_payment_methods to see your cards.`);
  return card;
}

export function defaultCard(db: Db, userId: number): CardRow {
  const card = db.get<CardRow>(`SELECT ${CARD_COLUMNS} FROM payment_methods WHERE user_id = ? AND is_default = 1`, [
    userId,
  ]);
  if (!card)
    throw new Error(
      "You have no default payment method. Pass a payment_method_id, or add a card with add_payment_method.",
    );
  return card;
}

export const cardSummary = (c: CardRow): string => `${c.brand} ending in ${c.last4}`;

export type OrderRow = {
  id: number;
  order_number: string;
  status: string;
  created_at: string;
  delivered_at: string | null;
  subtotal_cents: number;
  discount_cents: number;
  tax_cents: number;
  total_cents: number;
};

export function requireOrder(db: Db, userId: number, orderId: number): OrderRow {
  const order = db.get<OrderRow>(
    `SELECT id, order_number, status, created_at, delivered_at, subtotal_cents, discount_cents, tax_cents, total_cents
     FROM orders WHERE id = ? AND user_id = ?`,
    [orderId, userId],
  );
  if (!order) throw new Error(`You have no order with id ${orderId}. Use list_orders to find the order id.`);
  return order;
}

export function addOrderEvent(db: Db, orderId: number, status: string, description: string, at: string): void {
  db.run("INSERT INTO order_events (order_id, status, description, location, created_at) VALUES (?, ?, ?, NULL, ?)", [
    orderId,
    status,
    description,
    at,
  ]);
}

// ---- cart ----

export type CartRow = { id: number; coupon_id: number | null };

export function cartOf(db: Db, userId: number): CartRow {
  const cart = db.get<CartRow>("SELECT id, coupon_id FROM carts WHERE user_id = ?", [userId]);
  if (!cart) throw new Error("This account has no shopping cart.");
  return cart;
}

export type CartLine = PricedLine & { product_id: number; name: string; stock: number; restock_date: string | null };

export function cartLines(db: Db, cartId: number): CartLine[] {
  return db.query<CartLine>(
    `SELECT ci.product_id, p.name, p.price_cents, ci.quantity, p.category_id, c.parent_id AS parent_category_id,
            i.quantity AS stock, i.restock_date
     FROM cart_items ci JOIN products p ON p.id = ci.product_id JOIN categories c ON c.id = p.category_id
     JOIN inventory i ON i.product_id = p.id
     WHERE ci.cart_id = ? ORDER BY ci.added_at, ci.id`,
    [cartId],
  );
}

/** Adds to the cart line for this product (creating it if needed) and returns the line's new quantity. */
export function addToCart(db: Db, cartId: number, product: ProductRow, quantity: number, at: string): number {
  const current =
    db.get<{ quantity: number }>("SELECT quantity FROM cart_items WHERE cart_id = ? AND product_id = ?", [
      cartId,
      product.id,
    ])?.quantity ?? 0;
  requireStock(product, quantity, current);
  if (current) {
    db.run("UPDATE cart_items SET quantity = ? WHERE cart_id = ? AND product_id = ?", [
      current + quantity,
      cartId,
      product.id,
    ]);
  } else {
    db.run("INSERT INTO cart_items (cart_id, product_id, quantity, added_at) VALUES (?, ?, ?, ?)", [
      cartId,
      product.id,
      quantity,
      at,
    ]);
  }
  touchCart(db, cartId, at);
  return current + quantity;
}

export function touchCart(db: Db, cartId: number, at: string): void {
  db.run("UPDATE carts SET updated_at = ? WHERE id = ?", [at, cartId]);
}

export function couponUsedBy(db: Db, userId: number, couponId: number): boolean {
  return !!db.get("SELECT 1 AS used FROM orders WHERE user_id = ? AND coupon_id = ? AND status != 'cancelled'", [
    userId,
    couponId,
  ]);
}

/** The cart's coupon and what it takes off now; a coupon that stopped qualifying stays attached with its reason. */
export function cartDiscount(db: Db, userId: number, cart: CartRow, lines: CartLine[], today: string) {
  const coupon =
    cart.coupon_id === null ? undefined : db.get<Coupon>(`${COUPON_SELECT} WHERE k.id = ?`, [cart.coupon_id]);
  if (!coupon) return { coupon: undefined, discountCents: 0, problem: null };
  const { discountCents, problem } = evaluateCoupon(coupon, lines, today, couponUsedBy(db, userId, coupon.id));
  return { coupon, discountCents, problem };
}

/** The cart as the customer sees it, with totals estimated for standard shipping. */
export function cartView(db: Db, userId: number, today: string) {
  const cart = cartOf(db, userId);
  const lines = cartLines(db, cart.id);
  const { coupon, discountCents, problem } = cartDiscount(db, userId, cart, lines, today);
  return {
    items: lines.map((l) => ({
      product_id: l.product_id,
      name: l.name,
      unit_price: dollars(l.price_cents),
      quantity: l.quantity,
      line_total: dollars(lineTotal(l)),
      available: l.stock >= l.quantity,
      ...(l.stock < l.quantity ? { stock_note: l.stock === 0 ? "out of stock" : `only ${l.stock} left in stock` } : {}),
    })),
    item_count: lines.reduce((n, l) => n + l.quantity, 0),
    coupon: coupon
      ? {
          code: coupon.code,
          description: coupon.description,
          applied: problem === null,
          ...(problem ? { problem } : {}),
        }
      : null,
    ...totalsInDollars(orderTotals(lines, discountCents, "standard")),
    totals_note: "Shipping and tax are estimated for standard shipping; checkout shows the final amounts.",
  };
}
