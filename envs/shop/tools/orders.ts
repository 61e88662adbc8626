import { tool, z } from "worldfarm/sdk";
import type { Db } from "worldfarm/sdk";
import { RETURN_WINDOW_DAYS, addDays, dollars } from "../lib/pricing.ts";
import {
  addOrderEvent,
  addToCart,
  cartOf,
  cartView,
  formatAddress,
  requireAddress,
  requireOrder,
  requireProduct,
} from "../lib/queries.ts";

const orderId = z.number().int().describe("The order's id (from list_orders), not its order number.");
const OPEN = ["pending", "processing"];

type OrderFull = {
  id: number;
  order_number: string;
  status: string;
  shipping_speed: string;
  estimated_delivery: string | null;
  ship_name: string;
  ship_line1: string;
  ship_line2: string | null;
  ship_city: string;
  ship_state: string;
  ship_postal_code: string;
  ship_country: string;
  payment_summary: string;
  coupon_code: string | null;
  subtotal_cents: number;
  discount_cents: number;
  shipping_cents: number;
  tax_cents: number;
  total_cents: number;
  carrier: string | null;
  tracking_number: string | null;
  created_at: string;
  shipped_at: string | null;
  delivered_at: string | null;
  cancelled_at: string | null;
  cancel_reason: string | null;
};

type ItemRow = {
  order_item_id: number;
  product_id: number;
  name: string;
  unit_price_cents: number;
  quantity: number;
  returned: number;
};

const items = (db: Db, id: number) =>
  db.query<ItemRow>(
    `SELECT oi.id AS order_item_id, oi.product_id, oi.product_name AS name, oi.unit_price_cents, oi.quantity,
            COALESCE((SELECT SUM(r.quantity) FROM returns r WHERE r.order_item_id = oi.id AND r.status != 'rejected'), 0) AS returned
     FROM order_items oi WHERE oi.order_id = ? ORDER BY oi.id`,
    [id],
  );

/** The full view of one order, shared by get_order and checkout. */
export function orderDetail(db: Db, userId: number, id: number, today: string) {
  const o = db.get<OrderFull>(
    `SELECT o.*, k.code AS coupon_code FROM orders o LEFT JOIN coupons k ON k.id = o.coupon_id WHERE o.id = ? AND o.user_id = ?`,
    [id, userId],
  );
  if (!o) throw new Error(`You have no order with id ${id}. Use list_orders to find the order id.`);
  const returnBy = o.delivered_at ? addDays(o.delivered_at, RETURN_WINDOW_DAYS) : null;
  return {
    order_id: o.id,
    order_number: o.order_number,
    status: o.status,
    placed_at: o.created_at,
    items: items(db, o.id).map((i) => ({
      order_item_id: i.order_item_id,
      product_id: i.product_id,
      name: i.name,
      unit_price: dollars(i.unit_price_cents),
      quantity: i.quantity,
      line_total: dollars(i.unit_price_cents * i.quantity),
      returned_quantity: i.returned,
    })),
    ship_to: [
      o.ship_name,
      o.ship_line1,
      o.ship_line2,
      `${o.ship_city}, ${o.ship_state} ${o.ship_postal_code}`,
      o.ship_country,
    ]
      .filter(Boolean)
      .join(", "),
    payment: o.payment_summary,
    coupon: o.coupon_code,
    shipping_speed: o.shipping_speed,
    subtotal: dollars(o.subtotal_cents),
    discount: dollars(o.discount_cents),
    shipping: dollars(o.shipping_cents),
    tax: dollars(o.tax_cents),
    total: dollars(o.total_cents),
    carrier: o.carrier,
    tracking_number: o.tracking_number,
    estimated_delivery: o.status === "delivered" || o.status === "cancelled" ? null : o.estimated_delivery,
    shipped_at: o.shipped_at,
    delivered_at: o.delivered_at,
    cancelled_at: o.cancelled_at,
    cancel_reason: o.cancel_reason,
    can_cancel: OPEN.includes(o.status),
    returnable_until: returnBy && returnBy >= today ? returnBy : null,
  };
}

function requireOpenOrder(db: Db, userId: number, id: number, action: string) {
  const order = requireOrder(db, userId, id);
  if (!OPEN.includes(order.status)) {
    const hint = order.status === "delivered" ? " Use request_return to send items back." : "";
    throw new Error(`Order ${order.order_number} is ${order.status}, so it can no longer be ${action}.${hint}`);
  }
  return order;
}

export const orderTools = {
  list_orders: tool({
    description:
      "List your orders, newest first, with status, total and the items in each. Filter by status, year or a product keyword.",
    input: () =>
      z.object({
        status: z
          .enum(["pending", "processing", "shipped", "delivered", "cancelled"])
          .optional()
          .describe("Only orders with this status."),
        year: z
          .number()
          .int()
          .min(2000)
          .max(2100)
          .optional()
          .describe("Only orders placed in this calendar year, e.g. 2025."),
        product_query: z
          .string()
          .max(100)
          .optional()
          .describe("Only orders containing an item whose name or brand contains this text, e.g. 'skillet'."),
        limit: z.number().int().min(1).max(50).default(20).describe("How many orders to return (1-50)."),
      }),
    annotations: { title: "List orders", readOnly: true, destructive: false, idempotent: true },
    run: ({ status, year, product_query, limit }, { db, userId }) => {
      type Row = {
        id: number;
        order_number: string;
        status: string;
        created_at: string;
        total_cents: number;
        estimated_delivery: string | null;
        delivered_at: string | null;
      };
      const needle = product_query ? `%${product_query.toLowerCase()}%` : null;
      const rows = db.query<Row>(
        `SELECT o.id, o.order_number, o.status, o.created_at, o.total_cents, o.estimated_delivery, o.delivered_at FROM orders o
         WHERE o.user_id = ? AND (? IS NULL OR o.status = ?) AND (? IS NULL OR substr(o.created_at, 1, 4) = ?)
           AND (? IS NULL OR EXISTS (SELECT 1 FROM order_items oi JOIN products p ON p.id = oi.product_id
                WHERE oi.order_id = o.id AND (LOWER(oi.product_name) LIKE ? OR LOWER(p.brand) LIKE ?)))
         ORDER BY o.created_at DESC LIMIT ?`,
        [
          userId,
          status ?? null,
          status ?? null,
          year ?? null,
          year === undefined ? null : String(year),
          needle,
          needle,
          needle,
          limit,
        ],
      );
      return {
        orders: rows.map((o) => ({
          order_id: o.id,
          order_number: o.order_number,
          status: o.status,
          placed_at: o.created_at,
          total: dollars(o.total_cents),
          ...(o.delivered_at
            ? { delivered_at: o.delivered_at }
            : { estimated_delivery: o.status === "cancelled" ? null : o.estimated_delivery }),
          items: items(db, o.id).map((i) => `${i.name} (id ${i.product_id}) x${i.quantity}`),
        })),
      };
    },
  }),

  get_order: tool({
    description:
      "Get one order in full: items, shipping address, payment, coupon, price breakdown, tracking, and whether it can still be cancelled or returned.",
    input: () => z.object({ order_id: orderId }),
    annotations: { title: "Get order", readOnly: true, destructive: false, idempotent: true },
    run: ({ order_id }, { db, userId, clock }) => orderDetail(db, userId, order_id, clock.today()),
  }),

  track_order: tool({
    description:
      "Track an order's shipment: carrier, tracking number, estimated delivery and every status event so far.",
    input: () => z.object({ order_id: orderId }),
    annotations: { title: "Track order", readOnly: true, destructive: false, idempotent: true },
    run: ({ order_id }, { db, userId, clock }) => {
      const o = orderDetail(db, userId, order_id, clock.today());
      type Event = { status: string; description: string; location: string | null; created_at: string };
      return {
        order_id: o.order_id,
        order_number: o.order_number,
        status: o.status,
        carrier: o.carrier,
        tracking_number: o.tracking_number,
        estimated_delivery: o.estimated_delivery,
        delivered_at: o.delivered_at,
        events: db.query<Event>(
          "SELECT status, description, location, created_at FROM order_events WHERE order_id = ? ORDER BY created_at, id",
          [order_id],
        ),
      };
    },
  }),

  cancel_order: tool({
    description:
      "Cancel an order that has not shipped yet (status pending or processing). The items go back into stock and the card is refunded in full.",
    input: () =>
      z.object({
        order_id: orderId,
        reason: z.string().max(200).optional().describe("Why you are cancelling, e.g. 'Ordered by mistake'."),
      }),
    annotations: { title: "Cancel order", readOnly: false, destructive: true, idempotent: false },
    run: ({ order_id, reason }, { db, userId, clock }) => {
      const order = requireOpenOrder(db, userId, order_id, "cancelled");
      const now = clock.iso();
      for (const i of items(db, order_id)) {
        db.run("UPDATE inventory SET quantity = quantity + ? WHERE product_id = ?", [i.quantity, i.product_id]);
      }
      db.run("UPDATE coupons SET times_used = times_used - 1 WHERE id = (SELECT coupon_id FROM orders WHERE id = ?)", [
        order_id,
      ]);
      db.run(
        "UPDATE orders SET status = 'cancelled', cancelled_at = ?, cancel_reason = ?, updated_at = ? WHERE id = ?",
        [now, reason ?? "Cancelled by customer", now, order_id],
      );
      addOrderEvent(db, order_id, "cancelled", `Order cancelled: ${reason ?? "Cancelled by customer"}`, now);
      return {
        message: `Order ${order.order_number} is cancelled. A refund of $${dollars(order.total_cents).toFixed(2)} goes back to the original payment method.`,
        order_id,
        status: "cancelled",
        refund: dollars(order.total_cents),
      };
    },
  }),

  update_order_address: tool({
    description:
      "Change where an order that has not shipped yet (pending or processing) will be delivered, to one of your saved addresses.",
    input: () =>
      z.object({
        order_id: orderId,
        address_id: z.number().int().describe("Id of the saved address to ship to (see list_addresses)."),
      }),
    annotations: { title: "Change order address", readOnly: false, destructive: false, idempotent: true },
    run: ({ order_id, address_id }, { db, userId, clock }) => {
      const order = requireOpenOrder(db, userId, order_id, "redirected");
      const a = requireAddress(db, userId, address_id);
      const now = clock.iso();
      db.run(
        `UPDATE orders SET address_id = ?, ship_name = ?, ship_line1 = ?, ship_line2 = ?, ship_city = ?, ship_state = ?,
           ship_postal_code = ?, ship_country = ?, updated_at = ? WHERE id = ?`,
        [a.id, a.recipient_name, a.line1, a.line2, a.city, a.state, a.postal_code, a.country, now, order_id],
      );
      addOrderEvent(db, order_id, order.status, `Shipping address changed to ${a.city}, ${a.state}`, now);
      return {
        message: `Order ${order.order_number} will now ship to ${formatAddress(a)}.`,
        order_id,
        ship_to: formatAddress(a),
      };
    },
  }),

  reorder: tool({
    description:
      "Add every item of a past order to your cart again, in the same quantities and at today's prices. Items without enough stock are skipped and listed.",
    input: () => z.object({ order_id: orderId }),
    annotations: { title: "Buy again", readOnly: false, destructive: false, idempotent: false },
    run: ({ order_id }, { db, userId, clock }) => {
      const order = requireOrder(db, userId, order_id);
      const cart = cartOf(db, userId);
      const added: string[] = [];
      const skipped: string[] = [];
      for (const i of items(db, order_id)) {
        const product = requireProduct(db, i.product_id);
        const inCart =
          db.get<{ quantity: number }>("SELECT quantity FROM cart_items WHERE cart_id = ? AND product_id = ?", [
            cart.id,
            i.product_id,
          ])?.quantity ?? 0;
        if (product.stock < inCart + i.quantity) {
          skipped.push(`${i.name}: only ${product.stock} in stock`);
          continue;
        }
        addToCart(db, cart.id, product, i.quantity, clock.iso());
        added.push(`${i.name} x${i.quantity}`);
      }
      if (added.length === 0)
        throw new Error(`Nothing from order ${order.order_number} is in stock right now: ${skipped.join("; ")}.`);
      return {
        message: `Added ${added.length} item(s) from order ${order.order_number} to your cart.`,
        added,
        skipped,
        cart: cartView(db, userId, clock.today()),
      };
    },
  }),
};
