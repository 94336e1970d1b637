import { MutationObserver } from "@tanstack/react-query";
import { afterEach, describe, expect, it } from "vitest";

import { queryClient } from "./queryClient";

afterEach(() => queryClient.clear());

/** A fetch that answers only when told, and says whether it was aborted. */
function held() {
  const seen = { aborted: false, release: () => {} };
  const load = (signal: AbortSignal) =>
    new Promise<string>((resolve) => {
      signal.addEventListener("abort", () => (seen.aborted = true));
      seen.release = () => resolve("answer");
    });
  return { seen, load };
}

describe("a change started while a document of the current state is loading", () => {
  it("cancels that load before the change is sent", async () => {
    const pdf = held();
    const list = held();
    void queryClient.fetchQuery({ queryKey: ["pdf"], queryFn: ({ signal }) => pdf.load(signal), meta: { currentState: true } }).catch(() => undefined);
    void queryClient.fetchQuery({ queryKey: ["list"], queryFn: ({ signal }) => list.load(signal) });
    let pdfAbortedWhenSent: boolean | undefined;
    const change = new MutationObserver(queryClient, {
      mutationFn: async () => {
        pdfAbortedWhenSent = pdf.seen.aborted;
        return "changed";
      },
    });
    await change.mutate();
    expect(pdfAbortedWhenSent).toBe(true);
    expect(list.seen.aborted).toBe(false); // other queries are left alone
    list.seen.release();
  });
});
