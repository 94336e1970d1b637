import { queryOptions, useQuery } from "@tanstack/react-query";

import { api } from "../api/client";
import { unwrap } from "../api/problem";

export function useMe() {
  return useQuery({
    queryKey: ["me"],
    queryFn: async ({ signal }) => unwrap(await api.GET("/api/v1/auth/me", { signal })),
    staleTime: 5 * 60_000,
  });
}

/** How many tasks a bucket of «Сегодня» brings (index.html asks for the same list as the page starts). */
export const MY_TASKS_LIMIT = 500;

/** My open tasks in their buckets, as «Сегодня» shows them (its route starts this before its code arrives). */
export const myTasksQuery = queryOptions({
  queryKey: ["tasks", "mine"],
  queryFn: async ({ signal }) =>
    unwrap(await api.GET("/api/v1/tasks/mine", { params: { query: { limit: MY_TASKS_LIMIT } }, signal })),
  refetchInterval: 60_000,
});

export function useMyTasks() {
  return useQuery(myTasksQuery);
}

/** How many tasks each bucket holds, for the navigation: counted by the API, not fetched. */
export function useMyTaskCounts() {
  return useQuery({
    queryKey: ["tasks", "counts"],
    queryFn: async ({ signal }) => unwrap(await api.GET("/api/v1/tasks/mine/counts", { signal })),
    refetchInterval: 60_000,
  });
}
