import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { DebouncedFilter, leavesPage } from "./debouncedFilter";

describe("a typed filter", () => {
  let filter: DebouncedFilter;
  let applied: string[];

  beforeEach(() => {
    vi.useFakeTimers();
    filter = new DebouncedFilter("", 300);
    applied = [];
    filter.subscribe(() => applied.push(filter.get()));
  });
  afterEach(() => vi.useRealTimers());

  it("is applied once the typing pauses, the last text only", () => {
    filter.set("и");
    vi.advanceTimersByTime(200);
    filter.set("ив");
    vi.advanceTimersByTime(299);
    expect(applied).toEqual([]);
    expect(filter.pending).toBe(true);
    vi.advanceTimersByTime(1);
    expect(applied).toEqual(["ив"]);
    expect(filter.pending).toBe(false);
  });

  it("is applied at once on Enter, and not again after the pause", () => {
    filter.set("ivanov");
    filter.flush();
    expect(applied).toEqual(["ivanov"]);
    vi.advanceTimersByTime(1000);
    expect(applied).toEqual(["ivanov"]);
  });

  it("is dropped when the list is left: nothing moves the list after a row was opened", () => {
    filter.set("ivanov");
    vi.advanceTimersByTime(100);
    filter.cancel();
    vi.advanceTimersByTime(1000);
    expect(applied).toEqual([]);
    expect(filter.get()).toBe("");
    expect(filter.pending).toBe(false);
  });

  it("waits while the pointer is pressed on the list, and a full pause after the press", () => {
    filter.set("ivanov");
    vi.advanceTimersByTime(250);
    filter.hold();
    vi.advanceTimersByTime(1000);
    expect(applied).toEqual([]); // the rows under the pointer stay where they are
    filter.release();
    vi.advanceTimersByTime(299);
    expect(applied).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(applied).toEqual(["ivanov"]);
  });

  it("is not applied after a press whose click left the list", () => {
    filter.set("ivanov");
    filter.hold();
    filter.cancel(); // the click opened a row
    filter.release();
    vi.advanceTimersByTime(1000);
    expect(applied).toEqual([]);
  });

  it("typed back to what is applied is nothing pending", () => {
    filter.set("a");
    vi.advanceTimersByTime(300);
    filter.set("ab");
    filter.set("a");
    expect(filter.pending).toBe(false);
    vi.advanceTimersByTime(1000);
    expect(applied).toEqual(["a"]);
  });
});

describe("leaving the list's page", () => {
  it("is a navigation to another path, not a filter of the same list", () => {
    expect(leavesPage("/orders", "/orders/12")).toBe(true);
    expect(leavesPage("/mail", "/mail/3")).toBe(true);
    expect(leavesPage("/orders", "/clients")).toBe(true);
    expect(leavesPage("/orders", "/orders")).toBe(false);
    expect(leavesPage(undefined, "/orders")).toBe(false);
  });
});
