/** Account upkeep: addresses, cards and profile. */
import { task } from "worldfarm/sdk";
import { cardExpired } from "../lib/pricing.ts";
import { EPOCH_DAY, defaultAddressId, plain } from "./helpers.ts";

type Address = {
  id: number;
  label: string;
  recipient_name: string;
  line1: string;
  line2: string | null;
  city: string;
  state: string;
  postal_code: string;
  is_default: number;
};
type Card = { id: number; brand: string; last4: string; exp_month: number; exp_year: number; is_default: number };

const ADDRESS_SELECT =
  "SELECT id, label, recipient_name, line1, line2, city, state, postal_code, is_default FROM addresses";
const CARD_SELECT = "SELECT id, brand, last4, exp_month, exp_year, is_default FROM payment_methods";

export const accountTasks = [
  task({
    id: "add-sister-address",
    prompt:
      "Please save my sister's place as a new shipping address: Jamie Morgan, 3125 Lakeshore Ave, Oakland, CA 94610. Label it 'Jamie' and don't make it my default.",
    verify: async ({ before, after, userId }) => {
      const added = (
        await after.query<Address>(`${ADDRESS_SELECT} WHERE user_id = ? AND postal_code = '94610'`, [userId])
      ).find((a) => plain(a.line1).startsWith("3125 lakeshore"));
      const defaultBefore = await defaultAddressId(before, userId);
      const defaultAfter = await defaultAddressId(after, userId);
      const checks = {
        address_saved: !!added,
        recipient_ok: !!added && plain(added.recipient_name) === "jamie morgan",
        city_state_ok: !!added && plain(added.city) === "oakland" && plain(added.state) === "ca",
        label_ok: !!added && plain(added.label) === "jamie",
        not_default: !!added && added.is_default === 0,
        default_unchanged: defaultBefore === defaultAfter,
      };
      return {
        complete: Object.values(checks).every(Boolean),
        info: { ...checks, found: added ?? null, default_before: defaultBefore, default_after: defaultAfter },
      };
    },
    solution: [
      {
        tool: "add_address",
        args: {
          label: "Jamie",
          recipient_name: "Jamie Morgan",
          line1: "3125 Lakeshore Ave",
          city: "Oakland",
          state: "CA",
          postal_code: "94610",
        },
      },
    ],
  }),

  task({
    id: "default-card-mastercard",
    prompt: "From now on, charge my Mastercard by default instead of my Visa.",
    verify: async ({ before, after, userId }) => {
      const mastercard = await before.get<Card>(`${CARD_SELECT} WHERE user_id = ? AND brand = 'Mastercard'`, [userId]);
      const defaults = await after.query<Card>(`${CARD_SELECT} WHERE user_id = ? AND is_default = 1`, [userId]);
      const ok = !!mastercard && defaults.length === 1 && defaults[0]?.id === mastercard.id;
      return {
        complete: ok,
        info: { expected_default_id: mastercard?.id ?? null, defaults_after: defaults.map((c) => c.id) },
      };
    },
    solution: [
      { tool: "list_payment_methods", args: {} },
      { tool: "set_default_payment_method", args: { payment_method_id: 2 } },
    ],
  }),

  task({
    id: "update-phone-number",
    prompt: "My phone number changed to (415) 555-0199. Please update my account.",
    verify: async ({ before, after, userId }) => {
      const sql = "SELECT name, email, phone FROM users WHERE id = ?";
      const was = await before.get<{ name: string; email: string; phone: string | null }>(sql, [userId]);
      const now = await after.get<{ name: string; email: string; phone: string | null }>(sql, [userId]);
      const digits = (now?.phone ?? "").replace(/\D/g, "");
      const checks = {
        phone_updated: digits.endsWith("4155550199") && digits.length <= 11,
        name_unchanged: was?.name === now?.name,
        email_unchanged: was?.email === now?.email,
      };
      return {
        complete: Object.values(checks).every(Boolean),
        info: { ...checks, phone_before: was?.phone ?? null, phone_after: now?.phone ?? null },
      };
    },
    solution: [{ tool: "update_profile", args: { phone: "(415) 555-0199" } }],
  }),

  task({
    id: "remove-expired-cards",
    prompt: "Clean up my wallet: remove every card that has expired, but keep the ones that still work.",
    verify: async ({ before, after, userId }) => {
      const cards = await before.query<Card>(`${CARD_SELECT} WHERE user_id = ?`, [userId]);
      const left = new Set((await after.query<Card>(`${CARD_SELECT} WHERE user_id = ?`, [userId])).map((c) => c.id));
      const expired = cards.filter((c) => cardExpired(c.exp_month, c.exp_year, EPOCH_DAY)).map((c) => c.id);
      const valid = cards.filter((c) => !expired.includes(c.id)).map((c) => c.id);
      const checks = {
        expired_removed: expired.every((id) => !left.has(id)),
        valid_kept: valid.every((id) => left.has(id)),
      };
      return {
        complete: expired.length > 0 && checks.expired_removed && checks.valid_kept,
        info: { ...checks, expired_ids: expired, valid_ids: valid, remaining_ids: [...left] },
      };
    },
    solution: [
      { tool: "list_payment_methods", args: {} },
      { tool: "remove_payment_method", args: { payment_method_id: 3 } },
      { tool: "remove_payment_method", args: { payment_method_id: 4 } },
    ],
  }),

  task({
    id: "moved-home-redirect-orders",
    prompt:
      "I've moved. Change my Home address to 88 Oak Ave, Apt 4, Portland, OR 97205 (keep it as my default), and make sure any of my orders that haven't shipped yet go to the new place.",
    verify: async ({ before, after, userId }) => {
      const home = (await after.query<Address>(`${ADDRESS_SELECT} WHERE user_id = ?`, [userId])).find(
        (a) => plain(a.label) === "home" && plain(a.line1).startsWith("88 oak") && a.postal_code === "97205",
      );
      const open = await before.query<{ id: number }>(
        "SELECT id FROM orders WHERE user_id = ? AND status IN ('pending', 'processing')",
        [userId],
      );
      const redirected = await Promise.all(
        open.map(async ({ id }) => {
          const o = await after.get<{ ship_line1: string; ship_postal_code: string; status: string }>(
            "SELECT ship_line1, ship_postal_code, status FROM orders WHERE id = ?",
            [id],
          );
          const ok =
            !!o &&
            plain(o.ship_line1).startsWith("88 oak") &&
            o.ship_postal_code === "97205" &&
            o.status !== "cancelled";
          return { order_id: id, ok, ship_line1: o?.ship_line1 ?? null, ship_postal_code: o?.ship_postal_code ?? null };
        }),
      );
      const checks = {
        home_updated:
          !!home &&
          plain(home.city) === "portland" &&
          plain(home.state) === "or" &&
          plain(home.line2 ?? "").includes("4"),
        home_is_default: home?.is_default === 1,
        open_orders_redirected: open.length > 0 && redirected.every((r) => r.ok),
      };
      return {
        complete: Object.values(checks).every(Boolean),
        info: { ...checks, home_found: home ?? null, orders: redirected },
      };
    },
    solution: [
      { tool: "list_addresses", args: {} },
      {
        tool: "update_address",
        args: {
          address_id: 1,
          line1: "88 Oak Ave",
          line2: "Apt 4",
          city: "Portland",
          state: "OR",
          postal_code: "97205",
        },
      },
      { tool: "list_orders", args: { limit: 5 } },
      { tool: "update_order_address", args: { order_id: 39, address_id: 1 } },
      { tool: "update_order_address", args: { order_id: 40, address_id: 1 } },
    ],
  }),
];
