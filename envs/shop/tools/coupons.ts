import { tool, z } from "worldfarm/sdk";
import { dollars, evaluateCoupon, type Coupon } from "../lib/pricing.ts";
import { COUPON_SELECT, cartLines, cartOf, cartView, couponUsedBy } from "../lib/queries.ts";

export const couponTools = {
  list_coupons: tool({
    description:
      "List the coupon codes valid today, with their terms, whether you can still use them, and what each would take off your current cart.",
    input: () => z.object({}),
    annotations: { title: "List coupons", readOnly: true, destructive: false, idempotent: true },
    run: (_input, { db, userId, clock }) => {
      const today = clock.today();
      const lines = cartLines(db, cartOf(db, userId).id);
      const coupons = db.query<Coupon>(
        `${COUPON_SELECT} WHERE k.starts_on <= ? AND k.expires_on >= ? ORDER BY k.code`,
        [today, today],
      );
      return {
        coupons: coupons.map((k) => {
          const { discountCents, problem } = evaluateCoupon(k, lines, today, couponUsedBy(db, userId, k.id));
          return {
            code: k.code,
            description: k.description,
            category: k.category_name,
            minimum_spend: dollars(k.min_subtotal_cents),
            expires_on: k.expires_on,
            one_use_per_customer: k.once_per_user === 1,
            discount_on_current_cart: dollars(discountCents),
            ...(problem ? { not_applicable_because: problem } : {}),
          };
        }),
      };
    },
  }),

  apply_coupon: tool({
    description:
      "Apply a coupon code to your cart (one coupon per order; it replaces any coupon already applied). Fails with the reason if the code is unknown, expired, used up or the cart does not qualify.",
    input: () =>
      z.object({ code: z.string().min(1).max(40).describe("The coupon code, e.g. 'SAVE10' (case-insensitive).") }),
    annotations: { title: "Apply coupon", readOnly: false, destructive: false, idempotent: true },
    run: ({ code }, { db, userId, clock }) => {
      const coupon = db.get<Coupon>(`${COUPON_SELECT} WHERE k.code = UPPER(?)`, [code.trim()]);
      if (!coupon) throw new Error(`There is no coupon with code "${code}". Use list_coupons to see valid codes.`);
      const cart = cartOf(db, userId);
      const lines = cartLines(db, cart.id);
      if (lines.length === 0) throw new Error("Your cart is empty; add items before applying a coupon.");
      const { discountCents, problem } = evaluateCoupon(
        coupon,
        lines,
        clock.today(),
        couponUsedBy(db, userId, coupon.id),
      );
      if (problem) throw new Error(problem);
      db.run("UPDATE carts SET coupon_id = ?, updated_at = ? WHERE id = ?", [coupon.id, clock.iso(), cart.id]);
      return {
        message: `Coupon ${coupon.code} applied: ${coupon.description}. You save $${dollars(discountCents).toFixed(2)}.`,
        cart: cartView(db, userId, clock.today()),
      };
    },
  }),

  remove_coupon: tool({
    description: "Remove the coupon applied to your cart.",
    input: () => z.object({}),
    annotations: { title: "Remove coupon", readOnly: false, destructive: false, idempotent: true },
    run: (_input, { db, userId, clock }) => {
      const cart = cartOf(db, userId);
      if (cart.coupon_id === null) throw new Error("No coupon is applied to your cart.");
      db.run("UPDATE carts SET coupon_id = NULL, updated_at = ? WHERE id = ?", [clock.iso(), cart.id]);
      return { message: "Coupon removed.", cart: cartView(db, userId, clock.today()) };
    },
  }),
};
