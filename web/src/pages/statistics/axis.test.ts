import { describe, expect, it } from "vitest";

import { amountAxis, countAxis, shareAxis } from "./axis";

const NBSP = "\u00a0";

describe("the charts' value axes", () => {
  it("counts on whole ticks only, from 0", () => {
    const axis = countAxis([1, 3, 2]);
    expect(axis.ticks).toEqual([0, 1, 2, 3]);
    expect(axis.domain).toEqual([0, 3]);
    expect(axis.allowDecimals).toBe(false);
    expect(axis.ticks.every(Number.isInteger)).toBe(true);
    const big = countAxis([12_500, 7]);
    expect(big.ticks.every(Number.isInteger)).toBe(true);
    expect(big.ticks.at(-1)).toBeGreaterThanOrEqual(12_500);
    expect(big.tickFormatter(10_000)).toBe(`10${NBSP}000`);
  });

  it("never spans −0.04 to 0.04 around an empty or all-zero series", () => {
    for (const values of [[], [0, 0, 0], [null, undefined], [Number.NaN]]) {
      const axis = countAxis(values);
      expect(axis.domain).toEqual([0, 1]);
      expect(axis.ticks).toEqual([0, 1]);
      expect(axis.ticks.map(axis.tickFormatter)).toEqual(["0", "1"]);
    }
    const amounts = amountAxis([0]);
    expect(amounts.domain[0]).toBe(0);
    expect(amounts.domain[1]).toBeGreaterThan(0);
    expect(amounts.ticks.every((t) => t >= 0)).toBe(true);
  });

  it("writes shares as whole percent, «33 %»", () => {
    const axis = shareAxis();
    expect(axis.domain).toEqual([0, 1]);
    expect(axis.ticks.map(axis.tickFormatter)).toEqual(["0 %", "20 %", "40 %", "60 %", "80 %", "100 %"].map((t) => t.replace(" ", NBSP)));
    expect(axis.tickFormatter(1 / 3)).toBe(`33${NBSP}%`);
  });

  it("gives amounts round ticks, with a decimal only below one", () => {
    expect(amountAxis([1234.5]).ticks).toEqual([0, 500, 1000, 1500]);
    const hours = amountAxis([0.5]);
    expect(hours.ticks).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5]);
    expect(hours.tickFormatter(0.3)).toBe("0,3");
  });
});
