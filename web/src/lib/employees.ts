import { useQuery } from "@tanstack/react-query";

import { api } from "../api/client";
import { unwrap } from "../api/problem";
import type { components } from "../api/schema";

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

/** The active employees of a role (assistants, managers…), by name, for a select. */
export function useEmployeesWithRole(role: components["schemas"]["Role"]) {
  return useQuery({
    queryKey: ["employees", "role", role],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET("/api/v1/employees", { params: { query: { role, active: true, limit: 200 } }, signal })),
    staleTime: 10 * 60_000,
    select: (page) => page.items.map((e) => ({ value: String(e.id), label: e.full_name })),
  });
}
