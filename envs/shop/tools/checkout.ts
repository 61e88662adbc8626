import { tool, z } from "worldfarm/sdk";
import { DELIVERY_DAYS, SHIPPING_SPEEDS, addDays, cardExpired, orderTotals } from "../lib/pricing.ts";
import {
  addOrderEvent,
  cardSummary,
  cartDiscount,
  cartLines,
  cartOf,
  defaultAddress,
  defaultCard,
  requireAddress,
  requireCard,
} from "../lib/queries.ts";
import { orderDetail } from "./orders.ts";

export const checkoutTools = {
  checkout: tool({
    description:
      "Place an order for everything in your cart. It checks stock, the shipping address and the card, applies the cart's coupon, charges the card, reserves the stock and empties the cart. Uses your default address and default card unless you pass others. Shipping: standard (about 5 days; free when the items total $35 or more after discounts, else $5.99), express (2 days, $12.99), next_day ($19.99). Tax is 8%.",
    input: () =>
      z.object({
        address_id: z
          .number()
          .int()
          .optional()
          .describe("Id of the address to ship to (see list_addresses); omit to use your default address."),
        payment_method_id: z
          .number()
          .int()
          .optional()
          .describe("Id of the card to charge (see list_payment_methods); omit to use your default card."),
        shipping_speed: z.enum(SHIPPING_SPEEDS).default("standard").describe("standard, express or next_day."),
      }),
    annotations: { title: "Check out", readOnly: false, destructive: false, idempotent: false },
    run: (input, { db, userId, clock, random }) => {
      const today = clock.today();
      const cart = cartOf(db, userId);
      const lines = cartLines(db, cart.id);
      if (lines.length === 0) throw new Error("Your cart is empty. Add items with add_to_cart before checking out.");
      const short = lines.filter((l) => l.stock < l.quantity);
      if (short.length) {
        const list = short
          .map((l) => `"${l.name}" (id ${l.product_id}): ${l.stock} in stock, ${l.quantity} in cart`)
          .join("; ");
        throw new Error(
          `Not enough stock for ${list}. Lower the quantity or remove these items, then check out again.`,
        );
      }
      const address =
        input.address_id === undefined ? defaultAddress(db, userId) : requireAddress(db, userId, input.address_id);
      const card =
        input.payment_method_id === undefined
          ? defaultCard(db, userId)
          : requireCard(db, userId, input.payment_method_id);
      if (cardExpired(card.exp_month, card.exp_year, today)) {
        throw new Error(
          `${cardSummary(card)} expired ${String(card.exp_month).padStart(2, "0")}/${card.exp_year}. Choose another payment_method_id or add a new card.`,
        );
      }
      const { coupon, discountCents, problem } = cartDiscount(db, userId, cart, lines, today);
      if (problem)
        throw new Error(`${problem} Remove it with remove_coupon or change your cart, then check out again.`);
      const totals = orderTotals(lines, discountCents, input.shipping_speed);

      const now = clock.iso();
      const orderNumber = `${random.int(111, 114)}-${random.int(1000000, 9999999)}-${random.int(1000000, 9999999)}`;
      const { lastRowId: orderId } = db.run(
        `INSERT INTO orders (order_number, user_id, status, address_id, ship_name, ship_line1, ship_line2, ship_city, ship_state,
           ship_postal_code, ship_country, payment_method_id, payment_summary, coupon_id, shipping_speed, subtotal_cents,
           discount_cents, shipping_cents, tax_cents, total_cents, estimated_delivery, created_at, updated_at)
         VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          orderNumber,
          userId,
          address.id,
          address.recipient_name,
          address.line1,
          address.line2,
          address.city,
          address.state,
          address.postal_code,
          address.country,
          card.id,
          cardSummary(card),
          coupon?.id ?? null,
          input.shipping_speed,
          totals.subtotal,
          totals.discount,
          totals.shipping,
          totals.tax,
          totals.total,
          addDays(today, DELIVERY_DAYS[input.shipping_speed]),
          now,
          now,
        ],
      );
      for (const l of lines) {
        db.run(
          "INSERT INTO order_items (order_id, product_id, product_name, unit_price_cents, quantity) VALUES (?, ?, ?, ?, ?)",
          [orderId, l.product_id, l.name, l.price_cents, l.quantity],
        );
        db.run("UPDATE inventory SET quantity = quantity - ? WHERE product_id = ?", [l.quantity, l.product_id]);
      }
      if (coupon) db.run("UPDATE coupons SET times_used = times_used + 1 WHERE id = ?", [coupon.id]);
      addOrderEvent(db, orderId, "pending", "Order placed", now);
      db.run("DELETE FROM cart_items WHERE cart_id = ?", [cart.id]);
      db.run("UPDATE carts SET coupon_id = NULL, updated_at = ? WHERE id = ?", [now, cart.id]);
      return { message: `Order ${orderNumber} placed.`, order: orderDetail(db, userId, orderId, today) };
    },
  }),
};
