/** Customers, their addresses and cards. Rows are inserted in this order, so ids are 1-based positions. */

export const USERS = [
  { name: "Alex Morgan", email: "alex.morgan@example.com", phone: "(415) 555-0142", since: "2021-06-03T17:22:10Z" },
  { name: "Priya Patel", email: "priya.patel@example.com", phone: "(206) 555-0178", since: "2020-02-14T09:05:44Z" },
  { name: "Marcus Johnson", email: "marcus.j@example.com", phone: "(312) 555-0119", since: "2022-09-30T21:40:02Z" },
  { name: "Emily Chen", email: "emily.chen@example.com", phone: "(646) 555-0163", since: "2019-11-08T13:17:55Z" },
  { name: "Diego Hernandez", email: "diego.hernandez@example.com", phone: "(512) 555-0107", since: "2023-03-21T08:59:31Z" },
  { name: "Sarah O'Brien", email: "sarah.obrien@example.com", phone: "(617) 555-0185", since: "2021-12-01T19:03:12Z" },
  { name: "Kenji Watanabe", email: "kenji.w@example.com", phone: "(503) 555-0131", since: "2024-05-17T11:26:48Z" },
  { name: "Fatima Al-Sayed", email: "fatima.alsayed@example.com", phone: "(313) 555-0156", since: "2022-01-09T15:45:20Z" },
  { name: "Liam Novak", email: "liam.novak@example.com", phone: "(720) 555-0124", since: "2023-08-02T10:12:37Z" },
  { name: "Grace Kim", email: "grace.kim@example.com", phone: "(404) 555-0190", since: "2020-07-25T16:38:09Z" },
];

export type AddressSeed = {
  user: number; label: string; recipient: string; line1: string; line2: string | null;
  city: string; state: string; postal: string; isDefault: boolean;
};

export const ADDRESSES: AddressSeed[] = [
  { user: 1, label: "Home", recipient: "Alex Morgan", line1: "1450 Valencia St", line2: "Apt 3B", city: "San Francisco", state: "CA", postal: "94110", isDefault: true },
  { user: 1, label: "Office", recipient: "Alex Morgan", line1: "500 Howard St", line2: "Floor 4", city: "San Francisco", state: "CA", postal: "94105", isDefault: false },
  { user: 1, label: "Mom & Dad", recipient: "Linda Morgan", line1: "27 Maple Ridge Rd", line2: null, city: "Sacramento", state: "CA", postal: "95819", isDefault: false },
  { user: 2, label: "Home", recipient: "Priya Patel", line1: "2211 NE 65th St", line2: null, city: "Seattle", state: "WA", postal: "98115", isDefault: true },
  { user: 3, label: "Home", recipient: "Marcus Johnson", line1: "4820 S Dorchester Ave", line2: "Unit 2", city: "Chicago", state: "IL", postal: "60615", isDefault: true },
  { user: 3, label: "Work", recipient: "Marcus Johnson", line1: "233 S Wacker Dr", line2: "Suite 4400", city: "Chicago", state: "IL", postal: "60606", isDefault: false },
  { user: 4, label: "Home", recipient: "Emily Chen", line1: "310 E 82nd St", line2: "Apt 12C", city: "New York", state: "NY", postal: "10028", isDefault: true },
  { user: 5, label: "Home", recipient: "Diego Hernandez", line1: "1907 E Cesar Chavez St", line2: null, city: "Austin", state: "TX", postal: "78702", isDefault: true },
  { user: 6, label: "Home", recipient: "Sarah O'Brien", line1: "45 Commonwealth Ave", line2: "Apt 5", city: "Boston", state: "MA", postal: "02116", isDefault: true },
  { user: 6, label: "Cape house", recipient: "Sarah O'Brien", line1: "12 Shore Rd", line2: null, city: "Chatham", state: "MA", postal: "02633", isDefault: false },
  { user: 7, label: "Home", recipient: "Kenji Watanabe", line1: "3340 SE Belmont St", line2: null, city: "Portland", state: "OR", postal: "97214", isDefault: true },
  { user: 8, label: "Home", recipient: "Fatima Al-Sayed", line1: "15720 Michigan Ave", line2: null, city: "Dearborn", state: "MI", postal: "48126", isDefault: true },
  { user: 9, label: "Home", recipient: "Liam Novak", line1: "1600 Pearl St", line2: "Apt 308", city: "Boulder", state: "CO", postal: "80302", isDefault: true },
  { user: 10, label: "Home", recipient: "Grace Kim", line1: "880 Peachtree St NE", line2: "Apt 1704", city: "Atlanta", state: "GA", postal: "30309", isDefault: true },
  { user: 10, label: "Parents", recipient: "Daniel Kim", line1: "5120 Old Alabama Rd", line2: null, city: "Johns Creek", state: "GA", postal: "30022", isDefault: false },
];

export const CARDS = [
  { user: 1, brand: "Visa", last4: "4242", month: 8, year: 2028, isDefault: true, added: "2021-06-03T17:30:00Z" },
  { user: 1, brand: "Mastercard", last4: "5454", month: 3, year: 2027, isDefault: false, added: "2022-04-11T12:02:00Z" },
  { user: 1, brand: "American Express", last4: "1005", month: 11, year: 2025, isDefault: false, added: "2021-10-19T08:45:00Z" },
  { user: 1, brand: "Discover", last4: "1117", month: 6, year: 2024, isDefault: false, added: "2020-12-02T20:14:00Z" },
  { user: 2, brand: "Visa", last4: "1881", month: 1, year: 2029, isDefault: true, added: "2020-02-14T09:10:00Z" },
  { user: 3, brand: "Mastercard", last4: "4444", month: 9, year: 2027, isDefault: true, added: "2022-09-30T21:45:00Z" },
  { user: 3, brand: "Visa", last4: "0077", month: 5, year: 2026, isDefault: false, added: "2023-01-15T10:00:00Z" },
  { user: 4, brand: "American Express", last4: "8431", month: 12, year: 2027, isDefault: true, added: "2019-11-08T13:20:00Z" },
  { user: 5, brand: "Visa", last4: "3356", month: 7, year: 2026, isDefault: true, added: "2023-03-21T09:00:00Z" },
  { user: 6, brand: "Discover", last4: "9424", month: 2, year: 2028, isDefault: true, added: "2021-12-01T19:05:00Z" },
  { user: 7, brand: "Visa", last4: "6011", month: 10, year: 2030, isDefault: true, added: "2024-05-17T11:30:00Z" },
  { user: 8, brand: "Mastercard", last4: "2718", month: 4, year: 2027, isDefault: true, added: "2022-01-09T15:50:00Z" },
  { user: 9, brand: "Visa", last4: "5566", month: 11, year: 2028, isDefault: true, added: "2023-08-02T10:15:00Z" },
  { user: 10, brand: "Mastercard", last4: "3141", month: 6, year: 2029, isDefault: true, added: "2020-07-25T16:40:00Z" },
  { user: 10, brand: "Visa", last4: "7788", month: 8, year: 2025, isDefault: false, added: "2020-07-25T16:42:00Z" },
];

export const COUPONS = [
  { code: "SAVE10", description: "10% off orders of $25 or more", type: "percent", value: 10, min: 2500, category: null, starts: "2025-01-01", expires: "2026-12-31", limit: null, used: 1843, once: 0 },
  { code: "WELCOME15", description: "15% off your first order with this code, one use per customer", type: "percent", value: 15, min: 0, category: null, starts: "2024-01-01", expires: "2026-12-31", limit: null, used: 5120, once: 1 },
  { code: "TECH25", description: "$25 off $200 or more of Electronics", type: "fixed", value: 2500, min: 20000, category: "Electronics", starts: "2025-11-01", expires: "2026-03-31", limit: null, used: 412, once: 0 },
  { code: "KITCHEN20", description: "20% off $50 or more of Home & Kitchen items", type: "percent", value: 20, min: 5000, category: "Home & Kitchen", starts: "2026-01-01", expires: "2026-02-28", limit: null, used: 97, once: 0 },
  { code: "BOOKS5", description: "$5 off $20 or more of Books", type: "fixed", value: 500, min: 2000, category: "Books", starts: "2025-09-01", expires: "2026-06-30", limit: null, used: 264, once: 0 },
  { code: "OUTDOOR10", description: "$10 off $60 or more of Sports & Outdoors gear", type: "fixed", value: 1000, min: 6000, category: "Sports & Outdoors", starts: "2025-06-01", expires: "2026-06-30", limit: null, used: 188, once: 0 },
  { code: "HOLIDAY30", description: "30% off everything, holiday sale", type: "percent", value: 30, min: 0, category: null, starts: "2025-11-20", expires: "2025-12-31", limit: null, used: 9321, once: 0 },
  { code: "SPRING15", description: "15% off everything, spring sale", type: "percent", value: 15, min: 0, category: null, starts: "2026-03-01", expires: "2026-03-31", limit: null, used: 0, once: 0 },
  { code: "FLASH50", description: "$50 off orders of $150 or more, first 500 customers", type: "fixed", value: 5000, min: 15000, category: null, starts: "2026-01-05", expires: "2026-01-31", limit: 500, used: 500, once: 0 },
] as const;
