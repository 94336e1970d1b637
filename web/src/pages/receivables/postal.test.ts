import { describe, expect, it } from "vitest";

import { checkPostal, domesticCheckDigit, s10CheckDigit } from "./postal";

// The digits the API's own rule gives (app/adapters/post/barcodes.py) for the same inputs.
describe("the postal identifier", () => {
  it("computes the check digits as the API does", () => {
    expect(domesticCheckDigit("1010008765432")).toBe(9);
    expect(domesticCheckDigit("1623000123456")).toBe(7);
    expect(s10CheckDigit("12345678")).toBe(5);
  });

  it("takes a valid identifier however it is spaced", () => {
    expect(checkPostal("10100087654329")).toEqual({ ok: true });
    expect(checkPostal("101000 87 65432 9")).toEqual({ ok: true });
    expect(checkPostal("ra 123456785 ru")).toEqual({ ok: true });
  });

  it("says what is missing while it is typed, and a wrong check digit once complete", () => {
    expect(checkPostal("1010008")).toMatchObject({ ok: false, complete: false, reason: "Ещё 7 из 14 цифр" });
    expect(checkPostal("10100087654321")).toMatchObject({ ok: false, complete: true });
    expect(checkPostal("10100087654321").ok === false && checkPostal("10100087654321")).toMatchObject({
      reason: "Неверная контрольная цифра: последней должна быть 9",
    });
    expect(checkPostal("RA123456784RU")).toMatchObject({ ok: false, complete: true });
    expect(checkPostal("101000876543290")).toMatchObject({ ok: false, complete: true });
  });
});
