import { describe, expect, it } from "vitest";

import { safeNext } from "./next";

describe("safeNext", () => {
  it("returns to a path of the console", () => {
    expect(safeNext("/orders/5?tab=lines")).toBe("/orders/5?tab=lines");
  });

  it("refuses other sites, the login page itself and nonsense", () => {
    for (const bad of ["//evil.example", "https://evil.example/", "/login?next=/", undefined, 5]) {
      expect(safeNext(bad)).toBe("/");
    }
  });
});
