import type { IssueType, Priority, Status } from "../lib/index.ts";

/** Where a generated issue lives: a completed sprint (0 = older), the active or next sprint, or no sprint. */
export type Bucket = "done0" | "done1" | "active" | "next" | "backlog";

/** Facts pinned by hand (tasks rely on them); everything left out is drawn at random. */
export type Fixed = {
  bucket?: Bucket;
  status?: Status;
  priority?: Priority;
  assignee?: number | null;
  reporter?: number;
  points?: number | null;
  due?: string | null;
  created?: string;
  description?: string;
  resolution?: "done" | "wont_do" | "duplicate" | "obsolete";
};
export type IssueSpec = Fixed & { type: IssueType; title: string; labels: string[]; subtasks?: string[] };
export type EpicSpec = { title: string; description: string; status: Status; children: IssueSpec[] };
export type SprintSpec = { name: string; goal: string; start: string; end: string };
export type ProjectSpec = {
  key: string;
  name: string;
  description: string;
  team: string;
  lead: number;
  board: "scrum" | "kanban";
  created: string;
  assignable: number[];
  sprints: { done: SprintSpec[]; active?: SprintSpec; next?: SprintSpec };
  epics: EpicSpec[];
  issues: IssueSpec[];
};

const spec =
  (type: IssueType) =>
  (title: string, labels = "", fixed: Fixed & { subtasks?: string[] } = {}): IssueSpec => ({
    type,
    title,
    labels: labels.split(" ").filter(Boolean),
    ...fixed,
  });
const bug = spec("bug");
const story = spec("story");
const task = spec("task");

// [username, name, title, timezone, active]
export const USERS: [string, string, string, string, number][] = [
  ["alex.rivera", "Alex Rivera", "Staff Software Engineer", "America/New_York", 1],
  ["priya.shah", "Priya Shah", "Senior Frontend Engineer", "Europe/London", 1],
  ["marcus.chen", "Marcus Chen", "Frontend Engineer", "America/Los_Angeles", 1],
  ["sofia.rossi", "Sofia Rossi", "Frontend Engineer", "Europe/Rome", 1],
  ["liam.obrien", "Liam O'Brien", "UI Engineer", "Europe/Dublin", 1],
  ["hannah.mueller", "Hannah Müller", "Platform Engineering Lead", "Europe/Berlin", 1],
  ["daniel.kim", "Daniel Kim", "Site Reliability Engineer", "Asia/Seoul", 1],
  ["fatima.alsayed", "Fatima Al-Sayed", "Backend Engineer", "Asia/Dubai", 1],
  ["tom.becker", "Tom Becker", "Backend Engineer", "Europe/Berlin", 1],
  ["yuki.tanaka", "Yuki Tanaka", "Mobile Engineering Lead", "Asia/Tokyo", 1],
  ["carlos.mendoza", "Carlos Mendoza", "iOS Engineer", "America/Mexico_City", 1],
  ["emma.wilson", "Emma Wilson", "Android Engineer", "Europe/London", 1],
  ["noah.johnson", "Noah Johnson", "Mobile Engineer", "America/Chicago", 1],
  ["grace.lee", "Grace Lee", "Product Manager", "America/New_York", 1],
  ["ben.carter", "Ben Carter", "QA Engineer", "America/Denver", 1],
  ["olivia.brown", "Olivia Brown", "Product Designer", "Europe/London", 1],
  ["ravi.patel", "Ravi Patel", "Backend Engineer (former)", "Asia/Kolkata", 0],
];

// [key, name, description, [userId, role][]]
export const TEAMS: [string, string, string, [number, "lead" | "member"][]][] = [
  [
    "WEBT",
    "Web",
    "Builds the customer-facing web app.",
    [
      [1, "lead"],
      [2, "member"],
      [3, "member"],
      [4, "member"],
      [5, "member"],
    ],
  ],
  [
    "PLAT",
    "Platform",
    "Owns the public API, data and infrastructure.",
    [
      [6, "lead"],
      [7, "member"],
      [8, "member"],
      [9, "member"],
      [1, "member"],
      [15, "member"],
    ],
  ],
  [
    "MOBT",
    "Mobile",
    "Ships the iOS and Android apps.",
    [
      [10, "lead"],
      [11, "member"],
      [12, "member"],
      [13, "member"],
      [15, "member"],
      [16, "member"],
    ],
  ],
];

// [name, color, description]
export const LABELS: [string, string, string][] = [
  ["frontend", "#3b82f6", "Web UI work"],
  ["backend", "#10b981", "Server-side work"],
  ["ux", "#a855f7", "User experience and visual polish"],
  ["performance", "#f59e0b", "Speed, memory or load"],
  ["security", "#ef4444", "Security-sensitive; follow the disclosure policy"],
  ["accessibility", "#6366f1", "WCAG and assistive technology"],
  ["tech-debt", "#78716c", "Refactoring and cleanup"],
  ["customer-reported", "#ec4899", "Raised by a customer through support"],
  ["duplicate", "#9ca3af", "Suspected duplicate of another issue"],
  ["needs-triage", "#facc15", "Not yet reviewed by the team lead"],
  ["documentation", "#0ea5e9", "Docs, guides and changelogs"],
  ["regression", "#dc2626", "Worked before, broken now"],
  ["ios", "#111827", "iOS app"],
  ["android", "#22c55e", "Android app"],
  ["flaky-test", "#fb923c", "Intermittently failing test"],
  ["infra-cost", "#14b8a6", "Cloud spend reduction"],
];

// [from, to, transition name]: done is only reachable through review.
export const TRANSITIONS: [Status, Status, string][] = [
  ["backlog", "todo", "Move to To Do"],
  ["backlog", "cancelled", "Cancel"],
  ["todo", "in_progress", "Start progress"],
  ["todo", "backlog", "Move to Backlog"],
  ["todo", "cancelled", "Cancel"],
  ["in_progress", "in_review", "Request review"],
  ["in_progress", "todo", "Stop progress"],
  ["in_progress", "cancelled", "Cancel"],
  ["in_review", "done", "Approve and close"],
  ["in_review", "in_progress", "Request changes"],
  ["in_review", "cancelled", "Cancel"],
  ["done", "todo", "Reopen"],
  ["cancelled", "backlog", "Restore"],
];

export const COMMENTS = [
  "I can reproduce this on staging.",
  "Looking into it today.",
  "PR is up for review.",
  "Blocked on design feedback, will pick it back up after the review.",
  "Confirmed fixed on staging.",
  "Customer followed up about this again through support.",
  "Can we get a screen recording of this?",
  "Bumped the estimate after looking at the code, it touches more than expected.",
  "Added tests covering the edge case.",
  "QA passed on the release candidate.",
  "Deployed behind a feature flag, rolling out to 10% first.",
  "Not a priority this quarter, but let's keep it in the backlog.",
  "Root cause is in the shared component; the fix should cover the other screens too.",
  "I paired with QA on this, the repro only happens with a cold cache.",
  "Design is final, see the linked Figma file.",
  "Moved from the previous sprint, we ran out of capacity.",
];

const LIAM = 5,
  ALEX = 1;

export const PROJECTS: ProjectSpec[] = [
  {
    key: "WEB",
    name: "Web App",
    team: "WEBT",
    lead: 1,
    board: "scrum",
    created: "2025-09-01T14:00:00Z",
    description: "The customer-facing invoicing dashboard at app.lumen.io.",
    assignable: [1, 2, 3, 4],
    sprints: {
      done: [
        { name: "WEB Sprint 22", goal: "Ship the accessibility quick wins", start: "2025-12-01", end: "2025-12-14" },
        { name: "WEB Sprint 23", goal: "Checkout redesign beta", start: "2025-12-15", end: "2026-01-04" },
      ],
      active: {
        name: "WEB Sprint 24",
        goal: "Dashboard performance and checkout GA",
        start: "2026-01-05",
        end: "2026-01-18",
      },
      next: { name: "WEB Sprint 25", goal: "Two-factor authentication", start: "2026-01-19", end: "2026-02-01" },
    },
    epics: [
      {
        title: "Checkout redesign",
        status: "in_progress",
        description:
          "Rebuild checkout as a single page with clearer pricing and more payment methods. Target: +5% conversion.",
        children: [
          story("Redesign plan selection step", "ux frontend"),
          story("Show tax breakdown before payment", "frontend"),
          bug("Checkout button unresponsive after applying coupon", "customer-reported frontend", {
            bucket: "active",
            status: "in_review",
            priority: "high",
            assignee: 3,
          }),
          task("Add analytics events to checkout funnel", "frontend"),
          bug("Currency symbol wrong for CHF in order summary", "frontend"),
          story("Support Apple Pay on web checkout", "frontend", {
            bucket: "next",
            status: "todo",
            priority: "high",
            assignee: 2,
            points: 8,
          }),
          task("A/B test single-page checkout", "frontend"),
        ],
      },
      {
        title: "Accessibility compliance (WCAG 2.2 AA)",
        status: "in_progress",
        description: "Close the gaps found in the October accessibility audit before the enterprise renewal.",
        children: [
          bug("Focus trap missing in invoice modal", "accessibility"),
          bug("Insufficient colour contrast on secondary buttons", "accessibility ux"),
          task("Add skip-to-content link", "accessibility", { bucket: "done0" }),
          story("Keyboard navigation for data tables", "accessibility"),
          task("Audit form labels with axe-core", "accessibility"),
          bug("Screen reader announces date picker twice", "accessibility"),
        ],
      },
      {
        title: "Dashboard performance",
        status: "in_progress",
        description: "Dashboard p75 load time under 2 s for accounts with 10k+ invoices.",
        children: [
          task("Virtualize invoice list rendering", "performance frontend"),
          bug("Dashboard takes 8s to load for accounts with 10k invoices", "performance customer-reported", {
            bucket: "active",
            status: "in_progress",
            priority: "urgent",
            assignee: 2,
          }),
          task("Code-split the reports module", "performance"),
          task("Replace moment.js with date-fns", "tech-debt performance", {
            bucket: "active",
            status: "todo",
            priority: "medium",
            assignee: ALEX,
            points: 3,
            due: "2026-01-09",
          }),
          story("Cache dashboard widgets for 60 seconds", "performance"),
          bug("Memory leak when switching between report tabs", "performance"),
        ],
      },
    ],
    issues: [
      bug("Password reset email link expires immediately", "security customer-reported", {
        bucket: "active",
        status: "todo",
        priority: "urgent",
        assignee: 2,
      }),
      bug("CSV export drops rows with unicode names", "customer-reported", {
        bucket: "backlog",
        status: "backlog",
        priority: "high",
        assignee: null,
      }),
      story("Dark mode for the web app", "ux frontend", {
        subtasks: ["Define dark palette design tokens", "Theme switcher in settings"],
      }),
      bug("Tooltip overlaps navigation on small screens", "ux", {
        bucket: "active",
        status: "todo",
        priority: "low",
        assignee: LIAM,
        points: 1,
      }),
      task("Upgrade React to 19", "tech-debt frontend"),
      task("Migrate remaining class components to hooks", "tech-debt", {
        bucket: "active",
        status: "in_progress",
        priority: "medium",
        assignee: ALEX,
        points: 5,
      }),
      bug("Invoice PDF preview blank in Firefox", "frontend"),
      story("Bulk-archive invoices", "frontend"),
      bug("Search results flicker while typing", "frontend"),
      bug("Session expires without warning during long edits", "ux"),
      story("Saved filters on the invoices page", "frontend"),
      task("Remove legacy feature flags from 2024", "tech-debt", {
        bucket: "done1",
        status: "done",
        assignee: ALEX,
        due: "2025-12-20",
      }),
      bug("Date filter ignores account timezone", "customer-reported"),
      story("Inline editing of customer contact details", "frontend"),
      bug("Logo upload fails for SVG files", "frontend", {
        bucket: "active",
        status: "in_progress",
        priority: "medium",
        assignee: LIAM,
        points: 2,
      }),
      task("Write Storybook stories for form components", "documentation"),
      bug("Duplicate toast notifications after saving settings", "ux", {
        bucket: "done1",
        status: "done",
        assignee: LIAM,
      }),
      story("Two-factor authentication setup page", "security frontend", {
        bucket: "next",
        status: "todo",
        priority: "high",
        assignee: 4,
        points: 8,
        subtasks: ["Design 2FA enrollment screens", "Implement TOTP verification form", "Recovery codes download"],
      }),
      bug("Broken layout on the billing page in Safari 17", "frontend", {
        bucket: "backlog",
        status: "backlog",
        priority: "medium",
        assignee: LIAM,
        points: 2,
      }),
      bug("Notifications badge count never resets", "regression", {
        bucket: "done0",
        status: "done",
        priority: "medium",
        assignee: 3,
        points: 2,
      }),
      bug("Sorting by amount treats values as strings", "regression"),
      story("Onboarding checklist for new workspaces", "ux"),
      task("Document the design token naming scheme", "documentation", {
        bucket: "active",
        status: "todo",
        priority: "low",
        assignee: ALEX,
        points: 1,
        due: "2026-01-15",
      }),
      bug("Sidebar collapses on every page navigation", "needs-triage", {
        bucket: "backlog",
        status: "backlog",
        priority: "low",
        assignee: null,
      }),
      bug("Copy link button does nothing in embedded view", "needs-triage", {
        bucket: "backlog",
        status: "backlog",
        priority: "low",
        assignee: null,
      }),
      story("Export reports to XLSX", ""),
      bug("Error page shows raw stack trace", "security", {
        bucket: "backlog",
        status: "todo",
        priority: "high",
        assignee: null,
        points: 2,
      }),
      task("Consolidate duplicate button components", "tech-debt"),
      bug("Pagination resets when changing page size", "frontend", {
        bucket: "backlog",
        status: "backlog",
        priority: "medium",
        assignee: null,
        points: 1,
      }),
      bug("Avatar images not cached", "performance", {
        bucket: "backlog",
        status: "backlog",
        priority: "none",
        assignee: null,
      }),
      story("Customer portal branding settings", "ux", {
        bucket: "next",
        status: "todo",
        priority: "medium",
        assignee: LIAM,
        points: 5,
      }),
      task("Set up visual regression tests with Chromatic", "flaky-test"),
      bug("Checkout button does nothing after applying a coupon", "duplicate customer-reported", {
        bucket: "backlog",
        status: "todo",
        priority: "medium",
        assignee: ALEX,
        reporter: 14,
      }),
      bug("Search box flickers on every keystroke", "duplicate", {
        bucket: "backlog",
        status: "backlog",
        priority: "low",
        assignee: ALEX,
        reporter: 15,
      }),
      bug("Date range picker uses browser timezone", "duplicate", {
        bucket: "backlog",
        status: "cancelled",
        resolution: "duplicate",
        assignee: ALEX,
      }),
      bug("Invoice totals off by one cent with 3 line items", "customer-reported"),
      task("Add Playwright smoke test for login", "flaky-test"),
      story("Empty states for reports with no data", "ux"),
      bug("Print stylesheet cuts off invoice footer", "frontend"),
      task("Remove jQuery from the settings page", "tech-debt"),
      story("Keyboard shortcuts cheat sheet", "ux accessibility"),
      bug("Unsaved-changes dialog appears after saving", "regression"),
    ],
  },
  {
    key: "API",
    name: "Public API",
    team: "PLAT",
    lead: 6,
    board: "scrum",
    created: "2025-08-15T10:00:00Z",
    description: "REST API and webhooks used by customers and the Lumen apps.",
    assignable: [6, 7, 8, 9, 1],
    sprints: {
      done: [
        { name: "API Sprint 14", goal: "Webhook retries", start: "2025-12-08", end: "2025-12-21" },
        { name: "API Sprint 15", goal: "Holiday stability sprint", start: "2025-12-22", end: "2026-01-11" },
      ],
      active: {
        name: "API Sprint 16",
        goal: "Cursor pagination and OAuth scopes",
        start: "2026-01-12",
        end: "2026-01-25",
      },
      next: { name: "API Sprint 17", goal: "Idempotency and bulk endpoints", start: "2026-01-26", end: "2026-02-08" },
    },
    epics: [
      {
        title: "API v2 pagination",
        status: "in_progress",
        description: "Replace offset pagination with opaque cursors on every list endpoint.",
        children: [
          story("Cursor-based pagination for /invoices", "backend", {
            bucket: "active",
            status: "in_progress",
            priority: "high",
            assignee: 8,
            points: 5,
          }),
          story("Cursor-based pagination for /customers", "backend"),
          task("Deprecation headers for offset pagination", "documentation"),
          bug("next_cursor returned on the last page", "backend"),
          task("Update SDKs for cursor pagination", ""),
        ],
      },
      {
        title: "Webhooks reliability",
        status: "in_progress",
        description: "No lost or duplicated webhook deliveries; self-serve delivery logs.",
        children: [
          story("Retry failed webhook deliveries with exponential backoff", "backend", {
            bucket: "done0",
            status: "done",
            assignee: 9,
            subtasks: ["Configurable backoff schedule", "Retry worker with jitter"],
          }),
          bug("Webhook signatures fail when payload contains emoji", "customer-reported backend", {
            bucket: "done1",
            status: "done",
            assignee: 8,
          }),
          story("Webhook delivery logs in the dashboard", ""),
          task("Dead-letter queue for undeliverable webhooks", "backend"),
          bug("Duplicate invoice.paid events sent on retry", "customer-reported"),
          task("Load-test webhook dispatcher at 2k events/s", "performance"),
        ],
      },
      {
        title: "OAuth scopes",
        status: "in_progress",
        description: "Fine-grained scopes so integrations get least-privilege tokens.",
        children: [
          story("Fine-grained OAuth scopes for read/write", "security", { bucket: "active" }),
          task("Scope enforcement middleware", "security backend", {
            bucket: "active",
            status: "todo",
            priority: "high",
            assignee: 6,
            points: 5,
          }),
          bug("Refresh token accepted after revocation", "security", {
            bucket: "active",
            status: "in_progress",
            priority: "high",
            assignee: 8,
            points: 3,
          }),
          task("Document scope migration guide", "documentation"),
          story("Admin UI to rotate API keys", "security", { bucket: "done1", status: "done", assignee: 9 }),
        ],
      },
    ],
    issues: [
      bug("500 on GET /invoices when filter contains a comma", "customer-reported"),
      bug("Rate limit headers missing on 429 responses", "backend", {
        bucket: "backlog",
        status: "backlog",
        priority: "medium",
      }),
      bug("Rate limiter counts OPTIONS preflight requests", "backend", {
        bucket: "backlog",
        status: "todo",
        priority: "low",
      }),
      story("Idempotency keys for POST endpoints", "backend", {
        bucket: "next",
        status: "todo",
        priority: "high",
        assignee: 9,
        points: 8,
        subtasks: ["Store idempotency keys in Redis", "Return the cached response for repeated keys"],
      }),
      bug("Timezone offset lost when serializing due_date", "backend"),
      task("Upgrade Postgres driver to v3", "tech-debt"),
      bug("PATCH /customers clears fields not present in body", "regression customer-reported"),
      task("Remove deprecated /v1/reports endpoints", "tech-debt"),
      story("Bulk create invoices endpoint", "backend", { bucket: "next" }),
      bug("OpenAPI spec lists wrong type for amount", "documentation"),
      task("Add request-id to all error responses", "backend", {
        bucket: "active",
        status: "in_progress",
        priority: "medium",
        assignee: 9,
        points: 2,
      }),
      bug("Slow query on /payments?status=failed", "performance"),
      story("Expose credit notes via the API", "backend", {
        bucket: "active",
        status: "todo",
        priority: "medium",
        assignee: 7,
        points: 5,
      }),
      bug("API key last-used timestamp never updates", ""),
      task("Rotate signing keys for JWT", "security", {
        bucket: "active",
        status: "in_progress",
        priority: "medium",
        assignee: ALEX,
        points: 3,
        due: "2026-01-12",
      }),
      bug("Search endpoint ignores locale for accents", "needs-triage"),
      task("Fix flaky contract test test_invoice_totals", "flaky-test", { assignee: 15 }),
      task("Fix flaky integration test for webhook ordering", "flaky-test"),
      bug("CORS preflight fails for custom headers", "needs-triage"),
      story("Sandbox environment reset endpoint", ""),
      task("Add p99 latency SLO dashboard", "performance"),
      bug("Currency rounding differs between API and PDF", "customer-reported"),
      bug("SQL injection risk in legacy sort parameter", "security", {
        bucket: "active",
        status: "in_review",
        priority: "urgent",
        assignee: 6,
        points: 2,
      }),
      task("Audit logging for admin API calls", "security", {
        bucket: "backlog",
        status: "backlog",
        priority: "low",
        assignee: null,
      }),
      bug("Retry-After header in seconds vs milliseconds mismatch", "backend", {
        bucket: "backlog",
        status: "backlog",
        priority: "medium",
      }),
      task("Write changelog for the 2026.01 release", "documentation"),
      bug("Webhook signature check fails with emoji in customer name", "duplicate customer-reported", {
        bucket: "active",
        status: "in_progress",
        priority: "medium",
        assignee: ALEX,
        reporter: 14,
        points: 1,
      }),
      story("GraphQL read-only endpoint spike", ""),
      bug("Customer email uniqueness check is case-sensitive", "backend"),
      task("Archive request logs older than 90 days", "infra-cost"),
      bug("Invoice number sequence skips after failed insert", "backend"),
    ],
  },
  {
    key: "MOB",
    name: "Mobile App",
    team: "MOBT",
    lead: 10,
    board: "scrum",
    created: "2025-09-10T09:00:00Z",
    description: "The Lumen iOS and Android apps.",
    assignable: [10, 11, 12, 13],
    sprints: {
      done: [{ name: "MOB Sprint 8", goal: "Push notifications MVP", start: "2025-12-08", end: "2025-12-28" }],
      active: { name: "MOB Sprint 9", goal: "Release 4.2 and offline drafts", start: "2025-12-29", end: "2026-01-18" },
      next: { name: "MOB Sprint 10", goal: "Offline sync and biometrics", start: "2026-01-19", end: "2026-02-08" },
    },
    epics: [
      {
        title: "Offline mode",
        status: "in_progress",
        description: "Create and edit invoices without a connection; sync safely when back online.",
        children: [
          story("Queue invoice edits while offline", ""),
          story("Sync conflict resolution screen", "ux"),
          bug("Offline banner stays after reconnecting", "android"),
          task("Persist drafts in encrypted local storage", "security"),
          bug("App crashes when sync resumes with an expired token", "ios"),
        ],
      },
      {
        title: "Push notifications",
        status: "in_progress",
        description: "Timely, configurable notifications for payments and reminders.",
        children: [
          story("Payment received push notification", "", { bucket: "done0", status: "done", assignee: 11 }),
          task("Migrate to FCM HTTP v1 API", "android"),
          bug("Notifications not delivered on iOS 18 in Focus mode", "ios"),
          story("Notification preferences screen", "ux"),
          bug("Tapping a notification opens the wrong invoice", ""),
        ],
      },
      {
        title: "App Store release 4.2",
        status: "in_progress",
        description: "Everything needed to ship 4.2 to both stores by January 20.",
        children: [
          task("Prepare App Store screenshots", "ios", { assignee: 16 }),
          task("Update privacy nutrition labels", "ios", {
            bucket: "active",
            status: "in_review",
            priority: "high",
            assignee: 11,
            points: 1,
          }),
          task("Bump targetSdk to 35", "android", {
            bucket: "active",
            status: "done",
            priority: "high",
            assignee: 12,
            points: 2,
          }),
          bug("Release build crashes on Android 8 devices", "android regression", {
            bucket: "active",
            status: "in_progress",
            priority: "urgent",
            assignee: 12,
            points: 3,
          }),
          task("Write release notes for 4.2", "documentation", {
            bucket: "active",
            status: "todo",
            priority: "medium",
            assignee: 10,
            points: 1,
          }),
        ],
      },
    ],
    issues: [
      bug("Keyboard covers the amount field on small iPhones", "ios ux", {
        bucket: "active",
        status: "in_progress",
        priority: "high",
        assignee: 11,
        points: 2,
      }),
      bug("Pull-to-refresh spinner never stops", "android", {
        bucket: "active",
        status: "todo",
        priority: "medium",
        assignee: 13,
        points: 3,
      }),
      story("Face ID and fingerprint login", "security", {
        bucket: "next",
        status: "todo",
        priority: "high",
        assignee: 11,
        points: 8,
        subtasks: ["iOS: LocalAuthentication integration", "Android: BiometricPrompt integration"],
      }),
      bug("Dark mode text unreadable on invoice detail", "ux"),
      task("Adopt Swift concurrency in the networking layer", "ios tech-debt"),
      task("Migrate Android settings screens to Jetpack Compose", "android tech-debt"),
      bug("Image attachments upload twice on slow networks", ""),
      story("Scan receipts with the camera", ""),
      bug("Currency picker search is case-sensitive", ""),
      bug("App freezes when opening a 200-page PDF", "performance"),
      task("Reduce app bundle size below 40 MB", "performance"),
      bug("Crash on launch for users with emoji in workspace name", "customer-reported ios"),
      story("Home screen widget for outstanding balance", "ios"),
      bug("Back button exits the app from the invoice list", "android"),
      task("Set up Crashlytics alerts for new crash clusters", ""),
      bug("SSO login fails on Android 14", "android customer-reported"),
      task("Fix flaky UI test for the invoice creation flow", "flaky-test", { assignee: 15 }),
      bug("Totals row misaligned in landscape", "ux needs-triage", {
        bucket: "backlog",
        status: "backlog",
        priority: "none",
        assignee: null,
      }),
      story("Share invoice as PDF from the app", ""),
      bug("Haptics fire twice on payment success", "ios needs-triage", {
        bucket: "backlog",
        status: "backlog",
        priority: "low",
        assignee: null,
      }),
      story("Tablet layout for the invoice list", "ux"),
      task("Localize the app into German and French", ""),
      bug("Date picker shows US format for UK users", "needs-triage", {
        bucket: "backlog",
        status: "backlog",
        priority: "none",
        assignee: null,
      }),
      task("Accessibility labels for all icon buttons", "accessibility"),
      story("Show credit notes on the invoice detail screen", "", {
        bucket: "next",
        status: "todo",
        priority: "medium",
        assignee: 13,
        points: 3,
      }),
      bug("Refresh spinner keeps spinning forever", "duplicate android", {
        bucket: "backlog",
        status: "todo",
        priority: "low",
        assignee: 12,
      }),
      story("Localize the app into Spanish", "", {
        bucket: "backlog",
        status: "backlog",
        priority: "medium",
        assignee: null,
        reporter: ALEX,
        points: null,
        due: null,
        created: "2026-01-13T15:02:11Z",
        description:
          "Translate all app strings into Spanish (es-ES and es-MX) and add the locale to the language picker.",
      }),
      story("Localize the app into Spanish", "", {
        bucket: "backlog",
        status: "backlog",
        priority: "medium",
        assignee: null,
        reporter: ALEX,
        points: null,
        due: null,
        created: "2026-01-13T15:03:40Z",
        description:
          "Translate all app strings into Spanish (es-ES and es-MX) and add the locale to the language picker.",
      }),
    ],
  },
  {
    key: "INFRA",
    name: "Infrastructure",
    team: "PLAT",
    lead: 7,
    board: "kanban",
    created: "2025-07-01T08:00:00Z",
    description: "Cloud infrastructure, CI/CD, observability and on-call. Runs as a kanban board without sprints.",
    assignable: [6, 7, 8, 9],
    sprints: { done: [] },
    epics: [
      {
        title: "Cloud cost reduction 2026",
        status: "in_progress",
        description: "Cut monthly cloud spend by 20% without hurting SLOs.",
        children: [
          task("Right-size production node pools", "infra-cost"),
          task("Delete unused EBS volumes", "infra-cost"),
          task("Enable autoscaling for the worker queue", "infra-cost"),
          task("Consolidate logging to one vendor", "infra-cost"),
          task("Archive S3 buckets from the 2023 migration", "infra-cost"),
          task("Auto-shutdown staging environments at night", "infra-cost"),
          task("Move load balancer access logs to cold storage", "infra-cost"),
        ],
      },
      {
        title: "Security hardening",
        status: "todo",
        description: "Findings from the 2025 penetration test and SOC 2 audit.",
        children: [
          task("Rotate TLS certificates before the March expiry", "security"),
          task("Enforce MFA on cloud console accounts", "security", {
            status: "in_progress",
            priority: "urgent",
            assignee: 7,
          }),
          task("Container image vulnerability scanning in CI", "security"),
          task("Migrate secrets to the managed secrets store", "security"),
        ],
      },
    ],
    issues: [
      task("Upgrade Kubernetes clusters to 1.31", ""),
      task("Move staging database to managed Postgres", ""),
      bug("Nightly backup job fails on weekends", "", { status: "todo", priority: "high", assignee: null }),
      task("Reduce CI build time below 10 minutes", "performance"),
      bug("Disk pressure alerts on logging nodes", ""),
      task("Migrate Terraform state to a remote backend", ""),
      bug("Grafana dashboards missing data after upgrade", "regression"),
      task("Set up the on-call rotation in PagerDuty", ""),
      task("Document the incident response runbook", "documentation"),
      bug("DNS resolution timeouts in eu-west-1", "", { status: "in_progress", priority: "urgent", assignee: 7 }),
      bug("Helm upgrade times out in the deploy pipeline", "flaky-test"),
      task("Blue/green deploys for the API", ""),
      bug("Redis eviction storms during peak hours", "performance"),
      bug("Cron jobs run twice after the DST change", ""),
      task("Upgrade Node.js base images to 22", "tech-debt"),
      task("Disaster recovery drill for Q1", ""),
      bug("VPN drops every 8 hours", "needs-triage"),
      task("Synthetic monitoring for checkout", ""),
      task("Postgres 17 upgrade plan", "documentation"),
    ],
  },
];
