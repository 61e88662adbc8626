import { tool, z } from "worldfarm/sdk";
import type { Db } from "worldfarm/sdk";
import {
  ADDRESS_COLUMNS,
  addressView,
  cardSummary,
  requireAddress,
  userCards,
  type AddressRow,
} from "../lib/queries.ts";

const addressFields = {
  label: z.string().min(1).max(40).describe("A short name for the address, e.g. 'Home', 'Office'."),
  recipient_name: z.string().min(1).max(100).describe("Who receives packages there."),
  line1: z.string().min(1).max(120).describe("Street address, e.g. '500 Howard St'."),
  line2: z.string().max(120).optional().describe("Apartment, suite, floor, etc. Optional."),
  city: z.string().min(1).max(80).describe("City."),
  state: z.string().min(2).max(40).describe("State or region, e.g. 'CA'."),
  postal_code: z.string().min(3).max(12).describe("ZIP or postal code."),
  country: z.string().length(2).describe("Two-letter country code, e.g. 'US'."),
  phone: z.string().max(30).optional().describe("Delivery contact phone number. Optional."),
};

function setDefaultAddress(db: Db, userId: number, addressId: number): void {
  db.run("UPDATE addresses SET is_default = CASE WHEN id = ? THEN 1 ELSE 0 END WHERE user_id = ?", [addressId, userId]);
}

const listAddresses = (db: Db, userId: number) =>
  db
    .query<AddressRow>(`SELECT ${ADDRESS_COLUMNS} FROM addresses WHERE user_id = ? ORDER BY is_default DESC, id`, [
      userId,
    ])
    .map(addressView);

export const accountTools = {
  get_profile: tool({
    description:
      "Show your account profile: name, email, phone, member since, default address and default payment method.",
    input: () => z.object({}),
    annotations: { title: "Get profile", readOnly: true, destructive: false, idempotent: true },
    run: (_input, { db, userId }) => {
      const user = db.get<{ id: number; name: string; email: string; phone: string | null; created_at: string }>(
        "SELECT id, name, email, phone, created_at FROM users WHERE id = ?",
        [userId],
      );
      if (!user) throw new Error("This account no longer exists.");
      const defaultAddress = listAddresses(db, userId).find((a) => a.is_default);
      const defaultCard = userCards(db, userId).find((c) => c.is_default);
      const orders = db.get<{ n: number }>("SELECT COUNT(*) AS n FROM orders WHERE user_id = ?", [userId])?.n ?? 0;
      const { created_at, ...rest } = user;
      return {
        ...rest,
        member_since: created_at.slice(0, 10),
        default_address: defaultAddress?.formatted ?? null,
        default_payment_method: defaultCard ? cardSummary(defaultCard) : null,
        order_count: orders,
      };
    },
  }),

  update_profile: tool({
    description: "Change your name, email or phone number. Pass only the fields to change.",
    input: () =>
      z.object({
        name: z.string().min(1).max(100).optional().describe("New full name."),
        email: z.email().optional().describe("New email address."),
        phone: z.string().min(7).max(30).optional().describe("New phone number, e.g. '(415) 555-0199'."),
      }),
    annotations: { title: "Update profile", readOnly: false, destructive: false, idempotent: true },
    run: (input, { db, userId }) => {
      const changes = Object.entries(input).filter(([, v]) => v !== undefined) as [string, string][];
      if (changes.length === 0) throw new Error("Nothing to change: pass name, email or phone.");
      if (input.email) {
        const taken = db.get("SELECT 1 AS x FROM users WHERE LOWER(email) = LOWER(?) AND id != ?", [
          input.email,
          userId,
        ]);
        if (taken) throw new Error(`The email ${input.email} belongs to another account; choose a different one.`);
      }
      db.run(`UPDATE users SET ${changes.map(([k]) => `${k} = ?`).join(", ")} WHERE id = ?`, [
        ...changes.map(([, v]) => v),
        userId,
      ]);
      return { message: `Updated ${changes.map(([k]) => k).join(", ")}.`, ...Object.fromEntries(changes) };
    },
  }),

  list_addresses: tool({
    description: "List your saved shipping addresses with their ids; the default address comes first.",
    input: () => z.object({}),
    annotations: { title: "List addresses", readOnly: true, destructive: false, idempotent: true },
    run: (_input, { db, userId }) => ({ addresses: listAddresses(db, userId) }),
  }),

  add_address: tool({
    description: "Save a new shipping address. Your first address automatically becomes the default.",
    input: () =>
      z.object({
        ...addressFields,
        country: addressFields.country.default("US").describe("Two-letter country code; defaults to 'US'."),
        make_default: z.boolean().default(false).describe("true to make it your default shipping address."),
      }),
    annotations: { title: "Add address", readOnly: false, destructive: false, idempotent: false },
    run: (input, { db, userId, clock }) => {
      const { lastRowId } = db.run(
        `INSERT INTO addresses (user_id, label, recipient_name, line1, line2, city, state, postal_code, country, phone, is_default, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)`,
        [
          userId,
          input.label,
          input.recipient_name,
          input.line1,
          input.line2 ?? null,
          input.city,
          input.state,
          input.postal_code,
          input.country.toUpperCase(),
          input.phone ?? null,
          clock.iso(),
        ],
      );
      const hasDefault = db.get("SELECT 1 AS x FROM addresses WHERE user_id = ? AND is_default = 1", [userId]);
      if (input.make_default || !hasDefault) setDefaultAddress(db, userId, lastRowId);
      return { message: "Address saved.", address: addressView(requireAddress(db, userId, lastRowId)) };
    },
  }),

  update_address: tool({
    description:
      "Edit a saved address; pass only the fields to change. Orders already placed keep the address they were placed with: use update_order_address to redirect an order that has not shipped.",
    input: () =>
      z.object({
        address_id: z.number().int().describe("Id of the address to edit (see list_addresses)."),
        ...z.object(addressFields).partial().shape,
      }),
    annotations: { title: "Edit address", readOnly: false, destructive: false, idempotent: true },
    run: ({ address_id, ...fields }, { db, userId }) => {
      requireAddress(db, userId, address_id);
      const changes = Object.entries(fields).filter(([, v]) => v !== undefined) as [string, string][];
      if (changes.length === 0) throw new Error("Nothing to change: pass at least one address field.");
      db.run(`UPDATE addresses SET ${changes.map(([k]) => `${k} = ?`).join(", ")} WHERE id = ?`, [
        ...changes.map(([, v]) => v),
        address_id,
      ]);
      return { message: "Address updated.", address: addressView(requireAddress(db, userId, address_id)) };
    },
  }),

  delete_address: tool({
    description:
      "Delete a saved address. If it was the default, your oldest remaining address becomes the default. Orders already placed are not affected.",
    input: () => z.object({ address_id: z.number().int().describe("Id of the address to delete.") }),
    annotations: { title: "Delete address", readOnly: false, destructive: true, idempotent: false },
    run: ({ address_id }, { db, userId }) => {
      const address = requireAddress(db, userId, address_id);
      db.run("DELETE FROM addresses WHERE id = ?", [address_id]);
      const next = address.is_default
        ? db.get<{ id: number }>("SELECT id FROM addresses WHERE user_id = ? ORDER BY id LIMIT 1", [userId])
        : undefined;
      if (next) setDefaultAddress(db, userId, next.id);
      return { message: `Deleted address "${address.label}".`, addresses: listAddresses(db, userId) };
    },
  }),

  set_default_address: tool({
    description: "Make one of your saved addresses the default for checkout.",
    input: () => z.object({ address_id: z.number().int().describe("Id of the address to make default.") }),
    annotations: { title: "Set default address", readOnly: false, destructive: false, idempotent: true },
    run: ({ address_id }, { db, userId }) => {
      const address = requireAddress(db, userId, address_id);
      setDefaultAddress(db, userId, address_id);
      return { message: `"${address.label}" is now your default address.`, addresses: listAddresses(db, userId) };
    },
  }),
};
