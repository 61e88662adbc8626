import { expect, it } from "vitest";
import { readVerdict } from "./judge.ts";

it("reads the judge's verdict, the last one when it changes its mind, and 'not' when it gives none", () => {
  expect(readVerdict("VERDICT: completed\nAll rows are there.")).toBe("completed");
  expect(readVerdict("verdict: Partially - one of two items")).toBe("partially");
  expect(readVerdict("VERDICT: completed... on reflection VERDICT: not")).toBe("not");
  expect(readVerdict("I think the agent did great!")).toBe("not");
});
