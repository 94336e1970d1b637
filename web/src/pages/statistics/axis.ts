// The value axis of the console's charts, so that they read as the department counts:
// counts on whole numbers, shares as «33 %», money in roubles, and an axis from 0 even when a
// series is empty (never recharts' own −0.04…0.04 around nothing).

import { formatPercent } from "../../lib/format";

export type ValueAxis = {
  domain: [number, number];
  ticks: number[];
  allowDecimals: boolean;
  tickFormatter: (value: number) => string;
};

const NBSP = "\u00a0";
const grouped = new Intl.NumberFormat("ru-RU", { maximumFractionDigits: 0 });

/** A step of 1, 2 or 5 times a power of ten, at least ``least``, giving about ``target`` steps to ``top``. */
function niceStep(top: number, target: number, least: number): number {
  const raw = Math.max(top / target, least);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw - 1e-9) ?? 10 * power;
  return Math.max(step, least);
}

function ticksTo(top: number, step: number): number[] {
  const end = Math.ceil(top / step - 1e-9) * step;
  const out: number[] = [];
  for (let v = 0; v <= end + step / 2; v += step) out.push(Math.round(v * 1e6) / 1e6);
  return out;
}

/** The largest value drawn, or 0 for none (negative, missing and non-finite values count as 0). */
function largest(values: readonly (number | null | undefined)[]): number {
  return values.reduce<number>((m, v) => (typeof v === "number" && Number.isFinite(v) && v > m ? v : m), 0);
}

/** Counts: whole ticks from 0 (0 and 1 when there is nothing to count). */
export function countAxis(values: readonly (number | null | undefined)[], target = 5): ValueAxis {
  const step = niceStep(Math.max(largest(values), 1), target, 1);
  const ticks = ticksTo(Math.max(largest(values), 1), step);
  return {
    domain: [0, ticks[ticks.length - 1] ?? 1],
    ticks,
    allowDecimals: false,
    tickFormatter: (v) => grouped.format(v).replace(/\s/g, NBSP),
  };
}

/** Shares (0..1): from 0 to 100 % in fifths, written «40 %». */
export function shareAxis(): ValueAxis {
  const ticks = [0, 0.2, 0.4, 0.6, 0.8, 1];
  return { domain: [0, 1], ticks, allowDecimals: true, tickFormatter: (v) => formatPercent(v) };
}

/** Amounts (roubles, hours): round ticks from 0, never below (0 and 1 when all are zero). */
export function amountAxis(values: readonly (number | null | undefined)[], target = 5): ValueAxis {
  const top = largest(values) > 0 ? largest(values) : 1;
  const step = niceStep(top, target, top >= target ? 1 : 0.1);
  const ticks = ticksTo(top, step);
  const whole = step >= 1;
  const format = new Intl.NumberFormat("ru-RU", { maximumFractionDigits: whole ? 0 : 1 });
  return {
    domain: [0, ticks[ticks.length - 1] ?? 1],
    ticks,
    allowDecimals: !whole,
    tickFormatter: (v) => format.format(v).replace(/\s/g, NBSP),
  };
}
