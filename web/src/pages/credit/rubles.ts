/**
 * An amount typed the way the department writes it («1 960,50», «1960.5», «750 000 ₽») as the
 * API's decimal string («1960.50»); null when it is no amount of rubles and kopecks.
 */
export function rublesOf(typed: string): string | null {
  const compact = typed.replace(/[\s\u00a0\u202f₽]/g, "").replace(/руб\.?$/i, "");
  const match = /^(\d{1,10})(?:[.,](\d{1,2}))?$/.exec(compact);
  if (!match) return null;
  const whole = (match[1] ?? "0").replace(/^0+(?=\d)/, "");
  return `${whole}.${(match[2] ?? "").padEnd(2, "0")}`;
}
