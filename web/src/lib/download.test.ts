import { describe, expect, it } from "vitest";

import { dispositionName } from "./download";

describe("dispositionName", () => {
  it("reads the UTF-8 name the API sends", () => {
    expect(dispositionName("attachment; filename*=UTF-8''%D0%A1%D1%87%D1%91%D1%82-17.xlsx", "x.xlsx")).toBe("Счёт-17.xlsx");
  });
  it("reads a plain quoted name", () => {
    expect(dispositionName('attachment; filename="order-5.xlsx"', "x.xlsx")).toBe("order-5.xlsx");
  });
  it("falls back without a header or with a broken name", () => {
    expect(dispositionName(null, "order-5.xlsx")).toBe("order-5.xlsx");
    expect(dispositionName("attachment; filename*=UTF-8''%E0%A4%A", "order-5.xlsx")).toBe("order-5.xlsx");
  });
});
