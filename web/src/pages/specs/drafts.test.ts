import { describe, expect, it } from "vitest";

import { detailsOf, draftOf, emptyDraft, emptyWearer, gridTotals, pasteWearers, wearerErrors, type ManufacturingDraft, type TailoringDraft } from "./drafts";

const SHEET = "ФИО\tРост\tГрудь\tТалия\tБёдра\r\nСоколова А. В.\t164,5\t92\t74\t101\r\nГромов Е. Н.\t188\t112\t98\t108\r\n";

describe("pasteWearers", () => {
  it("fills the table from a spreadsheet's rows, the header left out", () => {
    const rows = pasteWearers([emptyWearer()], SHEET, 0, "name");
    expect(rows.map((r) => [r.name, r.height_cm, r.chest_cm, r.waist_cm, r.hips_cm, r.quantity])).toEqual([
      ["Соколова А. В.", "164,5", "92", "74", "101", "1"],
      ["Громов Е. Н.", "188", "112", "98", "108", "1"],
    ]);
    expect(wearerErrors(rows)).toEqual({});
  });

  it("starts at the cell pasted in and leaves the cells before it", () => {
    const first = { ...emptyWearer(), name: "Иванов И. И." };
    const rows = pasteWearers([first], "40\t60\t80", 0, "neck_cm");
    expect([rows[0]?.name, rows[0]?.neck_cm, rows[0]?.sleeve_cm, rows[0]?.inseam_cm]).toEqual(["Иванов И. И.", "40", "60", "80"]);
  });

  it("marks the cells that are not measurements within bounds", () => {
    const rows = pasteWearers([emptyWearer()], "Петров П. П.\t310\tсто\t74,25\t\t", 0, "name");
    const errors = wearerErrors(rows);
    expect(Object.keys(errors).sort()).toEqual(["0:chest_cm", "0:height_cm", "0:hips_cm", "0:waist_cm"]);
    expect(errors["0:height_cm"]).toBe("От 120 до 230 см");
  });
});

describe("detailsOf", () => {
  it("sends measurements with a point and empty optional ones as null", () => {
    const draft = { ...(emptyDraft("tailoring") as TailoringDraft), model: "Халат", fabric: "Тиси", color: "белый" };
    draft.wearers = pasteWearers(draft.wearers, SHEET, 0, "name");
    const { details } = detailsOf(draft);
    expect(details && details.kind === "tailoring" ? details.wearers[0] : null).toMatchObject({
      height_cm: "164.5",
      neck_cm: null,
      quantity: 1,
    });
  });

  it("totals the size × height grid by row, column and in all", () => {
    const draft: ManufacturingDraft = {
      ...(emptyDraft("manufacturing") as ManufacturingDraft),
      quantities: { "48-50|170-176": "6", "48-50|182-188": "2", "52-54|170-176": "5" },
    };
    expect(gridTotals(draft)).toEqual({ bySize: [8, 5], byHeight: [11, 2], total: 13 });
    expect(detailsOf({ ...draft, heights: ["170-176", "18"] }).errors["heights.1"]).toBeDefined();
  });
});

describe("draftOf", () => {
  it("writes measurements with a comma and leaves names as they are", () => {
    const draft = draftOf({
      kind: "tailoring",
      model: "Халат",
      fabric: "Тиси",
      color: "белый",
      wearers: [{ name: "Громов Е. Н.", height_cm: "164.5", chest_cm: "92", waist_cm: 74, hips_cm: 101, quantity: 1, note: "рост 1.88" }],
    });
    expect(draft.kind === "tailoring" ? [draft.wearers[0]?.name, draft.wearers[0]?.height_cm, draft.wearers[0]?.note] : null).toEqual([
      "Громов Е. Н.",
      "164,5",
      "рост 1.88",
    ]);
  });
});
