import "@mantine/core/styles.css";
import "@mantine/dates/styles.css";
import "@mantine/notifications/styles.css";
import "dayjs/locale/ru";

import { MantineProvider, createTheme } from "@mantine/core";
import { DatesProvider } from "@mantine/dates";
import { Notifications } from "@mantine/notifications";
import { QueryClientProvider } from "@tanstack/react-query";
import { RouterProvider } from "@tanstack/react-router";
import dayjs from "dayjs";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";

import { placeEarlyAnswers } from "./lib/earlyAnswers";
import { queryClient } from "./lib/queryClient";
import { router } from "./router";

dayjs.locale("ru");

// The system font stack: nothing is fetched from another site.
const theme = createTheme({ primaryColor: "blue", defaultRadius: "sm" });

// What index.html asked for and has already come is in the cache before anything is drawn.
placeEarlyAnswers(queryClient);

// The address's route starts loading (a screen's first data, its code) as this script runs, not
// after React's first render of the whole tree; the router's provider then finds it under way.
void router.load();

const root = document.getElementById("root");
if (!root) throw new Error("no #root in index.html");
createRoot(root).render(
  <StrictMode>
    <MantineProvider theme={theme}>
      <DatesProvider settings={{ locale: "ru", firstDayOfWeek: 1 }}>
        <Notifications position="top-right" />
        <QueryClientProvider client={queryClient}>
          <RouterProvider router={router} />
        </QueryClientProvider>
      </DatesProvider>
    </MantineProvider>
  </StrictMode>,
);
