import { useQuery } from "@tanstack/react-query";

import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import type { components } from "../../api/schema";

export type CreditRequest = components["schemas"]["CreditRequestRead"];
export type CreditFileKind = components["schemas"]["CreditFileKind"];

/** The requests of one page: a department has a few dozen a year. */
export const LIMIT = 200;

/** Credit requests, of one client or of every client the caller may see. */
export function useCreditRequests(clientId?: number) {
  return useQuery({
    queryKey: ["credit-requests", "list", clientId ?? null],
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET("/api/v1/credit-requests", {
          params: { query: { client_id: clientId, limit: LIMIT } },
          signal,
        }),
      ),
  });
}

export function useCreditRequest(requestId: number) {
  return useQuery({
    queryKey: ["credit-requests", requestId],
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET("/api/v1/credit-requests/{request_id}", { params: { path: { request_id: requestId } }, signal }),
      ),
  });
}

/** Add a document to the request's dossier. */
export async function uploadCreditFile(requestId: number, kind: CreditFileKind, file: File, key: string) {
  return unwrap(
    await api.POST("/api/v1/credit-requests/{request_id}/attachments", {
      params: { path: { request_id: requestId }, header: { "Idempotency-Key": key } },
      body: { kind, file: "" },
      bodySerializer: () => {
        const form = new FormData();
        form.append("kind", kind);
        form.append("file", file, file.name);
        return form;
      },
    }),
  );
}
