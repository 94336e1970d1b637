// The Russian Post's item identifier (ШПИ) checked as it is typed, by the API's rule
// (app/adapters/post/barcodes.py): 14 digits for a domestic item, whose last is a check digit
// (the digits in odd places count three times, the others once; the check digit brings the sum
// to a multiple of ten), or the UPU S10 form for an international one (RA123456785RU).

const S10_WEIGHTS = [8, 6, 4, 2, 3, 5, 9, 7];

/** Upper case without spaces or dashes, as the API reads it. */
export function normalizePostal(raw: string): string {
  return raw.replace(/[\s-]+/g, "").toUpperCase();
}

/** The check digit of a domestic identifier's first 13 digits. */
export function domesticCheckDigit(digits: string): number {
  let total = 0;
  for (let i = 0; i < digits.length; i += 1) total += Number(digits[i]) * (i % 2 === 0 ? 3 : 1);
  return (10 - (total % 10)) % 10;
}

/** The UPU S10 check digit of an 8-digit serial. */
export function s10CheckDigit(serial: string): number {
  let total = 0;
  for (let i = 0; i < 8; i += 1) total += Number(serial[i]) * (S10_WEIGHTS[i] ?? 0);
  const check = 11 - (total % 11);
  return check === 10 ? 0 : check === 11 ? 5 : check;
}

export type PostalCheck = { ok: true } | { ok: false; complete: boolean; reason: string };

/** Whether the identifier typed so far is a valid one; an incomplete one says what is missing. */
export function checkPostal(raw: string): PostalCheck {
  const value = normalizePostal(raw);
  if (value === "") return { ok: false, complete: false, reason: "Введите 14 цифр почтового идентификатора" };
  if (/^\d+$/.test(value)) {
    if (value.length < 14) return { ok: false, complete: false, reason: `Ещё ${14 - value.length} из 14 цифр` };
    if (value.length > 14) return { ok: false, complete: true, reason: "Больше 14 цифр" };
    const expected = domesticCheckDigit(value.slice(0, 13));
    if (Number(value[13]) !== expected) {
      return { ok: false, complete: true, reason: `Неверная контрольная цифра: последней должна быть ${expected}` };
    }
    return { ok: true };
  }
  const s10 = /^([A-Z]{2})(\d{8})(\d)([A-Z]{2})$/.exec(value);
  if (s10) {
    const expected = s10CheckDigit(s10[2] ?? "");
    if (Number(s10[3]) !== expected) {
      return { ok: false, complete: true, reason: `Неверная контрольная цифра: на 11-м месте должна быть ${expected}` };
    }
    return { ok: true };
  }
  if (/^[A-Z]{0,2}\d{0,9}[A-Z]?$/.test(value) && value.length < 13) {
    return { ok: false, complete: false, reason: "Международный номер: две буквы, 9 цифр, две буквы" };
  }
  return { ok: false, complete: true, reason: "Не похоже на ШПИ: 14 цифр или вида RA123456785RU" };
}
