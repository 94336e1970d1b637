import { describe, expect, it } from "vitest";

import { parseDecimal, parseMoney } from "./format";

describe("parseMoney, as sums are typed: the credit limit, the penalty calculator, a proposal's prices", () => {
  it("reads rubles as the department types them", () => {
    expect(parseMoney("1 960,50")).toBe("1960.50");
    expect(parseMoney("1\u00a0960,5 ₽")).toBe("1960.50");
    expect(parseMoney("750000")).toBe("750000.00");
    expect(parseMoney("0012.3")).toBe("12.30");
    expect(parseMoney("100\u202f000,00 руб.")).toBe("100000.00");
    expect(parseMoney(" 40 000 руб ")).toBe("40000.00");
  });

  it("refuses what is no amount", () => {
    expect(parseMoney("")).toBeNull();
    expect(parseMoney("1,2,3")).toBeNull();
    expect(parseMoney("12,345")).toBeNull();
    expect(parseMoney("-5")).toBeNull();
    expect(parseMoney("сто")).toBeNull();
    expect(parseMoney("5 %")).toBeNull();
  });
});

describe("parseDecimal, as rates and percents are typed", () => {
  it("keeps the fraction as typed, up to the places asked", () => {
    expect(parseDecimal("0,1", 4)).toBe("0.1");
    expect(parseDecimal("0,0333", 4)).toBe("0.0333");
    expect(parseDecimal("1 200,5", 2)).toBe("1200.5");
    expect(parseDecimal("025", 2)).toBe("25");
  });

  it("refuses more places, signs, currency and words", () => {
    expect(parseDecimal("0,00001", 4)).toBeNull();
    expect(parseDecimal("12,345", 2)).toBeNull();
    expect(parseDecimal("-1", 2)).toBeNull();
    expect(parseDecimal("5 ₽", 2)).toBeNull();
    expect(parseDecimal("", 2)).toBeNull();
    expect(parseDecimal("1.2.3", 2)).toBeNull();
  });
});
