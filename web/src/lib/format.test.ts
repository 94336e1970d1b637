import { afterEach, describe, expect, it } from "vitest";

import {
  formatDate,
  formatDateTime,
  formatMoney,
  formatTime,
  fromZonedInput,
  parseMoney,
  plural,
  setTimeZone,
  timeZone,
  toZonedInput,
} from "./format";

const NBSP = "\u00a0";
const spaced = (s: string) => s.replaceAll(" ", NBSP);

describe("formatMoney", () => {
  it("writes money as the department does", () => {
    expect(formatMoney("1960.00")).toBe(spaced("1 960,00 ₽"));
    expect(formatMoney("1960")).toBe(spaced("1 960,00 ₽"));
    expect(formatMoney("0.5")).toBe(spaced("0,50 ₽"));
    expect(formatMoney("1234567.89")).toBe(spaced("1 234 567,89 ₽"));
    expect(formatMoney(12.3)).toBe(spaced("12,30 ₽"));
  });

  it("rounds half up from the digits, without floats", () => {
    expect(formatMoney("0.005")).toBe(spaced("0,01 ₽"));
    expect(formatMoney("0.004")).toBe(spaced("0,00 ₽"));
    expect(formatMoney("999.995")).toBe(spaced("1 000,00 ₽"));
    expect(formatMoney("90071992547409931.01")).toBe(spaced("90 071 992 547 409 931,01 ₽"));
  });

  it("signs a negative sum and leaves a missing one as a dash", () => {
    expect(formatMoney("-1960.5")).toBe(spaced("−1 960,50 ₽"));
    expect(formatMoney("-0.001")).toBe(spaced("0,00 ₽"));
    expect(formatMoney(null)).toBe("—");
    expect(formatMoney("")).toBe("—");
  });
});

describe("the company's published zone", () => {
  afterEach(() => setTimeZone("Europe/Moscow"));

  it("shows every date and time in the zone the API publishes", () => {
    setTimeZone("Asia/Vladivostok");
    expect(timeZone()).toBe("Asia/Vladivostok");
    expect(formatDate("2026-12-06T15:00:00Z")).toBe("07.12.2026");
    expect(formatDateTime("2026-12-06T15:00:00Z")).toBe("07.12.2026, 01:00");
    expect(formatTime("2026-12-06T15:00:00Z")).toBe("01:00");
    expect(toZonedInput("2026-12-06T15:00:00Z")).toBe("2026-12-07T01:00");
    expect(fromZonedInput("2026-12-07T01:00")).toBe("2026-12-06T15:00:00.000Z");
  });
});

describe("dates", () => {
  it("shows instants in Moscow time, ru-RU", () => {
    expect(formatDate("2026-12-06T21:30:00Z")).toBe("07.12.2026");
    expect(formatDateTime("2026-12-07T06:05:00Z")).toBe("07.12.2026, 09:05");
  });

  it("round-trips a datetime-local value through the department's zone", () => {
    expect(toZonedInput("2026-12-07T06:05:00Z")).toBe("2026-12-07T09:05");
    expect(fromZonedInput("2026-12-07T09:05")).toBe("2026-12-07T06:05:00.000Z");
  });
});

describe("plural", () => {
  it("picks the Russian form", () => {
    const forms = ["задача", "задачи", "задач"] as const;
    expect([1, 2, 5, 11, 21, 22, 25, 112].map((n) => plural(n, forms))).toEqual([
      "задача",
      "задачи",
      "задач",
      "задач",
      "задача",
      "задачи",
      "задач",
      "задач",
    ]);
  });
});

describe("parseMoney", () => {
  it("reads a sum typed the Russian way", () => {
    expect(parseMoney("1 960,50")).toBe("1960.50");
    expect(parseMoney(`1${NBSP}960,5 ₽`)).toBe("1960.50");
    expect(parseMoney("1960.5")).toBe("1960.50");
    expect(parseMoney("007")).toBe("7.00");
  });
  it("refuses what is not rubles and kopecks", () => {
    for (const bad of ["", "12,345", "1,960,50", "-5", "1e3", "сто"]) expect(parseMoney(bad)).toBeNull();
  });
});
