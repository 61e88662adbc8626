import { tool, z } from "worldfarm/sdk";
import { PRODUCT_SELECT, addToCart, cartOf, productCard, requireProduct, type ProductRow } from "../lib/queries.ts";

const productId = z.number().int().describe("The product's id.");

export const wishlistTools = {
  view_wishlist: tool({
    description: "Show the products on your wishlist with their current price and stock status, newest first.",
    input: () => z.object({}),
    annotations: { title: "View wishlist", readOnly: true, destructive: false, idempotent: true },
    run: (_input, { db, userId }) => {
      const rows = db.query<ProductRow & { added_at: string }>(
        `SELECT x.*, w.added_at FROM (${PRODUCT_SELECT}) x JOIN wishlist_items w ON w.product_id = x.id
         WHERE w.user_id = ? ORDER BY w.added_at DESC`,
        [userId],
      );
      return {
        items: rows.map((p) => ({
          ...productCard(p),
          added_at: p.added_at,
          restock_date: p.stock === 0 ? p.restock_date : null,
        })),
      };
    },
  }),

  add_to_wishlist: tool({
    description: "Save a product to your wishlist. Adding one that is already there changes nothing.",
    input: () => z.object({ product_id: productId }),
    annotations: { title: "Add to wishlist", readOnly: false, destructive: false, idempotent: true },
    run: ({ product_id }, { db, userId, clock }) => {
      const product = requireProduct(db, product_id);
      const { changes } = db.run(
        "INSERT OR IGNORE INTO wishlist_items (user_id, product_id, added_at) VALUES (?, ?, ?)",
        [userId, product_id, clock.iso()],
      );
      return {
        message: changes
          ? `Added "${product.name}" to your wishlist.`
          : `"${product.name}" is already on your wishlist.`,
      };
    },
  }),

  remove_from_wishlist: tool({
    description: "Remove a product from your wishlist.",
    input: () => z.object({ product_id: productId }),
    annotations: { title: "Remove from wishlist", readOnly: false, destructive: true, idempotent: true },
    run: ({ product_id }, { db, userId }) => {
      const product = requireProduct(db, product_id);
      const onList = db.get("SELECT 1 AS x FROM wishlist_items WHERE user_id = ? AND product_id = ?", [
        userId,
        product_id,
      ]);
      if (!onList) throw new Error(`"${product.name}" is not on your wishlist. Use view_wishlist to see what is.`);
      db.run("DELETE FROM wishlist_items WHERE user_id = ? AND product_id = ?", [userId, product_id]);
      return { message: `Removed "${product.name}" from your wishlist.` };
    },
  }),

  move_to_cart: tool({
    description:
      "Move a product from your wishlist into your cart. Fails, leaving it on the wishlist, if it is out of stock.",
    input: () =>
      z.object({
        product_id: productId,
        quantity: z.number().int().min(1).max(20).default(1).describe("How many to put in the cart (1-20)."),
      }),
    annotations: { title: "Move wishlist item to cart", readOnly: false, destructive: false, idempotent: false },
    run: ({ product_id, quantity }, { db, userId, clock }) => {
      const product = requireProduct(db, product_id);
      const onList = db.get("SELECT 1 AS x FROM wishlist_items WHERE user_id = ? AND product_id = ?", [
        userId,
        product_id,
      ]);
      if (!onList) throw new Error(`"${product.name}" is not on your wishlist. Use add_to_cart to buy it directly.`);
      const total = addToCart(db, cartOf(db, userId).id, product, quantity, clock.iso());
      db.run("DELETE FROM wishlist_items WHERE user_id = ? AND product_id = ?", [userId, product_id]);
      return { message: `Moved "${product.name}" to your cart (${total} in cart).` };
    },
  }),
};
