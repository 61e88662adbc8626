/** Questions the agent must answer from what the tools show; each expected value is read from the initial state. */
import { task } from "worldfarm/sdk";
import { mentions, mentionsMoney, mentionsProduct, missing, productKey } from "./helpers.ts";

export const lookupTasks = [
  task({
    id: "cheapest-headphones-in-stock",
    prompt: "What's the cheapest pair of headphones you have in stock right now? Tell me the name and the price.",
    verify: async ({ before, answer }) => {
      const p = await before.get<{ name: string; price_cents: number }>(
        `SELECT p.name, p.price_cents FROM products p JOIN categories c ON c.id = p.category_id
         JOIN inventory i ON i.product_id = p.id
         WHERE c.name = 'Headphones' AND i.quantity > 0 ORDER BY p.price_cents, p.id LIMIT 1`,
      );
      if (!p) return missing("no headphones in stock");
      const named = mentionsProduct(answer, p.name);
      const priced = mentionsMoney(answer, p.price_cents);
      return {
        complete: named && priced,
        info: {
          expected_product: p.name,
          expected_key: productKey(p.name),
          expected_price_cents: p.price_cents,
          named,
          priced,
          answer,
        },
      };
    },
    solution: [{ tool: "search_products", args: { category_id: 3, in_stock_only: true, sort: "price_asc", limit: 5 } }],
    referenceAnswer: "The cheapest headphones in stock are the JBL Tune 510BT Wireless On-Ear Headphones at $29.95.",
  }),

  task({
    id: "total-spent-2025",
    prompt:
      "What's the combined total of all the orders I placed in 2025, not counting cancelled ones? Ignore any refunds.",
    verify: async ({ before, answer, userId }) => {
      const row = await before.get<{ total: number; orders: number }>(
        `SELECT SUM(total_cents) AS total, COUNT(*) AS orders FROM orders
         WHERE user_id = ? AND substr(created_at, 1, 4) = '2025' AND status != 'cancelled'`,
        [userId],
      );
      const total = row?.total ?? 0;
      const found = mentionsMoney(answer, total);
      return {
        complete: found,
        info: { expected_total_cents: total, orders_counted: row?.orders ?? 0, found, answer },
      };
    },
    solution: [{ tool: "list_orders", args: { year: 2025, limit: 50 } }],
    referenceAnswer: "Your 7 non-cancelled orders placed in 2025 come to $2,386.02 in total.",
  }),

  task({
    id: "track-hydro-flask-order",
    prompt: "My Hydro Flask order has shipped. Which carrier is it with, and what's the tracking number?",
    verify: async ({ before, answer, userId }) => {
      const o = await before.get<{ carrier: string; tracking_number: string }>(
        `SELECT o.carrier, o.tracking_number FROM orders o JOIN order_items oi ON oi.order_id = o.id
         JOIN products p ON p.id = oi.product_id
         WHERE o.user_id = ? AND p.brand = 'Hydro Flask' AND o.status = 'shipped' ORDER BY o.created_at DESC LIMIT 1`,
        [userId],
      );
      if (!o) return missing("no shipped Hydro Flask order");
      const carrier = mentions(answer, o.carrier);
      const tracking = answer !== null && answer.toUpperCase().includes(o.tracking_number.toUpperCase());
      return {
        complete: carrier && tracking,
        info: {
          expected_carrier: o.carrier,
          expected_tracking: o.tracking_number,
          carrier_found: carrier,
          tracking_found: tracking,
          answer,
        },
      };
    },
    solution: [
      { tool: "list_orders", args: { product_query: "hydro flask" } },
      { tool: "track_order", args: { order_id: 38 } },
    ],
    referenceAnswer: "Your Hydro Flask order is with UPS; the tracking number is 1ZD79GBV5776376205.",
  }),

  task({
    id: "most-rated-laptop",
    prompt: "Which laptop in your store has the most customer ratings, and what's its average star rating?",
    verify: async ({ before, answer }) => {
      const p = await before.get<{ name: string; rating: number; rating_count: number }>(
        `SELECT p.name, p.rating, p.rating_count FROM products p JOIN categories c ON c.id = p.category_id
         WHERE c.name = 'Laptops' ORDER BY p.rating_count DESC, p.id LIMIT 1`,
      );
      if (!p) return missing("no laptops");
      const rating = p.rating.toFixed(1);
      const named = mentionsProduct(answer, p.name);
      const rated = answer !== null && answer.includes(rating);
      return {
        complete: named && rated,
        info: {
          expected_product: p.name,
          expected_key: productKey(p.name),
          expected_rating: rating,
          named,
          rated,
          answer,
        },
      };
    },
    solution: [{ tool: "search_products", args: { category_id: 2, sort: "most_reviewed", limit: 3 } }],
    referenceAnswer: "The Apple MacBook Air 13-inch M3 has the most ratings (24,517), with an average of 4.8 stars.",
  }),

  task({
    id: "skillet-order-number",
    prompt: "I bought a Lodge cast iron skillet from you a while back. What was the order number?",
    verify: async ({ before, answer, userId }) => {
      const o = await before.get<{ order_number: string }>(
        `SELECT o.order_number FROM orders o JOIN order_items oi ON oi.order_id = o.id JOIN products p ON p.id = oi.product_id
         WHERE o.user_id = ? AND p.brand = 'Lodge' AND p.name LIKE '%Skillet%' LIMIT 1`,
        [userId],
      );
      if (!o) return missing("no Lodge skillet order");
      const found = answer !== null && answer.includes(o.order_number);
      return { complete: found, info: { expected_order_number: o.order_number, found, answer } };
    },
    solution: [{ tool: "list_orders", args: { product_query: "skillet" } }],
    referenceAnswer: "The Lodge cast iron skillet was in order 111-4895489-8196955, placed on February 11, 2025.",
  }),

  task({
    id: "kettlebell-refund-amount",
    prompt: "I returned a kettlebell last summer. How much did I get refunded for it?",
    verify: async ({ before, answer, userId }) => {
      const r = await before.get<{ refund_cents: number; status: string }>(
        `SELECT r.refund_cents, r.status FROM returns r JOIN order_items oi ON oi.id = r.order_item_id
         WHERE r.user_id = ? AND oi.product_name LIKE '%Kettlebell%' LIMIT 1`,
        [userId],
      );
      if (!r) return missing("no kettlebell return");
      const found = mentionsMoney(answer, r.refund_cents);
      return {
        complete: found,
        info: { expected_refund_cents: r.refund_cents, return_status: r.status, found, answer },
      };
    },
    solution: [{ tool: "list_returns", args: {} }],
    referenceAnswer: "You were refunded $38.87 for the CAP Barbell 25 lb cast iron kettlebell.",
  }),
];
