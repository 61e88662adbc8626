import type { Db, SeedRandom } from "worldfarm/sdk";
import { findProduct } from "./catalog.ts";
import { USERS } from "./people.ts";
import { at } from "./time.ts";

type Product = { id: number; name: string; brand: string; rating: number; created_at: string; stock: number };

const REVIEW_TEXT: Record<number, { titles: string[]; bodies: string[] }> = {
  5: {
    titles: [
      "Absolutely love it",
      "Worth every penny",
      "Exceeded my expectations",
      "Best purchase this year",
      "Five stars, no regrets",
    ],
    bodies: [
      "I've used the {item} almost every day for a few weeks and it has been fantastic. It feels premium and does exactly what it promises.",
      "Bought the {item} after a lot of research and I'm really happy with it. Would buy again without hesitation.",
      "Arrived quickly, well packaged, and works perfectly. Highly recommend the {item}.",
    ],
  },
  4: {
    titles: ["Really good, a couple of nitpicks", "Solid choice", "Great value for the money", "Very happy overall"],
    bodies: [
      "Overall very happy with the {item}. Not perfect, but for the price it's hard to beat.",
      "Does what I need. Knocking off one star because setup took longer than it should have.",
      "Good quality and works well. The instructions for the {item} could be clearer.",
    ],
  },
  3: {
    titles: ["It's okay", "Mixed feelings", "Average at best"],
    bodies: [
      "The {item} works, but it didn't wow me. Fine if you catch it on sale.",
      "Some things I like, some I don't. Build quality is just average for the price.",
    ],
  },
  2: {
    titles: ["Disappointed", "Not what I expected"],
    bodies: [
      "Had high hopes for the {item}, but it fell short. Thinking about returning it.",
      "Started having issues after a couple of weeks of normal use.",
    ],
  },
  1: {
    titles: ["Stopped working", "Would not buy again"],
    bodies: [
      "Broke within a month and support was no help.",
      "Arrived with a defect, and the replacement {item} had the same problem.",
    ],
  },
};

/** Alex's own reviews, written after those orders were delivered. */
const ALEX_REVIEWS: [product: string, rating: number, title: string, body: string, at: string][] = [
  [
    "WH-1000XM5 Wireless Noise Canceling Headphones",
    5,
    "Best noise canceling I've owned",
    "Wore these on a cross-country flight and barely heard the engines. Comfortable for hours and the battery lasts forever.",
    "2025-04-12T20:31:00Z",
  ],
  [
    "12-Inch Pre-Seasoned Cast Iron Skillet",
    5,
    "Sears a steak like a restaurant",
    "Heavy, heats evenly and the seasoning only gets better. Will outlive me.",
    "2025-03-02T18:02:00Z",
  ],
  [
    "Sundome 4-Person Camping Tent",
    4,
    "Easy setup, roomy for two",
    "Pitched it in ten minutes. Stayed dry through a night of rain, though the rainfly could be longer.",
    "2025-09-03T09:15:00Z",
  ],
];

function products(db: Db): Product[] {
  return db.query<Product>(
    "SELECT p.id, p.name, p.brand, p.rating, p.created_at, i.quantity AS stock FROM products p JOIN inventory i ON i.product_id = p.id ORDER BY p.id",
  );
}

export function insertReviews(db: Db, rng: SeedRandom): void {
  const insert = (
    productId: number,
    userId: number,
    rating: number,
    title: string,
    body: string,
    verified: boolean,
    votes: number,
    when: string,
  ) =>
    db.run(
      `INSERT INTO product_reviews (product_id, user_id, rating, title, body, verified_purchase, helpful_votes, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      [productId, userId, rating, title, body, verified ? 1 : 0, votes, when],
    );
  const all = products(db);
  for (const [name, rating, title, body, when] of ALEX_REVIEWS) {
    insert(findProduct(all, name).id, 1, rating, title, body, true, rng.int(0, 12), at(when));
  }
  const reviewers = USERS.map((_, i) => i + 1).filter((id) => id !== 1);
  for (const p of all) {
    const item = p.name.split(/[,(]/)[0]?.trim() ?? p.name;
    for (const userId of rng.shuffle(reviewers).slice(0, rng.int(0, 4))) {
      const rating = Math.max(1, Math.min(5, Math.round(p.rating + (rng.next() - 0.5) * 2.6)));
      const text = REVIEW_TEXT[rating] ?? { titles: [""], bodies: [""] };
      const written = at("2024-03-01T12:00:00Z", rng.int(0, 680) * 24 + rng.int(0, 11));
      const votes = Math.floor(rng.next() ** 3 * 120);
      insert(
        p.id,
        userId,
        rating,
        rng.pick(text.titles),
        rng.pick(text.bodies).replaceAll("{item}", item),
        rng.next() < 0.8,
        votes,
        written < p.created_at ? at(p.created_at, 24 * 30) : written,
      );
    }
  }
}

const ALEX_CART: [string, number, string][] = [
  ["Duo 7-in-1 Electric Pressure Cooker, 6 Quart", 1, "2026-01-11T19:42:00Z"],
  ["Atomic Habits (Hardcover)", 1, "2026-01-12T08:15:00Z"],
  ["USB-C to USB-C Cable 100W, 6 ft, 2-Pack", 1, "2026-01-14T21:03:00Z"],
];

const ALEX_WISHLIST: [string, string][] = [
  ["Cosmic 20 Degree Down Sleeping Bag", "2025-09-14T10:20:00Z"],
  ["Icons Botanical Bouquet Building Set 10280", "2025-11-02T16:48:00Z"],
  ["Supersonic Hair Dryer", "2025-12-05T22:10:00Z"],
  ["Enameled Cast Iron Dutch Oven, 5.5 Quart", "2025-12-19T13:37:00Z"],
];

/** Every customer has a cart; Alex's and a few others' hold items. */
export function insertCarts(db: Db, rng: SeedRandom): void {
  const all = products(db).filter((p) => p.stock > 0);
  for (let user = 1; user <= USERS.length; user++) {
    const items: [number, number, string][] =
      user === 1
        ? ALEX_CART.map(([name, qty, when]) => [findProduct(all, name).id, qty, when])
        : user % 3 === 0
          ? rng
              .shuffle(all)
              .slice(0, rng.int(1, 3))
              .map((p) => [p.id, rng.int(1, 2), at("2026-01-05T12:00:00Z", rng.int(0, 200))])
          : [];
    const cart = db.run("INSERT INTO carts (user_id, coupon_id, updated_at) VALUES (?, NULL, ?)", [
      user,
      items
        .map((i) => i[2])
        .sort()
        .at(-1) ?? at("2026-01-01T00:00:00Z"),
    ]);
    for (const [productId, quantity, when] of items) {
      db.run("INSERT INTO cart_items (cart_id, product_id, quantity, added_at) VALUES (?, ?, ?, ?)", [
        cart.lastRowId,
        productId,
        quantity,
        at(when),
      ]);
    }
  }
}

export function insertWishlists(db: Db, rng: SeedRandom): void {
  const all = products(db);
  for (const [name, when] of ALEX_WISHLIST) {
    db.run("INSERT INTO wishlist_items (user_id, product_id, added_at) VALUES (1, ?, ?)", [
      findProduct(all, name).id,
      at(when),
    ]);
  }
  for (let user = 2; user <= USERS.length; user++) {
    for (const p of rng.shuffle(all).slice(0, rng.int(0, 4))) {
      db.run("INSERT INTO wishlist_items (user_id, product_id, added_at) VALUES (?, ?, ?)", [
        user,
        p.id,
        at("2025-03-01T12:00:00Z", rng.int(0, 300) * 24 + rng.int(0, 12)),
      ]);
    }
  }
}
