import { tool, z } from "worldfarm/sdk";
import { dollars } from "../lib/pricing.ts";
import { PRODUCT_SELECT, productCard, requireProduct, type ProductRow } from "../lib/queries.ts";

const READ = { readOnly: true, destructive: false, idempotent: true };

const SORTS = {
  relevance: "p.rating_count DESC",
  price_asc: "p.price_cents ASC",
  price_desc: "p.price_cents DESC",
  rating_desc: "p.rating DESC, p.rating_count DESC",
  most_reviewed: "p.rating_count DESC",
  newest: "p.created_at DESC",
} as const;

/** Crude stemming so "chargers" finds "Charger": drop a plural s from longer words. */
const stem = (word: string) =>
  word.length > 3 && word.endsWith("s") && !word.endsWith("ss") ? word.slice(0, -1) : word;

export const catalogTools = {
  list_categories: tool({
    description:
      "List all product categories with their ids, parent category and how many products each has. Use a category id to filter search_products or list_deals; a parent category includes its subcategories.",
    input: () => z.object({}),
    annotations: { title: "List categories", ...READ },
    run: (_input, { db }) => {
      type Row = {
        id: number;
        name: string;
        slug: string;
        parent_id: number | null;
        description: string;
        products: number;
      };
      const rows = db.query<Row>(
        `SELECT c.id, c.name, c.slug, c.parent_id, c.description,
                (SELECT COUNT(*) FROM products p JOIN categories s ON s.id = p.category_id
                 WHERE s.id = c.id OR s.parent_id = c.id) AS products
         FROM categories c ORDER BY c.id`,
      );
      return {
        categories: rows.map((r) => ({ ...r, parent: rows.find((p) => p.id === r.parent_id)?.name ?? null })),
      };
    },
  }),

  search_products: tool({
    description:
      "Search the catalog by keywords and filters. Every keyword must appear in the product's name, brand or description. Returns matching products with price, rating and stock status, plus the total number of matches for paging.",
    input: () =>
      z.object({
        query: z
          .string()
          .max(200)
          .optional()
          .describe("Keywords, e.g. 'usb-c wall charger' or 'cast iron'. Omit to browse by filters only."),
        category_id: z
          .number()
          .int()
          .optional()
          .describe("Only products in this category or its subcategories (ids from list_categories)."),
        brand: z.string().optional().describe("Only this brand (case-insensitive exact match), e.g. 'Anker'."),
        min_price: z.number().min(0).optional().describe("Lowest price in dollars."),
        max_price: z.number().min(0).optional().describe("Highest price in dollars."),
        min_rating: z.number().min(0).max(5).optional().describe("Lowest average star rating, 0-5."),
        in_stock_only: z.boolean().default(false).describe("true to hide products that are out of stock."),
        sort: z
          .enum(["relevance", "price_asc", "price_desc", "rating_desc", "most_reviewed", "newest"])
          .default("relevance")
          .describe(
            "Order of results: relevance (best match, then popularity), price_asc, price_desc, rating_desc, most_reviewed or newest.",
          ),
        limit: z.number().int().min(1).max(50).default(20).describe("How many results to return (1-50)."),
        offset: z.number().int().min(0).default(0).describe("How many results to skip, for paging."),
      }),
    annotations: { title: "Search products", ...READ },
    run: (input, { db }) => {
      const where: string[] = [];
      const params: (string | number)[] = [];
      const words = (input.query ?? "").toLowerCase().split(/\s+/).filter(Boolean).map(stem);
      for (const word of words) {
        where.push("(LOWER(p.name) LIKE ? OR LOWER(p.brand) LIKE ? OR LOWER(p.description) LIKE ?)");
        params.push(`%${word}%`, `%${word}%`, `%${word}%`);
      }
      if (input.category_id !== undefined) {
        where.push("(p.category_id = ? OR c.parent_id = ?)");
        params.push(input.category_id, input.category_id);
      }
      if (input.brand) {
        where.push("LOWER(p.brand) = LOWER(?)");
        params.push(input.brand);
      }
      if (input.min_price !== undefined) {
        where.push("p.price_cents >= ?");
        params.push(Math.round(input.min_price * 100));
      }
      if (input.max_price !== undefined) {
        where.push("p.price_cents <= ?");
        params.push(Math.round(input.max_price * 100));
      }
      if (input.min_rating !== undefined) {
        where.push("p.rating >= ?");
        params.push(input.min_rating);
      }
      if (input.in_stock_only) where.push("i.quantity > 0");
      const filter = where.length ? `WHERE ${where.join(" AND ")}` : "";
      // Relevance favours keyword hits in the name over hits only in the description.
      const rankByName = input.sort === "relevance" && words.length > 0;
      const nameHits = words.map(() => "(LOWER(p.name) LIKE ?)").join(" + ");
      const order = rankByName ? `(${nameHits}) DESC, ${SORTS.relevance}` : SORTS[input.sort];
      const total = db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM (${PRODUCT_SELECT} ${filter})`, params)?.n ?? 0;
      const rows = db.query<ProductRow>(`${PRODUCT_SELECT} ${filter} ORDER BY ${order}, p.id LIMIT ? OFFSET ?`, [
        ...params,
        ...(rankByName ? words.map((w) => `%${w}%`) : []),
        input.limit,
        input.offset,
      ]);
      return { total, offset: input.offset, results: rows.map(productCard) };
    },
  }),

  get_product: tool({
    description:
      "Get everything about one product: description, price and list price, rating breakdown, exact stock count or restock date, and whether it is already in your cart or wishlist.",
    input: () => z.object({ product_id: z.number().int().describe("The product's id, from search results.") }),
    annotations: { title: "Get product details", ...READ },
    run: ({ product_id }, { db, userId }) => {
      const p = requireProduct(db, product_id);
      const stars = db.query<{ rating: number; n: number }>(
        "SELECT rating, COUNT(*) AS n FROM product_reviews WHERE product_id = ? GROUP BY rating",
        [product_id],
      );
      const inCart = db.get<{ quantity: number }>(
        "SELECT ci.quantity FROM cart_items ci JOIN carts c ON c.id = ci.cart_id WHERE c.user_id = ? AND ci.product_id = ?",
        [userId, product_id],
      );
      const inWishlist = db.get("SELECT 1 AS x FROM wishlist_items WHERE user_id = ? AND product_id = ?", [
        userId,
        product_id,
      ]);
      return {
        ...productCard(p),
        description: p.description,
        savings: p.list_price_cents > p.price_cents ? dollars(p.list_price_cents - p.price_cents) : 0,
        stock: p.stock,
        restock_date: p.stock === 0 ? p.restock_date : null,
        written_reviews: Object.fromEntries(
          [5, 4, 3, 2, 1].map((r) => [`${r}_star`, stars.find((s) => s.rating === r)?.n ?? 0]),
        ),
        in_cart_quantity: inCart?.quantity ?? 0,
        in_wishlist: !!inWishlist,
      };
    },
  }),

  list_deals: tool({
    description: "List products currently selling below their list price, biggest percentage discount first.",
    input: () =>
      z.object({
        category_id: z.number().int().optional().describe("Only deals in this category or its subcategories."),
        limit: z.number().int().min(1).max(50).default(15).describe("How many deals to return (1-50)."),
      }),
    annotations: { title: "List deals", ...READ },
    run: ({ category_id, limit }, { db }) => {
      const rows = db.query<ProductRow>(
        `${PRODUCT_SELECT} WHERE p.price_cents < p.list_price_cents AND (? IS NULL OR p.category_id = ? OR c.parent_id = ?)
         ORDER BY 1.0 * p.price_cents / p.list_price_cents, p.id LIMIT ?`,
        [category_id ?? null, category_id ?? null, category_id ?? null, limit],
      );
      return {
        deals: rows.map((p) => ({
          ...productCard(p),
          percent_off: Math.round(100 - (100 * p.price_cents) / p.list_price_cents),
        })),
      };
    },
  }),
};
