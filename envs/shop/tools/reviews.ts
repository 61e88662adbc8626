import { tool, z } from "worldfarm/sdk";
import { requireProduct } from "../lib/queries.ts";

const REVIEW_SORTS = {
  most_helpful: "r.helpful_votes DESC, r.created_at DESC",
  newest: "r.created_at DESC",
  highest: "r.rating DESC, r.helpful_votes DESC",
  lowest: "r.rating ASC, r.helpful_votes DESC",
} as const;

type ReviewRow = {
  id: number;
  product_id: number;
  product_name: string;
  reviewer: string;
  rating: number;
  title: string;
  body: string;
  verified_purchase: number;
  helpful_votes: number;
  created_at: string;
};

const REVIEW_SELECT = `
  SELECT r.id, r.product_id, p.name AS product_name, u.name AS reviewer, r.rating, r.title, r.body,
         r.verified_purchase, r.helpful_votes, r.created_at
  FROM product_reviews r JOIN users u ON u.id = r.user_id JOIN products p ON p.id = r.product_id`;

/** Other customers appear as "First L." */
const shortName = (name: string) => {
  const [first, ...rest] = name.split(" ");
  return rest.length ? `${first} ${rest[rest.length - 1]?.[0]}.` : name;
};

const view = (r: ReviewRow) => ({
  ...r,
  reviewer: shortName(r.reviewer),
  verified_purchase: r.verified_purchase === 1,
});

export const reviewTools = {
  get_product_reviews: tool({
    description: "Read customer reviews of a product, with the overall average rating and number of ratings.",
    input: () =>
      z.object({
        product_id: z.number().int().describe("The product's id."),
        sort: z.enum(["most_helpful", "newest", "highest", "lowest"]).default("most_helpful").describe("Review order."),
        rating: z.number().int().min(1).max(5).optional().describe("Only reviews with exactly this many stars."),
        limit: z.number().int().min(1).max(50).default(10).describe("How many reviews to return (1-50)."),
      }),
    annotations: { title: "Read product reviews", readOnly: true, destructive: false, idempotent: true },
    run: ({ product_id, sort, rating, limit }, { db }) => {
      const p = requireProduct(db, product_id);
      const rows = db.query<ReviewRow>(
        `${REVIEW_SELECT} WHERE r.product_id = ? AND (? IS NULL OR r.rating = ?) ORDER BY ${REVIEW_SORTS[sort]}, r.id LIMIT ?`,
        [product_id, rating ?? null, rating ?? null, limit],
      );
      return {
        product_id,
        product_name: p.name,
        average_rating: Math.round(p.rating * 10) / 10,
        rating_count: p.rating_count,
        reviews: rows.map(view),
      };
    },
  }),

  write_review: tool({
    description:
      "Post your review of a product (one review per product per customer). It is marked as a verified purchase when you have received the product, and it updates the product's average rating.",
    input: () =>
      z.object({
        product_id: z.number().int().describe("The product's id."),
        rating: z.number().int().min(1).max(5).describe("Star rating from 1 (worst) to 5 (best)."),
        title: z.string().min(1).max(120).describe("Review headline."),
        body: z.string().min(1).max(4000).describe("The review text."),
      }),
    annotations: { title: "Write a review", readOnly: false, destructive: false, idempotent: false },
    run: ({ product_id, rating, title, body }, { db, userId, clock }) => {
      const p = requireProduct(db, product_id);
      const existing = db.get<{ id: number }>("SELECT id FROM product_reviews WHERE product_id = ? AND user_id = ?", [
        product_id,
        userId,
      ]);
      if (existing) {
        throw new Error(
          `You already reviewed "${p.name}" (review id ${existing.id}); each customer can post one review per product.`,
        );
      }
      const verified = db.get(
        `SELECT 1 AS x FROM order_items oi JOIN orders o ON o.id = oi.order_id
         WHERE o.user_id = ? AND oi.product_id = ? AND o.status = 'delivered'`,
        [userId, product_id],
      );
      const { lastRowId } = db.run(
        `INSERT INTO product_reviews (product_id, user_id, rating, title, body, verified_purchase, helpful_votes, created_at)
         VALUES (?, ?, ?, ?, ?, ?, 0, ?)`,
        [product_id, userId, rating, title, body, verified ? 1 : 0, clock.iso()],
      );
      const count = p.rating_count + 1;
      const average = (p.rating * p.rating_count + rating) / count;
      db.run("UPDATE products SET rating = ?, rating_count = ? WHERE id = ?", [average, count, product_id]);
      return {
        review_id: lastRowId,
        product_name: p.name,
        rating,
        verified_purchase: !!verified,
        product_average_rating: Math.round(average * 10) / 10,
      };
    },
  }),

  list_my_reviews: tool({
    description: "List the reviews you have written, newest first.",
    input: () => z.object({}),
    annotations: { title: "List my reviews", readOnly: true, destructive: false, idempotent: true },
    run: (_input, { db, userId }) => ({
      reviews: db
        .query<ReviewRow>(`${REVIEW_SELECT} WHERE r.user_id = ? ORDER BY r.created_at DESC`, [userId])
        .map(view),
    }),
  }),
};
