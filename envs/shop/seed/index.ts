import { fixedRandom, type Db, type SeedRandom } from "worldfarm/sdk";
import { CATEGORIES, PINNED } from "./catalog.ts";
import { ADDRESSES, CARDS, COUPONS, USERS } from "./people.ts";
import { insertOrders, insertReturns } from "./orders.ts";
import { insertCarts, insertReviews, insertWishlists } from "./activity.ts";
import { at } from "./time.ts";

const WAREHOUSES = ["Tracy, CA", "Reno, NV", "Phoenix, AZ", "Dallas, TX", "Edison, NJ", "Jacksonville, FL", "Kent, WA"];

function insertPeople(db: Db): void {
  for (const u of USERS) {
    db.run("INSERT INTO users (name, email, phone, created_at) VALUES (?, ?, ?, ?)", [
      u.name,
      u.email,
      u.phone,
      at(u.since),
    ]);
  }
  for (const a of ADDRESSES) {
    const since = USERS[a.user - 1]?.since ?? "2025-01-01T00:00:00Z";
    db.run(
      `INSERT INTO addresses (user_id, label, recipient_name, line1, line2, city, state, postal_code, country, phone, is_default, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'US', NULL, ?, ?)`,
      [a.user, a.label, a.recipient, a.line1, a.line2, a.city, a.state, a.postal, a.isDefault ? 1 : 0, at(since, 1)],
    );
  }
  for (const c of CARDS) {
    const holder = USERS[c.user - 1]?.name ?? "";
    db.run(
      `INSERT INTO payment_methods (user_id, brand, last4, exp_month, exp_year, holder_name, is_default, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      [c.user, c.brand, c.last4, c.month, c.year, holder, c.isDefault ? 1 : 0, at(c.added)],
    );
  }
}

function insertCatalog(db: Db, rng: SeedRandom): void {
  const categoryIds = new Map<string, number>();
  for (const c of CATEGORIES) {
    const parent = c.parent === undefined ? null : (categoryIds.get(c.parent) ?? null);
    const { lastRowId } = db.run("INSERT INTO categories (name, slug, parent_id, description) VALUES (?, ?, ?, ?)", [
      c.name,
      c.slug,
      parent,
      c.description,
    ]);
    categoryIds.set(c.name, lastRowId);
    for (const [brand, name, price, listPrice] of c.products) {
      const pinned = PINNED[name] ?? {};
      const rating = pinned.rating ?? Math.round((3.4 + rng.next() * 1.5) * 10) / 10;
      // Rating counts spread over orders of magnitude, as they do on real storefronts.
      const ratingCount = pinned.rating_count ?? Math.floor(Math.exp(Math.log(12) + rng.next() * Math.log(15000 / 12)));
      const created = at("2023-01-10T12:00:00Z", rng.int(0, 1000) * 24 + rng.int(0, 23));
      const product = db.run(
        `INSERT INTO products (category_id, name, brand, description, price_cents, list_price_cents, rating, rating_count, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          lastRowId,
          name,
          brand,
          `${brand} ${name}. ${rng.pick(c.blurbs)}`,
          Math.round(price * 100),
          Math.round((listPrice ?? price) * 100),
          rating,
          ratingCount,
          created,
        ],
      );
      db.run("INSERT INTO inventory (product_id, quantity, warehouse, restock_date) VALUES (?, ?, ?, ?)", [
        product.lastRowId,
        pinned.stock ?? rng.int(4, 160),
        rng.pick(WAREHOUSES),
        pinned.restock ?? null,
      ]);
    }
  }
}

function insertCoupons(db: Db): void {
  for (const k of COUPONS) {
    const category =
      k.category === null ? null : db.get<{ id: number }>("SELECT id FROM categories WHERE name = ?", [k.category])?.id;
    db.run(
      `INSERT INTO coupons (code, description, discount_type, discount_value, min_subtotal_cents, category_id,
                            starts_on, expires_on, usage_limit, times_used, once_per_user)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [k.code, k.description, k.type, k.value, k.min, category ?? null, k.starts, k.expires, k.limit, k.used, k.once],
    );
  }
}

export function seed(db: Db): void {
  // Not the instance's random source: the tasks' reference solutions name ids that must exist in every instance.
  const rng = fixedRandom(20260115);
  insertPeople(db);
  insertCatalog(db, rng);
  insertCoupons(db);
  insertOrders(db, rng);
  insertReturns(db);
  insertReviews(db, rng);
  insertCarts(db, rng);
  insertWishlists(db, rng);
}
