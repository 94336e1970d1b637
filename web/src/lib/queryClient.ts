import { MutationCache, QueryClient } from "@tanstack/react-query";

import { ApiProblem } from "../api/problem";

/** The one query cache: the pages read it, and the routes fill it while a page's code is loading. */
export const queryClient: QueryClient = new QueryClient({
  // A query marked `currentState` (a PDF of a record as it is now) is cancelled before any change is
  // sent: answered after the change, it would fail or show the old record under the new version.
  mutationCache: new MutationCache({
    onMutate: () => queryClient.cancelQueries({ predicate: (query) => query.meta?.currentState === true }),
  }),
  defaultOptions: {
    queries: {
      // A problem the API answered is not retried; a network hiccup is, once.
      retry: (count, error) => !(error instanceof ApiProblem) && count < 1,
      refetchOnWindowFocus: false,
    },
  },
});
