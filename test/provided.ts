/** What the Node global setups hand the workerd tests; declared once, for both sides to import. */

/** The fake policy servers the workerd tests talk to: base URLs ending in /v1. */
export interface FakePolicies {
  /** A task prompt the servers hold a solution for. */
  task: string;
  /** Plays the task's solution, never fails. */
  clean: string;
  /** Slow, fails half its requests (429 or 500) and answers a fifth with garbage; seeded. */
  faulty: string;
  /** The same faults from the same seed, so a test can replay faulty's sequence exactly. */
  faultyTwin: string;
  /** Faults like faulty's from another seed, for tests that only need rollouts to take a while: faulty and its
   * twin must see exactly one test's requests, or their sequences part. */
  busy: string;
  /** Answers only after 10 s. */
  slow: string;
  /** Answers every completion 500. */
  failing: string;
  /** Plays the reference solution of every task of the lab test environment. */
  lab: string;
  /** Plays the reference solution of every task of the shop example: multi-turn, with token ids. */
  shop: string;
  /** A judge that says completed exactly when the verifier facts say complete. */
  judge: string;
  /** A judge that always says partially. */
  judgePartial: string;
}

/** A webhook receiver: POST <url>/<name> fails the first `failures` attempts of each delivery, GET lists the rest. */
export interface WebhookReceiver {
  url: string;
  failures: number;
}

declare module "vitest" {
  export interface ProvidedContext {
    fakePolicies: FakePolicies;
    webhook: WebhookReceiver;
  }
}
