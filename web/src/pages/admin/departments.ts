import { useQuery } from "@tanstack/react-query";

import { api } from "../../api/client";
import { unwrap } from "../../api/problem";

/** The company's departments (a few, one page), for names and selects. */
export function useDepartments() {
  return useQuery({
    queryKey: ["departments"],
    queryFn: async ({ signal }) => unwrap(await api.GET("/api/v1/departments", { signal })),
    staleTime: 10 * 60_000,
  });
}
