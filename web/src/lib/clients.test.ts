import { describe, expect, it } from "vitest";

import type { components } from "../api/schema";
import { CLIENTS_PER_REQUEST, clientLoader } from "./clients";

type Client = components["schemas"]["ClientRead"];

const card = (id: number) => ({ id, name: `Клиент ${id}` }) as Client;

describe("clientLoader", () => {
  it("reads the ids asked in one turn in one request, each once", async () => {
    const asked: number[][] = [];
    const loader = clientLoader(async (ids) => {
      asked.push(ids);
      return ids.map(card);
    });
    const names = await Promise.all([3, 7, 3, 9].map(async (id) => (await loader.load(id)).name));
    expect(names).toEqual(["Клиент 3", "Клиент 7", "Клиент 3", "Клиент 9"]);
    expect(asked).toEqual([[3, 7, 9]]);
  });

  it("fails only the ids the answer leaves out", async () => {
    const loader = clientLoader(async (ids) => ids.filter((id) => id !== 5).map(card));
    const [one, missing] = await Promise.allSettled([loader.load(4), loader.load(5)]);
    expect(one).toEqual({ status: "fulfilled", value: card(4) });
    expect(missing.status).toBe("rejected");
  });

  it("splits more ids than the API takes in one request", async () => {
    const sizes: number[] = [];
    const loader = clientLoader(async (ids) => {
      sizes.push(ids.length);
      return ids.map(card);
    });
    await loader.loadMany(Array.from({ length: CLIENTS_PER_REQUEST + 5 }, (_, i) => i + 1));
    expect(sizes).toEqual([CLIENTS_PER_REQUEST, 5]);
  });
});
