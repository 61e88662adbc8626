import { tool, z } from "worldfarm/sdk";
import { RETURN_WINDOW_DAYS, addDays, dollars, refundCents } from "../lib/pricing.ts";
import { requireOrder } from "../lib/queries.ts";

const REASONS = ["damaged", "defective", "wrong_item", "not_as_described", "no_longer_needed", "other"] as const;

export const returnTools = {
  request_return: tool({
    description: `Start a return for an item from a delivered order, within ${RETURN_WINDOW_DAYS} days of delivery. The refund covers the item's share of what you paid (item price after any coupon, plus tax); shipping is not refunded.`,
    input: () =>
      z.object({
        order_id: z.number().int().describe("The order's id (from list_orders)."),
        product_id: z.number().int().describe("The product to return; it must be in that order."),
        quantity: z.number().int().min(1).default(1).describe("How many units to return."),
        reason: z
          .enum(REASONS)
          .describe(
            "damaged (arrived broken), defective (does not work), wrong_item, not_as_described, no_longer_needed or other.",
          ),
        comment: z.string().max(500).optional().describe("Optional details for the returns team."),
      }),
    annotations: { title: "Request a return", readOnly: false, destructive: false, idempotent: false },
    run: (input, { db, userId, clock }) => {
      const today = clock.today();
      const order = requireOrder(db, userId, input.order_id);
      if (order.status !== "delivered" || !order.delivered_at) {
        const hint =
          order.status === "pending" || order.status === "processing" ? " Cancel it with cancel_order instead." : "";
        throw new Error(
          `Order ${order.order_number} is ${order.status}; only delivered orders can be returned.${hint}`,
        );
      }
      const closes = addDays(order.delivered_at, RETURN_WINDOW_DAYS);
      if (today > closes) throw new Error(`The return window for order ${order.order_number} closed on ${closes}.`);
      type Item = { id: number; product_name: string; unit_price_cents: number; quantity: number; returned: number };
      const item = db.get<Item>(
        `SELECT oi.id, oi.product_name, oi.unit_price_cents, oi.quantity,
                COALESCE((SELECT SUM(r.quantity) FROM returns r WHERE r.order_item_id = oi.id AND r.status != 'rejected'), 0) AS returned
         FROM order_items oi WHERE oi.order_id = ? AND oi.product_id = ?`,
        [order.id, input.product_id],
      );
      if (!item)
        throw new Error(
          `Order ${order.order_number} has no product with id ${input.product_id}. Use get_order to see its items.`,
        );
      const left = item.quantity - item.returned;
      if (left === 0)
        throw new Error(
          `Every "${item.product_name}" from order ${order.order_number} is already being returned; see list_returns.`,
        );
      if (input.quantity > left) {
        throw new Error(
          `You can return at most ${left} more of "${item.product_name}" from this order (${item.quantity} bought, ${item.returned} already returned).`,
        );
      }
      const refund = refundCents(item.unit_price_cents, input.quantity, order);
      const now = clock.iso();
      const dropOffBy = addDays(today, 14);
      const { lastRowId } = db.run(
        `INSERT INTO returns (order_id, order_item_id, user_id, quantity, reason, comment, status, refund_cents, drop_off_by, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, 'requested', ?, ?, ?, ?)`,
        [order.id, item.id, userId, input.quantity, input.reason, input.comment ?? null, refund, dropOffBy, now, now],
      );
      return {
        return_id: lastRowId,
        status: "requested",
        product_name: item.product_name,
        quantity: input.quantity,
        estimated_refund: dollars(refund),
        drop_off_by: dropOffBy,
        instructions: `Print the emailed label and drop the package at any UPS Store by ${dropOffBy}. The refund is issued once it is received.`,
      };
    },
  }),

  list_returns: tool({
    description: "List your returns with their status and refund amounts, newest first.",
    input: () =>
      z.object({
        status: z
          .enum(["requested", "approved", "received", "refunded", "rejected"])
          .optional()
          .describe("Only returns with this status."),
      }),
    annotations: { title: "List returns", readOnly: true, destructive: false, idempotent: true },
    run: ({ status }, { db, userId }) => {
      type Row = {
        return_id: number;
        order_id: number;
        order_number: string;
        product_id: number;
        product_name: string;
        quantity: number;
        reason: string;
        comment: string | null;
        status: string;
        refund_cents: number;
        drop_off_by: string;
        created_at: string;
      };
      const rows = db.query<Row>(
        `SELECT r.id AS return_id, r.order_id, o.order_number, oi.product_id, oi.product_name, r.quantity, r.reason, r.comment,
                r.status, r.refund_cents, r.drop_off_by, r.created_at
         FROM returns r JOIN orders o ON o.id = r.order_id JOIN order_items oi ON oi.id = r.order_item_id
         WHERE r.user_id = ? AND (? IS NULL OR r.status = ?) ORDER BY r.created_at DESC`,
        [userId, status ?? null, status ?? null],
      );
      return { returns: rows.map(({ refund_cents, ...r }) => ({ ...r, refund: dollars(refund_cents) })) };
    },
  }),
};
