import { tool, z } from "worldfarm/sdk";
import type { Db } from "worldfarm/sdk";
import { cardExpired } from "../lib/pricing.ts";
import { cardSummary, requireCard, userCards, type CardRow } from "../lib/queries.ts";

const cardId = z.number().int().describe("The payment method's id (see list_payment_methods).");

function cardView(c: CardRow, today: string) {
  return {
    id: c.id,
    brand: c.brand,
    last4: c.last4,
    summary: cardSummary(c),
    expires: `${String(c.exp_month).padStart(2, "0")}/${c.exp_year}`,
    expired: cardExpired(c.exp_month, c.exp_year, today),
    holder_name: c.holder_name,
    is_default: c.is_default === 1,
  };
}

const listCards = (db: Db, userId: number, today: string) => userCards(db, userId).map((c) => cardView(c, today));

function setDefaultCard(db: Db, userId: number, id: number): void {
  db.run("UPDATE payment_methods SET is_default = CASE WHEN id = ? THEN 1 ELSE 0 END WHERE user_id = ?", [id, userId]);
}

/** Issuer from the card number's leading digits. */
function brandOf(number: string): string {
  if (/^4/.test(number)) return "Visa";
  if (/^(5[1-5]|2[2-7])/.test(number)) return "Mastercard";
  if (/^3[47]/.test(number)) return "American Express";
  if (/^(6011|65|64[4-9])/.test(number)) return "Discover";
  throw new Error("We accept Visa, Mastercard, American Express and Discover; this card number is none of them.");
}

function luhnValid(number: string): boolean {
  let sum = 0;
  for (let i = 0; i < number.length; i++) {
    let d = Number(number[number.length - 1 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

export const paymentTools = {
  list_payment_methods: tool({
    description:
      "List your saved cards with their ids, expiry dates, whether each has expired, and which is the default.",
    input: () => z.object({}),
    annotations: { title: "List payment methods", readOnly: true, destructive: false, idempotent: true },
    run: (_input, { db, userId, clock }) => ({ payment_methods: listCards(db, userId, clock.today()) }),
  }),

  add_payment_method: tool({
    description: "Save a new credit or debit card. Only the brand and last four digits are stored.",
    input: () =>
      z.object({
        card_number: z.string().describe("The full card number; spaces and dashes are ignored."),
        exp_month: z.number().int().min(1).max(12).describe("Expiry month, 1-12."),
        exp_year: z.number().int().min(2000).max(2100).describe("Expiry year, four digits, e.g. 2029."),
        holder_name: z.string().min(1).max(100).describe("Name as printed on the card."),
        make_default: z.boolean().default(false).describe("true to make it your default payment method."),
      }),
    annotations: { title: "Add card", readOnly: false, destructive: false, idempotent: false },
    run: (input, { db, userId, clock }) => {
      const number = input.card_number.replace(/[\s-]/g, "");
      if (!/^\d{13,19}$/.test(number) || !luhnValid(number))
        throw new Error("That card number is not valid; check the digits and try again.");
      if (cardExpired(input.exp_month, input.exp_year, clock.today()))
        throw new Error("That card has already expired.");
      const brand = brandOf(number);
      const last4 = number.slice(-4);
      const duplicate = userCards(db, userId).find(
        (c) =>
          c.brand === brand && c.last4 === last4 && c.exp_month === input.exp_month && c.exp_year === input.exp_year,
      );
      if (duplicate) throw new Error(`That card is already saved as payment method ${duplicate.id}.`);
      const { lastRowId } = db.run(
        `INSERT INTO payment_methods (user_id, brand, last4, exp_month, exp_year, holder_name, is_default, created_at)
         VALUES (?, ?, ?, ?, ?, ?, 0, ?)`,
        [userId, brand, last4, input.exp_month, input.exp_year, input.holder_name, clock.iso()],
      );
      const hasDefault = db.get("SELECT 1 AS x FROM payment_methods WHERE user_id = ? AND is_default = 1", [userId]);
      if (input.make_default || !hasDefault) setDefaultCard(db, userId, lastRowId);
      return {
        message: `${brand} ending in ${last4} saved.`,
        payment_method: cardView(requireCard(db, userId, lastRowId), clock.today()),
      };
    },
  }),

  remove_payment_method: tool({
    description:
      "Delete a saved card. If it was the default, your newest card that has not expired becomes the default. Past orders are not affected.",
    input: () => z.object({ payment_method_id: cardId }),
    annotations: { title: "Remove card", readOnly: false, destructive: true, idempotent: false },
    run: ({ payment_method_id }, { db, userId, clock }) => {
      const today = clock.today();
      const card = requireCard(db, userId, payment_method_id);
      db.run("DELETE FROM payment_methods WHERE id = ?", [payment_method_id]);
      if (card.is_default) {
        const next = userCards(db, userId)
          .filter((c) => !cardExpired(c.exp_month, c.exp_year, today))
          .sort((a, b) => b.created_at.localeCompare(a.created_at))[0];
        if (next) setDefaultCard(db, userId, next.id);
      }
      return { message: `Removed ${cardSummary(card)}.`, payment_methods: listCards(db, userId, today) };
    },
  }),

  set_default_payment_method: tool({
    description: "Make one of your saved cards the default for checkout. Expired cards cannot be the default.",
    input: () => z.object({ payment_method_id: cardId }),
    annotations: { title: "Set default card", readOnly: false, destructive: false, idempotent: true },
    run: ({ payment_method_id }, { db, userId, clock }) => {
      const today = clock.today();
      const card = requireCard(db, userId, payment_method_id);
      if (cardExpired(card.exp_month, card.exp_year, today)) {
        throw new Error(
          `${cardSummary(card)} has expired, so it cannot be the default. Add a new card with add_payment_method.`,
        );
      }
      setDefaultCard(db, userId, payment_method_id);
      return {
        message: `${cardSummary(card)} is now your default payment method.`,
        payment_methods: listCards(db, userId, today),
      };
    },
  }),
};
