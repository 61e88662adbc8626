import type { Db, SeedRandom } from "worldfarm/sdk";
import {
  DELIVERY_DAYS,
  addDays,
  evaluateCoupon,
  orderTotals,
  refundCents,
  type Coupon,
  type ShippingSpeed,
} from "../lib/pricing.ts";
import { ADDRESS_COLUMNS, COUPON_SELECT, PRODUCT_SELECT, type AddressRow, type ProductRow } from "../lib/queries.ts";
import { findProduct } from "./catalog.ts";
import { ADDRESSES, CARDS, USERS } from "./people.ts";
import { at } from "./time.ts";

type Status = "pending" | "processing" | "shipped" | "delivered" | "cancelled";

type OrderSpec = {
  user: number;
  address: number;
  card: number;
  placed: string;
  status: Status;
  /** [product name, quantity] */
  items: [string, number][];
  speed: ShippingSpeed;
  coupon?: string;
  carrier?: string;
  shipped?: string;
  delivered?: string;
  cancelled?: string;
  cancelReason?: string;
};

/** The logged-in customer's history (addresses 1-3 and cards 1-4 are Alex's); several tasks are about these orders. */
const ALEX_ORDERS: OrderSpec[] = [
  {
    user: 1,
    address: 1,
    card: 1,
    placed: "2025-02-11T18:24:00Z",
    status: "delivered",
    speed: "standard",
    coupon: "WELCOME15",
    items: [
      ["12-Inch Pre-Seasoned Cast Iron Skillet", 1],
      ["Salt, Fat, Acid, Heat (Hardcover)", 1],
    ],
    carrier: "USPS",
    shipped: "2025-02-12T10:05:00Z",
    delivered: "2025-02-15T15:10:00Z",
  },
  {
    user: 1,
    address: 1,
    card: 2,
    placed: "2025-03-28T20:05:00Z",
    status: "delivered",
    speed: "express",
    items: [["WH-1000XM5 Wireless Noise Canceling Headphones", 1]],
    carrier: "UPS",
    shipped: "2025-03-29T09:40:00Z",
    delivered: "2025-03-31T13:22:00Z",
  },
  {
    user: 1,
    address: 1,
    card: 1,
    placed: "2025-05-19T12:40:00Z",
    status: "cancelled",
    speed: "standard",
    items: [["Catan Board Game (Base Game)", 1]],
    cancelled: "2025-05-19T13:02:00Z",
    cancelReason: "Ordered by mistake",
  },
  {
    user: 1,
    address: 1,
    card: 1,
    placed: "2025-07-04T09:15:00Z",
    status: "delivered",
    speed: "standard",
    coupon: "SAVE10",
    items: [
      ["Essentials Thick Yoga Mat, 10mm", 1],
      ["Cast Iron Kettlebell, 25 lb", 1],
      ["GRID Foam Roller, 13-inch", 1],
    ],
    carrier: "FedEx",
    shipped: "2025-07-05T08:30:00Z",
    delivered: "2025-07-09T17:45:00Z",
  },
  {
    user: 1,
    address: 3,
    card: 2,
    placed: "2025-08-22T16:30:00Z",
    status: "delivered",
    speed: "standard",
    items: [
      ["Sundome 4-Person Camping Tent", 1],
      ["Spot 400 Headlamp", 2],
    ],
    carrier: "UPS",
    shipped: "2025-08-23T11:10:00Z",
    delivered: "2025-08-27T14:05:00Z",
  },
  {
    user: 1,
    address: 1,
    card: 1,
    placed: "2025-10-14T11:00:00Z",
    status: "delivered",
    speed: "standard",
    items: [
      ["G2 Premium Gel Pens, Fine Point, 12-Pack", 2],
      ["Super Sticky Notes, 3x3 in, 24 Pads", 1],
      ["Spiral Notebooks, College Ruled, 5-Pack", 1],
    ],
    carrier: "Amazon Logistics",
    shipped: "2025-10-15T07:50:00Z",
    delivered: "2025-10-18T12:30:00Z",
  },
  {
    user: 1,
    address: 1,
    card: 1,
    placed: "2025-11-28T07:45:00Z",
    status: "delivered",
    speed: "express",
    items: [
      ["XPS 13 Laptop, Intel Core Ultra 7, 16GB RAM, 512GB SSD", 1],
      ["PowerCore 10000 Portable Charger", 1],
    ],
    carrier: "UPS",
    shipped: "2025-12-01T09:15:00Z",
    delivered: "2025-12-03T11:40:00Z",
  },
  {
    user: 1,
    address: 1,
    card: 1,
    placed: "2025-12-30T19:20:00Z",
    status: "delivered",
    speed: "standard",
    items: [
      ["Video Doorbell (2nd Gen)", 1],
      ["White and Color Ambiance A19 Starter Kit, 3 Bulbs", 1],
    ],
    carrier: "FedEx",
    shipped: "2026-01-02T08:00:00Z",
    delivered: "2026-01-08T16:45:00Z",
  },
  {
    user: 1,
    address: 1,
    card: 1,
    placed: "2026-01-10T14:10:00Z",
    status: "shipped",
    speed: "standard",
    items: [
      ["32 oz Wide Mouth Water Bottle", 1],
      ["Personal Water Filter", 2],
    ],
    carrier: "UPS",
    shipped: "2026-01-12T08:30:00Z",
  },
  {
    user: 1,
    address: 1,
    card: 2,
    placed: "2026-01-13T21:00:00Z",
    status: "processing",
    speed: "standard",
    items: [
      ["Project Hail Mary (Paperback)", 1],
      ["The Way of Kings (Hardcover)", 1],
    ],
  },
  {
    user: 1,
    address: 1,
    card: 1,
    placed: "2026-01-14T22:35:00Z",
    status: "pending",
    speed: "standard",
    items: [["AF101 Air Fryer, 4 Quart", 1]],
  },
];

const CARRIERS = ["UPS", "USPS", "FedEx", "Amazon Logistics"];
const HUBS = ["Oakland, CA", "Salt Lake City, UT", "Denver, CO", "Memphis, TN", "Louisville, KY", "Chicago, IL"];

/** A few orders for every other customer, so best-sellers and reviews have some history behind them. */
function otherOrders(rng: SeedRandom, products: ProductRow[]): OrderSpec[] {
  const specs: OrderSpec[] = [];
  const inStock = products.filter((p) => p.stock > 0);
  for (let user = 2; user <= USERS.length; user++) {
    const address = ADDRESSES.findIndex((a) => a.user === user && a.isDefault) + 1;
    const card = CARDS.findIndex((c) => c.user === user && c.isDefault) + 1;
    for (let n = rng.int(2, 4); n > 0; n--) {
      const placed = at("2025-01-03T07:00:00Z", rng.int(0, 374) * 24 + rng.int(0, 15) + rng.int(0, 59) / 60);
      const items = rng
        .shuffle(inStock)
        .slice(0, rng.int(1, 3))
        .map((p): [string, number] => [p.name, rng.next() < 0.2 ? 2 : 1]);
      const roll = rng.next();
      const speed: ShippingSpeed = roll < 0.75 ? "standard" : roll < 0.95 ? "express" : "next_day";
      const spec: OrderSpec = { user, address, card, placed, items, speed, status: "delivered" };
      const shipped = at(placed, 20 + rng.int(0, 30));
      const delivered = at(shipped, DELIVERY_DAYS[speed] * 24 + rng.int(-6, 6));
      if (placed >= "2026-01-12") {
        spec.status = rng.next() < 0.5 ? "pending" : "processing";
      } else if (placed < "2026-01-01" && rng.next() < 0.08) {
        Object.assign(spec, { status: "cancelled", cancelled: at(placed, 2), cancelReason: "Found a better price" });
      } else {
        Object.assign(spec, { carrier: rng.pick(CARRIERS), shipped });
        if (delivered < "2026-01-15") Object.assign(spec, { delivered });
        else spec.status = "shipped";
      }
      specs.push(spec);
    }
  }
  return specs;
}

function trackingNumber(rng: SeedRandom, carrier: string): string {
  const digits = (n: number) => Array.from({ length: n }, () => rng.int(0, 9)).join("");
  const alnum = (n: number) =>
    Array.from({ length: n }, () => rng.pick([..."ABCDEFGHJKLMNPRSTUVWXY0123456789"])).join("");
  if (carrier === "UPS") return `1Z${alnum(6)}${digits(10)}`;
  if (carrier === "USPS") return `9400${digits(18)}`;
  if (carrier === "FedEx") return digits(12);
  return `TBA${digits(12)}`;
}

export function insertOrders(db: Db, rng: SeedRandom): void {
  const products = db.query<ProductRow>(PRODUCT_SELECT);
  const specs = [...ALEX_ORDERS, ...otherOrders(rng, products)].sort(
    (a, b) => Date.parse(a.placed) - Date.parse(b.placed),
  );

  for (const spec of specs) {
    const lines = spec.items.map(([name, quantity]) => ({ ...findProduct(products, name), quantity }));
    const coupon = spec.coupon ? db.get<Coupon>(`${COUPON_SELECT} WHERE k.code = ?`, [spec.coupon]) : undefined;
    const discount = coupon
      ? evaluateCoupon(coupon, lines, spec.placed.slice(0, 10), false)
      : { discountCents: 0, problem: null };
    if (discount.problem) throw new Error(`seed: ${discount.problem}`);
    const totals = orderTotals(lines, discount.discountCents, spec.speed);
    const address = db.get<AddressRow>(`SELECT ${ADDRESS_COLUMNS} FROM addresses WHERE id = ?`, [spec.address]);
    const card = CARDS[spec.card - 1];
    if (!address || !card) throw new Error("seed: order refers to a missing address or card");

    const placed = at(spec.placed);
    const carrier = spec.carrier ?? null;
    const events: [status: string, description: string, location: string | null, at: string][] = [
      ["pending", "Order placed", null, placed],
    ];
    const warehouse =
      db.get<{ warehouse: string }>("SELECT warehouse FROM inventory WHERE product_id = ?", [lines[0]?.id ?? 0])
        ?.warehouse ?? null;
    if (spec.status !== "pending" && spec.status !== "cancelled") {
      events.push(["processing", "Preparing for shipment", warehouse, at(placed, 3)]);
    }
    if (spec.shipped) {
      events.push(["shipped", `Shipped with ${carrier}`, warehouse, at(spec.shipped)]);
      events.push(["in_transit", "In transit", rng.pick(HUBS), at(spec.shipped, 20)]);
    }
    if (spec.delivered)
      events.push(["delivered", "Delivered", `${address.city}, ${address.state}`, at(spec.delivered)]);
    if (spec.cancelled) events.push(["cancelled", `Order cancelled: ${spec.cancelReason}`, null, at(spec.cancelled)]);

    const eta = spec.delivered
      ? spec.delivered.slice(0, 10)
      : addDays(spec.shipped ?? spec.placed, DELIVERY_DAYS[spec.speed] + 1);
    const order = db.run(
      `INSERT INTO orders (order_number, user_id, status, address_id, ship_name, ship_line1, ship_line2, ship_city, ship_state,
         ship_postal_code, ship_country, payment_method_id, payment_summary, coupon_id, shipping_speed, subtotal_cents,
         discount_cents, shipping_cents, tax_cents, total_cents, carrier, tracking_number, estimated_delivery, created_at,
         updated_at, shipped_at, delivered_at, cancelled_at, cancel_reason)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        `${rng.int(111, 114)}-${rng.int(1000000, 9999999)}-${rng.int(1000000, 9999999)}`,
        spec.user,
        spec.status,
        address.id,
        address.recipient_name,
        address.line1,
        address.line2,
        address.city,
        address.state,
        address.postal_code,
        address.country,
        spec.card,
        `${card.brand} ending in ${card.last4}`,
        coupon?.id ?? null,
        spec.speed,
        totals.subtotal,
        totals.discount,
        totals.shipping,
        totals.tax,
        totals.total,
        carrier,
        carrier ? trackingNumber(rng, carrier) : null,
        spec.cancelled ? null : eta,
        placed,
        events[events.length - 1]?.[3] ?? placed,
        spec.shipped ? at(spec.shipped) : null,
        spec.delivered ? at(spec.delivered) : null,
        spec.cancelled ? at(spec.cancelled) : null,
        spec.cancelReason ?? null,
      ],
    );
    for (const l of lines) {
      db.run(
        "INSERT INTO order_items (order_id, product_id, product_name, unit_price_cents, quantity) VALUES (?, ?, ?, ?, ?)",
        [order.lastRowId, l.id, l.name, l.price_cents, l.quantity],
      );
    }
    for (const [status, description, location, when] of events) {
      db.run("INSERT INTO order_events (order_id, status, description, location, created_at) VALUES (?, ?, ?, ?, ?)", [
        order.lastRowId,
        status,
        description,
        location,
        when,
      ]);
    }
  }
}

/** Past returns: Alex sent back the kettlebell, and two other customers returned something. */
export function insertReturns(db: Db): void {
  type Line = {
    order_id: number;
    item_id: number;
    user_id: number;
    product_name: string;
    unit_price_cents: number;
    subtotal_cents: number;
    discount_cents: number;
    tax_cents: number;
    delivered_at: string;
  };
  const delivered = db.query<Line>(
    `SELECT o.id AS order_id, oi.id AS item_id, o.user_id, oi.product_name, oi.unit_price_cents, o.subtotal_cents,
            o.discount_cents, o.tax_cents, o.delivered_at
     FROM order_items oi JOIN orders o ON o.id = oi.order_id
     WHERE o.status = 'delivered' ORDER BY o.created_at, oi.id`,
  );
  const alex = delivered.find((l) => l.user_id === 1 && l.product_name === "Cast Iron Kettlebell, 25 lb");
  const others = delivered.filter((l) => l.user_id !== 1);
  const picks: [Line | undefined, string, string, string | null][] = [
    [alex, "no_longer_needed", "refunded", "Too heavy for me, going with a lighter one."],
    [others[3], "defective", "refunded", "Stopped working after a week."],
    [others[others.length - 2], "wrong_item", "approved", "Received a different color than pictured."],
  ];
  for (const [line, reason, status, comment] of picks) {
    if (!line) throw new Error("seed: return refers to a missing order line");
    const requested = at(line.delivered_at, 24 * 6);
    db.run(
      `INSERT INTO returns (order_id, order_item_id, user_id, quantity, reason, comment, status, refund_cents, drop_off_by, created_at, updated_at)
       VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?)`,
      [
        line.order_id,
        line.item_id,
        line.user_id,
        reason,
        comment,
        status,
        refundCents(line.unit_price_cents, 1, line),
        addDays(requested, 14),
        requested,
        at(requested, 24 * 5),
      ],
    );
  }
}
