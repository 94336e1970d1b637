import { queryOptions, useQuery } from "@tanstack/react-query";

import { api } from "../api/client";
import { unwrap } from "../api/problem";
import type { components } from "../api/schema";
import { setTimeZone } from "./format";

export type Company = components["schemas"]["CompanyRead"];

/** The company as read: its time zone becomes the one every date and time is shown in. */
export function adoptCompany(company: Company): Company {
  setTimeZone(company.time_zone);
  return company;
}

/** The company's time zone, currency and today (read once after login). */
export const companyQuery = queryOptions({
  queryKey: ["company"],
  queryFn: async ({ signal }) => adoptCompany(unwrap(await api.GET("/api/v1/reference/company", { signal }))),
  staleTime: 10 * 60_000,
});

/**
 * The company (read once after login): every date and time the console shows is in its zone, so
 * the formatters take it before the data comes back.
 */
export function useCompany() {
  return useQuery(companyQuery);
}
