import { useQuery } from "@tanstack/react-query";

import { api } from "../api/client";
import { unwrap } from "../api/problem";
import { setTimeZone } from "./format";

/**
 * The company's time zone, currency and today (read once after login): every date and time the
 * console shows is in that zone, so the formatters take it before the data comes back.
 */
export function useCompany() {
  return useQuery({
    queryKey: ["company"],
    queryFn: async ({ signal }) => {
      const company = unwrap(await api.GET("/api/v1/reference/company", { signal }));
      setTimeZone(company.time_zone);
      return company;
    },
    staleTime: 10 * 60_000,
  });
}
