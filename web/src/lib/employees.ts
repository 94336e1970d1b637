import { useQuery } from "@tanstack/react-query";

import { api } from "../api/client";
import { unwrap } from "../api/problem";

/** One employee's full name, for a row that names them by id. */
export function useEmployeeName(id: number | null | undefined) {
  return useQuery({
    queryKey: ["employees", id],
    enabled: typeof id === "number",
    queryFn: async ({ signal }) =>
      unwrap(await api.GET("/api/v1/employees/{employee_id}", { params: { path: { employee_id: id ?? 0 } }, signal })),
    staleTime: 10 * 60_000,
    select: (e) => e.full_name,
  });
}

/** Employees' names by id (the directory everyone may read), for who did what. */
export function useEmployeeNames() {
  return useQuery({
    queryKey: ["employees", "names"],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET("/api/v1/employees", { params: { query: { limit: 200 } }, signal })),
    staleTime: 10 * 60_000,
    select: (page) => new Map(page.items.map((e) => [e.id, e.full_name])),
  });
}
