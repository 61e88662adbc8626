/** Cart, wishlist, coupon and checkout workflows. */
import { task } from "worldfarm/sdk";
import { evaluateCoupon, type Coupon, type PricedLine } from "../lib/pricing.ts";
import { COUPON_SELECT } from "../lib/queries.ts";
import {
  EPOCH_DAY,
  cartItems,
  checkSingleOrder,
  defaultAddressId,
  defaultCardId,
  missing,
  orderItems,
  type Items,
} from "./helpers.ts";

export const shoppingTasks = [
  task({
    id: "adjust-cart",
    prompt: "In my cart, bump the USB-C cable up to 3 and take the book out.",
    verify: async ({ before, after, userId }) => {
      type Line = { product_id: number; name: string; category: string };
      const lines = await before.query<Line>(
        `SELECT ci.product_id, p.name, cat.name AS category FROM cart_items ci JOIN carts c ON c.id = ci.cart_id
         JOIN products p ON p.id = ci.product_id JOIN categories cat ON cat.id = p.category_id WHERE c.user_id = ?`,
        [userId],
      );
      const cable = lines.find((l) => /cable/i.test(l.name));
      const book = lines.find((l) => l.category === "Books");
      if (!cable || !book) return missing("no cable or no book in the cart");
      const was = await cartItems(before, userId);
      const now = await cartItems(after, userId);
      const untouched = lines.filter((l) => l !== cable && l !== book).map((l) => String(l.product_id));
      const checks = {
        cable_is_3: now[cable.product_id] === 3,
        book_removed: now[book.product_id] === undefined,
        others_unchanged: untouched.every((id) => now[id] === was[id]),
        nothing_added: Object.keys(now).every((id) => id in was),
      };
      return { complete: Object.values(checks).every(Boolean), info: { ...checks, cart_before: was, cart_after: now } };
    },
    solution: [
      { tool: "view_cart", args: {} },
      { tool: "update_cart_item", args: { product_id: 36, quantity: 3 } },
      { tool: "remove_from_cart", args: { product_id: 108 } },
    ],
  }),

  task({
    id: "wishlist-top-smart-home-under-50",
    prompt: "Add the highest-rated smart home gadget under $50 to my wishlist.",
    verify: async ({ before, after, userId }) => {
      const candidates = await before.query<{ id: number; name: string; rating: number }>(
        `SELECT p.id, p.name, p.rating FROM products p JOIN categories c ON c.id = p.category_id
         WHERE c.name = 'Smart Home' AND p.price_cents < 5000 ORDER BY p.rating DESC`,
      );
      const best = candidates.filter((p) => p.rating === candidates[0]?.rating).map((p) => p.id);
      const sql = "SELECT product_id FROM wishlist_items WHERE user_id = ?";
      const was = new Set((await before.query<{ product_id: number }>(sql, [userId])).map((r) => r.product_id));
      const added = (await after.query<{ product_id: number }>(sql, [userId]))
        .map((r) => r.product_id)
        .filter((id) => !was.has(id));
      const checks = {
        best_added: added.some((id) => best.includes(id)),
        nothing_else_added: added.every((id) => best.includes(id)),
      };
      return {
        complete: checks.best_added && checks.nothing_else_added,
        info: { ...checks, expected_any_of: best, added },
      };
    },
    solution: [
      { tool: "search_products", args: { category_id: 5, max_price: 49.99, sort: "rating_desc", limit: 5 } },
      { tool: "add_to_wishlist", args: { product_id: 44 } },
    ],
  }),

  task({
    id: "buy-cheapest-charger-with-coupon",
    prompt:
      "I need two USB-C wall chargers. Order 2 of the cheapest one that's rated at least 4 stars, use my SAVE10 coupon, and send it to my default address with standard shipping. The order should contain only the chargers, so move whatever is in my cart right now to my wishlist for later.",
    verify: async ({ before, after, userId }) => {
      const charger = await before.get<{ id: number; name: string }>(
        `SELECT p.id, p.name FROM products p JOIN inventory i ON i.product_id = p.id
         WHERE p.name LIKE '%Wall Charger%' AND p.rating >= 4 AND i.quantity >= 2 ORDER BY p.price_cents, p.id LIMIT 1`,
      );
      if (!charger) return missing("no qualifying charger");
      const order = await checkSingleOrder(before, after, userId, {
        items: { [charger.id]: 2 },
        address_id: await defaultAddressId(before, userId),
        shipping_speed: "standard",
        coupons: ["SAVE10"],
      });
      const saved = Object.keys(await cartItems(before, userId));
      const wishlist = new Set(
        (
          await after.query<{ product_id: number }>("SELECT product_id FROM wishlist_items WHERE user_id = ?", [userId])
        ).map((r) => String(r.product_id)),
      );
      const cartSaved = saved.every((id) => wishlist.has(id));
      return {
        complete: order.complete && cartSaved,
        info: { ...order.info, expected_charger: charger.name, cart_saved_to_wishlist: cartSaved },
      };
    },
    solution: [
      { tool: "view_cart", args: {} },
      { tool: "save_for_later", args: { product_id: 54 } },
      { tool: "save_for_later", args: { product_id: 108 } },
      { tool: "save_for_later", args: { product_id: 36 } },
      {
        tool: "search_products",
        args: { query: "usb-c wall charger", min_rating: 4, in_stock_only: true, sort: "price_asc" },
      },
      { tool: "add_to_cart", args: { product_id: 27, quantity: 2 } },
      { tool: "apply_coupon", args: { code: "SAVE10" } },
      { tool: "checkout", args: { shipping_speed: "standard" } },
    ],
  }),

  task({
    id: "wishlist-to-office-express",
    prompt:
      "Move everything on my wishlist that's in stock into my cart (leave anything out of stock on the wishlist), then check out the whole cart with express shipping to my Office address.",
    verify: async ({ before, after, userId }) => {
      const wishlist = await before.query<{ product_id: number; stock: number }>(
        `SELECT w.product_id, i.quantity AS stock FROM wishlist_items w JOIN inventory i ON i.product_id = w.product_id
         WHERE w.user_id = ?`,
        [userId],
      );
      const items: Items = await cartItems(before, userId);
      for (const w of wishlist.filter((w) => w.stock > 0)) items[w.product_id] = (items[w.product_id] ?? 0) + 1;
      const office = await before.get<{ id: number }>(
        "SELECT id FROM addresses WHERE user_id = ? AND label = 'Office'",
        [userId],
      );
      const order = await checkSingleOrder(before, after, userId, {
        items,
        address_id: office?.id ?? -1,
        shipping_speed: "express",
      });
      const left = (
        await after.query<{ product_id: number }>("SELECT product_id FROM wishlist_items WHERE user_id = ?", [userId])
      )
        .map((r) => r.product_id)
        .sort((a, b) => a - b);
      const outOfStock = wishlist
        .filter((w) => w.stock === 0)
        .map((w) => w.product_id)
        .sort((a, b) => a - b);
      const wishlistOk = JSON.stringify(left) === JSON.stringify(outOfStock);
      return {
        complete: order.complete && wishlistOk,
        info: { ...order.info, wishlist_left: left, expected_wishlist_left: outOfStock },
      };
    },
    solution: [
      { tool: "view_wishlist", args: {} },
      { tool: "move_to_cart", args: { product_id: 69 } },
      { tool: "move_to_cart", args: { product_id: 100 } },
      { tool: "move_to_cart", args: { product_id: 121 } },
      { tool: "list_addresses", args: {} },
      { tool: "checkout", args: { address_id: 2, shipping_speed: "express" } },
    ],
  }),

  task({
    id: "best-coupon-checkout",
    prompt:
      "Find the coupon that saves me the most on what's in my cart right now, apply it, and place the order with standard shipping to my default address on my default card.",
    verify: async ({ before, after, userId }) => {
      const lines = await before.query<PricedLine>(
        `SELECT p.price_cents, ci.quantity, p.category_id, c.parent_id AS parent_category_id
         FROM cart_items ci JOIN carts k ON k.id = ci.cart_id JOIN products p ON p.id = ci.product_id
         JOIN categories c ON c.id = p.category_id WHERE k.user_id = ?`,
        [userId],
      );
      const used = new Set(
        (
          await before.query<{ coupon_id: number }>(
            "SELECT coupon_id FROM orders WHERE user_id = ? AND coupon_id IS NOT NULL AND status != 'cancelled'",
            [userId],
          )
        ).map((r) => r.coupon_id),
      );
      const offers = (await before.query<Coupon>(COUPON_SELECT)).map((k) => ({
        code: k.code,
        cents: evaluateCoupon(k, lines, EPOCH_DAY, used.has(k.id)).discountCents,
      }));
      const top = Math.max(0, ...offers.map((o) => o.cents));
      const best = offers.filter((o) => o.cents === top && top > 0).map((o) => o.code);
      const order = await checkSingleOrder(before, after, userId, {
        items: await cartItems(before, userId),
        address_id: await defaultAddressId(before, userId),
        payment_method_id: await defaultCardId(before, userId),
        shipping_speed: "standard",
        coupons: best,
      });
      return { complete: best.length > 0 && order.complete, info: { ...order.info, best_discount_cents: top } };
    },
    solution: [
      { tool: "view_cart", args: {} },
      { tool: "list_coupons", args: {} },
      { tool: "apply_coupon", args: { code: "KITCHEN20" } },
      { tool: "checkout", args: { shipping_speed: "standard" } },
    ],
  }),

  task({
    id: "reorder-office-supplies-next-day",
    prompt:
      "Reorder everything from my October office-supplies order, same quantities, with next-day shipping to my default address. Clear out whatever else is in my cart first; I don't want those things anymore.",
    verify: async ({ before, after, userId }) => {
      const source = await before.get<{ id: number }>(
        "SELECT id FROM orders WHERE user_id = ? AND substr(created_at, 1, 7) = '2025-10' ORDER BY created_at LIMIT 1",
        [userId],
      );
      if (!source) return missing("no October 2025 order");
      const order = await checkSingleOrder(before, after, userId, {
        items: await orderItems(before, source.id),
        address_id: await defaultAddressId(before, userId),
        shipping_speed: "next_day",
      });
      const cartLeft = Object.keys(await cartItems(after, userId)).length;
      return {
        complete: order.complete && cartLeft === 0,
        info: { ...order.info, source_order_id: source.id, items_left_in_cart: cartLeft },
      };
    },
    solution: [
      { tool: "list_orders", args: { year: 2025 } },
      { tool: "clear_cart", args: {} },
      { tool: "reorder", args: { order_id: 33 } },
      { tool: "checkout", args: { shipping_speed: "next_day" } },
    ],
  }),
];
