import { describe, expect, it } from "vitest";

import { validateOrdersSearch } from "./search";

describe("the list's filters in the address", () => {
  it("keeps the filters it knows", () => {
    expect(
      validateOrdersSearch({
        status: "accepted",
        channel: "paper",
        client: "12",
        assistant: 7,
        from: "2026-12-01",
        to: "2026-12-07",
        q: " куртки ",
      }),
    ).toEqual({
      status: "accepted",
      channel: "paper",
      client: 12,
      assistant: 7,
      from: "2026-12-01",
      to: "2026-12-07",
      q: "куртки",
    });
  });

  it("drops what is not one of them", () => {
    expect(
      validateOrdersSearch({ status: "lost", channel: 3, client: "abc", assistant: -1, from: "7.12.2026", q: "  " }),
    ).toEqual({});
    expect(validateOrdersSearch({ q: 1234 })).toEqual({ q: "1234" });
    expect(validateOrdersSearch({ status: "constructor", channel: "toString" })).toEqual({});
  });
});
