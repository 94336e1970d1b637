import { describe, expect, it } from "vitest";

import { parseMoney as rublesOf } from "./format";

describe("parseMoney, as the credit limit is typed", () => {
  it("reads rubles as the department types them", () => {
    expect(rublesOf("1 960,50")).toBe("1960.50");
    expect(rublesOf("1\u00a0960,5 ₽")).toBe("1960.50");
    expect(rublesOf("750000")).toBe("750000.00");
    expect(rublesOf("0012.3")).toBe("12.30");
  });

  it("refuses what is no amount", () => {
    expect(rublesOf("")).toBeNull();
    expect(rublesOf("1,2,3")).toBeNull();
    expect(rublesOf("12,345")).toBeNull();
    expect(rublesOf("-5")).toBeNull();
    expect(rublesOf("сто")).toBeNull();
  });
});
