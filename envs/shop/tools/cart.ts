import { tool, z } from "worldfarm/sdk";
import { addToCart, cartOf, cartView, requireProduct, requireStock, touchCart } from "../lib/queries.ts";
import type { Db } from "worldfarm/sdk";

const productId = z.number().int().describe("The product's id.");

function requireCartLine(db: Db, cartId: number, product_id: number): { name: string; quantity: number } {
  const line = db.get<{ name: string; quantity: number }>(
    "SELECT p.name, ci.quantity FROM cart_items ci JOIN products p ON p.id = ci.product_id WHERE ci.cart_id = ? AND ci.product_id = ?",
    [cartId, product_id],
  );
  if (!line) throw new Error(`Product ${product_id} is not in your cart. Use view_cart to see what is in it.`);
  return line;
}

export const cartTools = {
  view_cart: tool({
    description:
      "Show your shopping cart: items, quantities, stock problems, the applied coupon and estimated totals (subtotal, discount, shipping, tax, total).",
    input: () => z.object({}),
    annotations: { title: "View cart", readOnly: true, destructive: false, idempotent: true },
    run: (_input, { db, userId, clock }) => cartView(db, userId, clock.today()),
  }),

  add_to_cart: tool({
    description:
      "Add a product to your cart. If it is already there, the quantity is increased. Fails if there is not enough stock.",
    input: () =>
      z.object({
        product_id: productId,
        quantity: z.number().int().min(1).max(20).default(1).describe("How many to add (1-20)."),
      }),
    annotations: { title: "Add to cart", readOnly: false, destructive: false, idempotent: false },
    run: ({ product_id, quantity }, { db, userId, clock }) => {
      const product = requireProduct(db, product_id);
      const total = addToCart(db, cartOf(db, userId).id, product, quantity, clock.iso());
      return {
        message: `Added ${quantity} x "${product.name}"; your cart now has ${total}.`,
        cart: cartView(db, userId, clock.today()),
      };
    },
  }),

  update_cart_item: tool({
    description: "Set the quantity of a product that is already in your cart. To take it out, use remove_from_cart.",
    input: () =>
      z.object({
        product_id: productId,
        quantity: z.number().int().min(1).max(20).describe("The new quantity (1-20)."),
      }),
    annotations: { title: "Change cart quantity", readOnly: false, destructive: false, idempotent: true },
    run: ({ product_id, quantity }, { db, userId, clock }) => {
      const cart = cartOf(db, userId);
      requireCartLine(db, cart.id, product_id);
      const product = requireProduct(db, product_id);
      requireStock(product, quantity);
      db.run("UPDATE cart_items SET quantity = ? WHERE cart_id = ? AND product_id = ?", [
        quantity,
        cart.id,
        product_id,
      ]);
      touchCart(db, cart.id, clock.iso());
      return { message: `"${product.name}" quantity set to ${quantity}.`, cart: cartView(db, userId, clock.today()) };
    },
  }),

  remove_from_cart: tool({
    description: "Remove a product from your cart entirely.",
    input: () => z.object({ product_id: productId }),
    annotations: { title: "Remove from cart", readOnly: false, destructive: true, idempotent: true },
    run: ({ product_id }, { db, userId, clock }) => {
      const cart = cartOf(db, userId);
      const line = requireCartLine(db, cart.id, product_id);
      db.run("DELETE FROM cart_items WHERE cart_id = ? AND product_id = ?", [cart.id, product_id]);
      touchCart(db, cart.id, clock.iso());
      return { message: `Removed "${line.name}" from your cart.`, cart: cartView(db, userId, clock.today()) };
    },
  }),

  clear_cart: tool({
    description: "Empty your cart: removes every item and any applied coupon.",
    input: () => z.object({}),
    annotations: { title: "Empty cart", readOnly: false, destructive: true, idempotent: true },
    run: (_input, { db, userId, clock }) => {
      const cart = cartOf(db, userId);
      const removed =
        db.get<{ n: number }>("SELECT COUNT(*) AS n FROM cart_items WHERE cart_id = ?", [cart.id])?.n ?? 0;
      db.run("DELETE FROM cart_items WHERE cart_id = ?", [cart.id]);
      db.run("UPDATE carts SET coupon_id = NULL, updated_at = ? WHERE id = ?", [clock.iso(), cart.id]);
      return { message: `Removed ${removed} item(s); your cart is empty.` };
    },
  }),

  save_for_later: tool({
    description: "Move a product from your cart to your wishlist, to buy it another time.",
    input: () => z.object({ product_id: productId }),
    annotations: { title: "Save for later", readOnly: false, destructive: false, idempotent: true },
    run: ({ product_id }, { db, userId, clock }) => {
      const cart = cartOf(db, userId);
      const line = requireCartLine(db, cart.id, product_id);
      const at = clock.iso();
      db.run("DELETE FROM cart_items WHERE cart_id = ? AND product_id = ?", [cart.id, product_id]);
      db.run("INSERT OR IGNORE INTO wishlist_items (user_id, product_id, added_at) VALUES (?, ?, ?)", [
        userId,
        product_id,
        at,
      ]);
      touchCart(db, cart.id, at);
      return {
        message: `Moved "${line.name}" from your cart to your wishlist.`,
        cart: cartView(db, userId, clock.today()),
      };
    },
  }),
};
