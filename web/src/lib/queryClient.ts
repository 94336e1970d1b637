import { QueryClient } from "@tanstack/react-query";

import { ApiProblem } from "../api/problem";

/** The one query cache: the pages read it, and the routes fill it while a page's code is loading. */
export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // A problem the API answered is not retried; a network hiccup is, once.
      retry: (count, error) => !(error instanceof ApiProblem) && count < 1,
      refetchOnWindowFocus: false,
    },
  },
});
