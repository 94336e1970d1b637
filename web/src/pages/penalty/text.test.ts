import { describe, expect, it } from "vitest";

import { penaltyText, percent } from "./text";

describe("the penalty calculation as text for a letter", () => {
  it("writes one line per period and the total, in the letter's words", () => {
    const text = penaltyText(
      {
        method: "key_rate",
        accrues_from: "2025-01-10",
        total: "1234.56",
        days: 40,
        periods: [
          { from: "2025-01-10", to: "2025-01-31", days: 22, principal: "100000.00", rate_percent: "21.00", days_in_year: 365, amount: "1265.75" },
        ],
        excluded: [],
        uncapped_total: "1234.56",
        cap_amount: null,
        key_rate_total: null,
        unconfirmed_rates: [],
      },
      "100000.00",
    );
    const lines = text.split("\n");
    expect(lines[0]).toBe("Расчёт процентов за пользование чужими денежными средствами (ст. 395 ГК РФ)");
    expect(lines[3]).toBe("10.01.2025 – 31.01.2025\t22\t100\u00a0000,00\u00a0₽\t21\u00a0%\t365\t1\u00a0265,75\u00a0₽");
    expect(lines.at(-1)).toBe("Итого: 1\u00a0234,56\u00a0₽ за 40 дн.");
  });

  it("writes a rate without trailing zeros", () => {
    expect(percent("0.1000")).toBe("0,1\u00a0%");
    expect(percent("7.50")).toBe("7,5\u00a0%");
    expect(percent("100")).toBe("100\u00a0%");
  });
});
