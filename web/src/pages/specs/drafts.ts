// A spec's details as the forms hold them (text, as typed or pasted) and as the API takes them.
import type { components } from "../../api/schema";
import { MEASURES, type MeasureKey } from "./labels";

type S = components["schemas"];
export type Kind = S["SpecKind"];
export type Details = S["LogoDetails"] | S["TailoringDetails"] | S["ManufacturingDetails"];

export type GarmentDraft = { name: string; color: string; size: string; quantity: string };
export type LogoDraft = {
  kind: "logo";
  placement: string;
  method: S["LogoMethod"] | null;
  colors: string[];
  width_mm: string;
  height_mm: string;
  garments: GarmentDraft[];
};
export type WearerDraft = Record<MeasureKey, string> & { name: string; quantity: string; note: string };
export type TailoringDraft = { kind: "tailoring"; model: string; fabric: string; color: string; wearers: WearerDraft[] };
export type ManufacturingDraft = {
  kind: "manufacturing";
  item: string;
  fabric: string;
  color: string;
  sizes: string[];
  heights: string[];
  /** Quantities by `size|height`. */
  quantities: Record<string, string>;
};
export type Draft = LogoDraft | TailoringDraft | ManufacturingDraft;

/** The columns of the wearers' table, in the order a spreadsheet's rows are read. */
export const WEARER_COLUMNS = ["name", ...MEASURES.map((m) => m.key), "quantity", "note"] as const;
export type WearerColumn = (typeof WEARER_COLUMNS)[number];

export function emptyWearer(): WearerDraft {
  return { name: "", height_cm: "", chest_cm: "", waist_cm: "", hips_cm: "", neck_cm: "", sleeve_cm: "", inseam_cm: "", quantity: "1", note: "" };
}

export function emptyDraft(kind: Kind): Draft {
  switch (kind) {
    case "logo":
      return { kind, placement: "", method: null, colors: [], width_mm: "", height_mm: "", garments: [{ name: "", color: "", size: "", quantity: "" }] };
    case "tailoring":
      return { kind, model: "", fabric: "", color: "", wearers: [emptyWearer()] };
    case "manufacturing":
      return { kind, item: "", fabric: "", color: "", sizes: ["48-50", "52-54"], heights: ["170-176", "182-188"], quantities: {} };
  }
}

const text = (v: unknown): string => (v === null || v === undefined ? "" : String(v));

/** The form's draft of details the API gave back (to edit them as the next revision). */
export function draftOf(details: Record<string, unknown>): Draft {
  const d = details as unknown as Details;
  switch (d.kind) {
    case "logo":
      return {
        kind: "logo",
        placement: d.placement,
        method: d.method,
        colors: [...d.colors],
        width_mm: text(d.width_mm),
        height_mm: text(d.height_mm),
        garments: d.garments.map((g) => ({ name: g.name, color: text(g.color), size: text(g.size), quantity: text(g.quantity) })),
      };
    case "tailoring":
      return {
        kind: "tailoring",
        model: d.model,
        fabric: d.fabric,
        color: d.color,
        wearers: d.wearers.map((w) => {
          const row = emptyWearer();
          for (const c of WEARER_COLUMNS) row[c] = c.endsWith("_cm") ? text(w[c]).replace(".", ",") : text(w[c]);
          return row;
        }),
      };
    case "manufacturing": {
      const sizes = [...new Set(d.grid.map((c) => c.size))];
      const heights = [...new Set(d.grid.map((c) => c.height))];
      const quantities: Record<string, string> = {};
      for (const c of d.grid) if (c.quantity) quantities[`${c.size}|${c.height}`] = String(c.quantity);
      return { kind: "manufacturing", item: d.item, fabric: d.fabric, color: d.color, sizes, heights, quantities };
    }
  }
}

/** A whole number typed in a cell (empty: null); NaN when it is not one. */
export function wholeNumber(value: string): number | null {
  const v = value.trim();
  if (!v) return null;
  return /^\d+$/.test(v) ? Number(v) : Number.NaN;
}

/** A measurement as the API takes it («92,5» → "92.5"), or null when the cell is empty. */
function centimetres(value: string): string | null {
  const v = value.trim().replace(",", ".");
  return v ? v : null;
}

/** What is wrong with one cell of the wearers' table, in Russian; null when it is right. */
export function wearerCellError(row: WearerDraft, column: WearerColumn): string | null {
  const value = row[column].trim();
  if (column === "name") return value ? (value.length > 200 ? "Слишком длинно" : null) : "Укажите ФИО";
  if (column === "note") return value.length > 200 ? "Слишком длинно" : null;
  if (column === "quantity") {
    const n = wholeNumber(value);
    return n === null ? "Укажите количество" : Number.isNaN(n) || n < 1 || n > 100_000 ? "Целое от 1" : null;
  }
  const measure = MEASURES.find((m) => m.key === column);
  if (!measure) return null;
  if (!value) return measure.required ? "Обязательная мерка" : null;
  const cm = value.replace(",", ".");
  if (!/^\d{1,3}(\.\d)?$/.test(cm)) return "Число в см, не больше одного знака после запятой";
  const n = Number(cm);
  return n < measure.min || n > measure.max ? `От ${measure.min} до ${measure.max} см` : null;
}

/** Every wrong cell of the table, by `row:column`. */
export function wearerErrors(rows: WearerDraft[]): Record<string, string> {
  const out: Record<string, string> = {};
  rows.forEach((row, i) => {
    for (const c of WEARER_COLUMNS) {
      const e = wearerCellError(row, c);
      if (e) out[`${i}:${c}`] = e;
    }
  });
  return out;
}

const isBlank = (row: WearerDraft) => WEARER_COLUMNS.every((c) => c === "quantity" || !row[c].trim());

/**
 * Rows copied from a spreadsheet (tab-separated, one wearer a line) into the table, from the cell
 * they are pasted in: the cells to its right and the rows below it are filled, the table grows as
 * needed. A header row (no measurement in it is a number) is left out.
 */
export function pasteWearers(rows: WearerDraft[], clipboard: string, atRow: number, atColumn: WearerColumn): WearerDraft[] {
  const lines = clipboard.replace(/\r\n?/g, "\n").replace(/\n+$/, "").split("\n");
  const start = WEARER_COLUMNS.indexOf(atColumn);
  // A header row: its measurement cells hold words only (a wrong measurement among numbers is a wearer's).
  const header = (cells: string[]) => {
    const measures = cells
      .filter((_, j) => WEARER_COLUMNS[start + j]?.endsWith("_cm"))
      .map((c) => c.trim())
      .filter(Boolean);
    return measures.length > 0 && measures.every((c) => !/^\d/.test(c));
  };
  const parsed = lines.map((l) => l.split("\t")).filter((cells, i) => !(i === 0 && header(cells)));
  const out = rows.map((r) => ({ ...r }));
  parsed.forEach((cells, i) => {
    const index = atRow + i;
    while (out.length <= index) out.push(emptyWearer());
    const row = out[index] as WearerDraft;
    cells.forEach((cell, j) => {
      const column = WEARER_COLUMNS[start + j];
      if (column) row[column] = cell.trim();
    });
  });
  // A blank row left at the end of the table by the paste is not a wearer.
  while (out.length > 1 && isBlank(out[out.length - 1] as WearerDraft)) out.pop();
  return out;
}

/** The manufacturing grid's totals: by size (rows), by height (columns) and in all. */
export function gridTotals(d: ManufacturingDraft): { bySize: number[]; byHeight: number[]; total: number } {
  const q = (s: string, h: string) => {
    const n = wholeNumber(d.quantities[`${s}|${h}`] ?? "");
    return n === null || Number.isNaN(n) ? 0 : n;
  };
  const bySize = d.sizes.map((s) => d.heights.reduce((sum, h) => sum + q(s, h), 0));
  const byHeight = d.heights.map((h) => d.sizes.reduce((sum, s) => sum + q(s, h), 0));
  return { bySize, byHeight, total: bySize.reduce((a, b) => a + b, 0) };
}

export const HEIGHT_PATTERN = /^\d{3}(-\d{3})?$/;

/** The details for the API, or what is wrong, by the field it goes beside. */
export function detailsOf(d: Draft): { details: Details | null; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const need = (field: string, value: string) => {
    if (!value.trim()) errors[field] = "Обязательное поле";
    return value.trim();
  };
  switch (d.kind) {
    case "logo": {
      const placement = need("placement", d.placement);
      if (!d.method) errors.method = "Выберите способ нанесения";
      if (d.colors.length === 0) errors.colors = "Укажите хотя бы один цвет";
      const mm = (field: "width_mm" | "height_mm") => {
        const n = wholeNumber(d[field]);
        if (n === null || Number.isNaN(n) || n < 5 || n > 500) errors[field] = "Целое число от 5 до 500 мм";
        return n ?? 0;
      };
      const width = mm("width_mm");
      const height = mm("height_mm");
      const garments = d.garments
        .filter((g) => g.name.trim() || g.quantity.trim())
        .map((g, i) => {
          const n = wholeNumber(g.quantity);
          if (!g.name.trim()) errors[`garments.${i}.name`] = "Укажите изделие";
          if (n === null || Number.isNaN(n) || n < 1) errors[`garments.${i}.quantity`] = "Целое от 1";
          return { name: g.name.trim(), color: g.color.trim() || null, size: g.size.trim() || null, quantity: n ?? 0 };
        });
      if (garments.length === 0) errors.garments = "Укажите хотя бы одно изделие";
      if (Object.keys(errors).length) return { details: null, errors };
      return {
        details: { kind: "logo", placement, method: d.method ?? "embroidery", colors: d.colors, width_mm: width, height_mm: height, garments },
        errors,
      };
    }
    case "tailoring": {
      const model = need("model", d.model);
      const fabric = need("fabric", d.fabric);
      const color = need("color", d.color);
      const cells = wearerErrors(d.wearers);
      if (Object.keys(cells).length) errors.wearers = "Исправьте отмеченные ячейки";
      if (Object.keys(errors).length) return { details: null, errors: { ...errors, ...cells } };
      const wearers = d.wearers.map((w) => ({
        name: w.name.trim(),
        height_cm: centimetres(w.height_cm) ?? "",
        chest_cm: centimetres(w.chest_cm) ?? "",
        waist_cm: centimetres(w.waist_cm) ?? "",
        hips_cm: centimetres(w.hips_cm) ?? "",
        neck_cm: centimetres(w.neck_cm),
        sleeve_cm: centimetres(w.sleeve_cm),
        inseam_cm: centimetres(w.inseam_cm),
        quantity: Number(w.quantity.trim()),
        note: w.note.trim() || null,
      }));
      return { details: { kind: "tailoring", model, fabric, color, wearers }, errors };
    }
    case "manufacturing": {
      const item = need("item", d.item);
      const fabric = need("fabric", d.fabric);
      const color = need("color", d.color);
      d.sizes.forEach((s, i) => {
        if (!s.trim()) errors[`sizes.${i}`] = "Укажите размер";
      });
      d.heights.forEach((h, i) => {
        if (!HEIGHT_PATTERN.test(h.trim())) errors[`heights.${i}`] = "Рост: 170-176 или 170";
      });
      const grid = d.sizes.flatMap((size) =>
        d.heights.map((height) => {
          const n = wholeNumber(d.quantities[`${size}|${height}`] ?? "");
          if (n !== null && (Number.isNaN(n) || n > 100_000)) errors[`grid.${size}|${height}`] = "Целое число";
          return { size: size.trim(), height: height.trim(), quantity: n === null || Number.isNaN(n) ? 0 : n };
        }),
      );
      if (new Set(d.sizes.map((s) => s.trim())).size !== d.sizes.length) errors.grid = "Размер указан дважды";
      else if (new Set(d.heights.map((h) => h.trim())).size !== d.heights.length) errors.grid = "Рост указан дважды";
      else if (!grid.some((c) => c.quantity > 0)) errors.grid = "Укажите количество хотя бы для одного размера и роста";
      if (Object.keys(errors).length) return { details: null, errors };
      return { details: { kind: "manufacturing", item, fabric, color, grid }, errors };
    }
  }
}
