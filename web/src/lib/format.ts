// One place for how the console writes money, dates and times: ru-RU, in the department's zone.

/**
 * The department's time zone: the API publishes it (`GET /reference/company`), and the console
 * reads it once after login (useCompany) before any page formats a date. Moscow until then.
 */
let zone = "Europe/Moscow";

/** The zone every date and time is shown in. */
export function timeZone(): string {
  return zone;
}

/** Show every date and time in ``name`` from now on (the company's published zone). */
export function setTimeZone(name: string): void {
  if (name === zone) return;
  zone = name;
  [dateFormat, timeFormat] = formatsOf(zone);
}

const NBSP = "\u00a0";

/**
 * Money as the department writes it: «1 960,00 ₽». The API sends money as a decimal string; it is
 * formatted from its digits (never through a float), rounded half up to kopecks.
 */
export function formatMoney(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === "") return "—";
  const text = typeof value === "number" ? value.toFixed(2) : value.trim();
  const match = /^([+-]?)(\d+)(?:\.(\d*))?$/.exec(text);
  if (!match) return text;
  const negative = match[1] === "-";
  let whole = (match[2] ?? "0").replace(/^0+(?=\d)/, "");
  const fraction = (match[3] ?? "").padEnd(3, "0");
  let kopecks = Number(fraction.slice(0, 2));
  if (Number(fraction[2]) >= 5) kopecks += 1; // half up, on the magnitude
  if (kopecks === 100) {
    kopecks = 0;
    whole = addOne(whole);
  }
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, NBSP);
  const zero = /^0+$/.test(whole) && kopecks === 0;
  return `${negative && !zero ? "−" : ""}${grouped},${String(kopecks).padStart(2, "0")}${NBSP}₽`;
}

function addOne(digits: string): string {
  const out = digits.split("");
  for (let i = out.length - 1; i >= 0; i -= 1) {
    if (out[i] === "9") {
      out[i] = "0";
    } else {
      out[i] = String(Number(out[i]) + 1);
      return out.join("");
    }
  }
  return `1${out.join("")}`;
}

function formatsOf(timeZone: string): [Intl.DateTimeFormat, Intl.DateTimeFormat] {
  return [
    new Intl.DateTimeFormat("ru-RU", { timeZone, day: "2-digit", month: "2-digit", year: "numeric" }),
    new Intl.DateTimeFormat("ru-RU", { timeZone, hour: "2-digit", minute: "2-digit" }),
  ];
}
let [dateFormat, timeFormat] = formatsOf(zone);

/** «07.12.2026» in the department's zone. */
export function formatDate(value: string | Date | null | undefined): string {
  if (!value) return "—";
  return dateFormat.format(new Date(value));
}

/** «07.12.2026, 14:30» in the department's zone. */
export function formatDateTime(value: string | Date | null | undefined): string {
  if (!value) return "—";
  const when = new Date(value);
  return `${dateFormat.format(when)}, ${timeFormat.format(when)}`;
}

/** «14:30» in the department's zone. */
export function formatTime(value: string | Date | null | undefined): string {
  if (!value) return "—";
  return timeFormat.format(new Date(value));
}

/**
 * The wall-clock date and time in the department's zone as `YYYY-MM-DDTHH:mm`, for a
 * datetime-local input; and back, from such a value to an ISO instant.
 */
export function toZonedInput(value: string | Date): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-GB", {
      timeZone: zone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    })
      .formatToParts(new Date(value))
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}

export function fromZonedInput(local: string): string {
  // The zone's offset at that moment: guess with UTC, then correct by the difference once more
  // (enough for zones whose offset does not change within a day of the guess).
  const asUtc = Date.parse(`${local}:00Z`);
  const offset = (instant: number) => Date.parse(`${toZonedInput(new Date(instant))}:00Z`) - instant;
  let guess = asUtc - offset(asUtc);
  guess = asUtc - offset(guess);
  return new Date(guess).toISOString();
}

/** Russian plural: plural(3, ["задача", "задачи", "задач"]) → «задачи». */
export function plural(n: number, forms: readonly [string, string, string]): string {
  const mod10 = n % 10;
  const mod100 = n % 100;
  if (mod10 === 1 && mod100 !== 11) return forms[0];
  if (mod10 >= 2 && mod10 <= 4 && (mod100 < 12 || mod100 > 14)) return forms[1];
  return forms[2];
}

/** A share (0..1) as whole percent, the Russian way: 0.333 → «33 %» (a no-break space before %). */
export function formatPercent(share: number | null | undefined): string {
  if (share === null || share === undefined || !Number.isFinite(share)) return "—";
  return `${Math.round(share * 100)}${NBSP}%`;
}

/** A calendar date of the API (`YYYY-MM-DD`) as «07.12.2026», whatever the zone. */
export function formatDay(value: string | null | undefined): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value ?? "");
  return match ? `${match[3]}.${match[2]}.${match[1]}` : "—";
}

/** Today in the department's zone, as the API writes a date (`YYYY-MM-DD`). */
export function todayIso(): string {
  return toZonedInput(new Date()).slice(0, 10);
}

/**
 * A sum typed the Russian way — «1 960,50», «1960.5», «1 960 ₽», «750 000 руб.» — as the API's
 * decimal string («1960.50»), or null when it is not a sum of rubles and kopecks.
 */
export function parseMoney(input: string): string | null {
  const rubles = parseDecimal(input.replace(/[\s\u00a0\u202f₽]/g, "").replace(/руб\.?$/i, ""), 2);
  if (rubles === null) return null;
  const [whole, fraction = ""] = rubles.split(".");
  return `${whole}.${fraction.padEnd(2, "0")}`;
}

/**
 * A number typed the Russian way — «0,05», «1 200,5» — as the API's decimal string («0.05»,
 * «1200.5»), its fraction as typed; null when it is not a number at or above zero with at most
 * ``places`` decimals (a rate of 0.0333 % a day wants 4, a percent of a sum 2).
 */
export function parseDecimal(input: string, places: number): string | null {
  const compact = input.replace(/[\s\u00a0\u202f]/g, "");
  const match = new RegExp(`^(\\d{1,13})(?:[.,](\\d{1,${places}}))?$`).exec(compact);
  if (!match) return null;
  const whole = (match[1] ?? "0").replace(/^0+(?=\d)/, "");
  return match[2] === undefined ? whole : `${whole}.${match[2]}`;
}
