import type { components } from "../../api/schema";
import { formatMoney } from "../../lib/format";
import { formatDay } from "../receivables/days";

type Result = components["schemas"]["PenaltyResult"];

/** «16» → «16 %», «0.1» → «0,1 %». */
export function percent(rate: string): string {
  const short = rate.includes(".") ? rate.replace(/0+$/, "").replace(/\.$/, "") : rate;
  return `${short.replace(".", ",")}\u00a0%`;
}

/** The calculation as a letter quotes it: a heading, one line per period, the total. */
export function penaltyText(result: Result, principal: string): string {
  const heading =
    result.method === "key_rate"
      ? "Расчёт процентов за пользование чужими денежными средствами (ст. 395 ГК РФ)"
      : "Расчёт неустойки по договору";
  const lines = [
    heading,
    `Сумма долга: ${formatMoney(principal)}; просрочка с ${formatDay(result.accrues_from)}.`,
    result.method === "key_rate"
      ? "Период\tДней\tЗадолженность\tСтавка\tДней в году\tПроценты"
      : "Период\tДней\tЗадолженность\tСтавка в день\tНеустойка",
  ];
  for (const p of result.periods) {
    const span = `${formatDay(p.from)} – ${formatDay(p.to)}`;
    lines.push(
      result.method === "key_rate"
        ? [span, p.days, formatMoney(p.principal), percent(p.rate_percent), p.days_in_year ?? "", formatMoney(p.amount)].join("\t")
        : [span, p.days, formatMoney(p.principal), percent(p.rate_percent), formatMoney(p.amount)].join("\t"),
    );
  }
  for (const e of result.excluded) {
    lines.push(`${formatDay(e.from)} – ${formatDay(e.to)}\t${e.days}\tмораторий (постановление Правительства РФ № 497), не начисляется`);
  }
  if (result.cap_amount !== null && result.total !== result.uncapped_total) {
    lines.push(`Неустойка ограничена договором: не более ${formatMoney(result.cap_amount)}.`);
  }
  lines.push(`Итого: ${formatMoney(result.total)} за ${result.days} дн.`);
  return lines.join("\n");
}
