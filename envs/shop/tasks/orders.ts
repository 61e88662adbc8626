/** After the purchase: cancelling, returning and reviewing. */
import { task } from "worldfarm/sdk";
import type { ReadDb } from "worldfarm/sdk";
import { missing, plain } from "./helpers.ts";

const stock = async (db: ReadDb, productId: number): Promise<number> =>
  (await db.get<{ quantity: number }>("SELECT quantity FROM inventory WHERE product_id = ?", [productId]))?.quantity ??
  0;

export const orderTasks = [
  task({
    id: "cancel-latest-unshipped-order",
    prompt: "Please cancel my most recent order that hasn't shipped yet. I ordered it by mistake.",
    verify: async ({ before, after, userId }) => {
      type Order = { id: number; status: string };
      const orders = await before.query<Order>(
        "SELECT id, status FROM orders WHERE user_id = ? ORDER BY created_at DESC",
        [userId],
      );
      const target = orders.find((o) => o.status === "pending" || o.status === "processing");
      if (!target) return missing("no unshipped order");
      const statuses = new Map(
        (await after.query<Order>("SELECT id, status FROM orders WHERE user_id = ?", [userId])).map((o) => [
          o.id,
          o.status,
        ]),
      );
      const others = orders.filter((o) => o.id !== target.id && statuses.get(o.id) !== o.status).map((o) => o.id);
      const items = await before.query<{ product_id: number; quantity: number }>(
        "SELECT product_id, quantity FROM order_items WHERE order_id = ?",
        [target.id],
      );
      const restocked = await Promise.all(
        items.map(async (i) => (await stock(after, i.product_id)) === (await stock(before, i.product_id)) + i.quantity),
      );
      const checks = {
        target_cancelled: statuses.get(target.id) === "cancelled",
        other_orders_untouched: others.length === 0,
        stock_restored: restocked.every(Boolean),
      };
      return {
        complete: Object.values(checks).every(Boolean),
        info: { ...checks, expected_order_id: target.id, changed_other_orders: others },
      };
    },
    solution: [
      { tool: "list_orders", args: { limit: 5 } },
      { tool: "cancel_order", args: { order_id: 40, reason: "Ordered by mistake" } },
    ],
  }),

  task({
    id: "return-damaged-doorbell",
    prompt: "The Ring doorbell I just got arrived damaged. Please start a return for it.",
    verify: async ({ before, after, userId }) => {
      const item = await before.get<{ id: number }>(
        `SELECT oi.id FROM order_items oi JOIN orders o ON o.id = oi.order_id JOIN products p ON p.id = oi.product_id
         WHERE o.user_id = ? AND o.status = 'delivered' AND p.brand = 'Ring' AND p.name LIKE '%Doorbell%'
         ORDER BY o.delivered_at DESC LIMIT 1`,
        [userId],
      );
      if (!item) return missing("no delivered Ring doorbell");
      const last = (await before.get<{ id: number | null }>("SELECT MAX(id) AS id FROM returns"))?.id ?? 0;
      const made = await after.query<{ order_item_id: number; quantity: number; reason: string; status: string }>(
        "SELECT order_item_id, quantity, reason, status FROM returns WHERE user_id = ? AND id > ?",
        [userId, last],
      );
      const ret = made.find((r) => r.order_item_id === item.id);
      const checks = {
        return_created: !!ret,
        reason_damaged: ret?.reason === "damaged",
        quantity_one: ret?.quantity === 1,
        only_that_return: made.length === 1,
      };
      return {
        complete: Object.values(checks).every(Boolean),
        info: { ...checks, expected_order_item_id: item.id, new_returns: made },
      };
    },
    solution: [
      { tool: "list_orders", args: { product_query: "doorbell" } },
      {
        tool: "request_return",
        args: { order_id: 37, product_id: 43, quantity: 1, reason: "damaged", comment: "Arrived damaged." },
      },
    ],
  }),

  task({
    id: "review-dell-laptop",
    prompt:
      "Write a 4-star review for the Dell laptop I bought in November. Title it 'Great screen, average battery' and say the display is gorgeous but the battery barely lasts a workday.",
    verify: async ({ before, after, userId }) => {
      const product = await before.get<{ id: number; name: string }>(
        `SELECT p.id, p.name FROM order_items oi JOIN orders o ON o.id = oi.order_id JOIN products p ON p.id = oi.product_id
         WHERE o.user_id = ? AND p.brand = 'Dell' AND substr(o.created_at, 1, 7) = '2025-11' LIMIT 1`,
        [userId],
      );
      if (!product) return missing("no Dell laptop ordered in November 2025");
      const sql = "SELECT rating, title, body FROM product_reviews WHERE user_id = ? AND product_id = ?";
      const existed = await before.get(sql, [userId, product.id]);
      const review = await after.get<{ rating: number; title: string; body: string }>(sql, [userId, product.id]);
      const checks = {
        new_review: !existed && !!review,
        four_stars: review?.rating === 4,
        title_ok: plain(review?.title ?? "").includes("great screen"),
        mentions_battery: plain(review?.body ?? "").includes("battery"),
      };
      return {
        complete: Object.values(checks).every(Boolean),
        info: { ...checks, product: product.name, review: review ?? null },
      };
    },
    solution: [
      { tool: "list_orders", args: { product_query: "dell" } },
      {
        tool: "write_review",
        args: {
          product_id: 3,
          rating: 4,
          title: "Great screen, average battery",
          body: "The display is gorgeous, but the battery barely lasts a workday.",
        },
      },
    ],
  }),
];
