import { useQuery } from "@tanstack/react-query";

import { api } from "../api/client";
import { unwrap } from "../api/problem";

export function useMe() {
  return useQuery({
    queryKey: ["me"],
    queryFn: async ({ signal }) => unwrap(await api.GET("/api/v1/auth/me", { signal })),
    staleTime: 5 * 60_000,
  });
}

export function useMyTasks() {
  return useQuery({
    queryKey: ["tasks", "mine"],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET("/api/v1/tasks/mine", { params: { query: { limit: 500 } }, signal })),
    refetchInterval: 60_000,
  });
}
