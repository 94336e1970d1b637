import { Button, Stack, Text } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useQueryClient } from "@tanstack/react-query";
import { useCallback } from "react";

import { ApiProblem, problemTitle } from "../api/problem";

/**
 * How the console shows a failed change: a 412 says someone changed it and offers to reload; the
 * fields a 422 names go beside those fields (through `setFieldErrors`); anything else is a notice
 * with the problem's `detail`.
 */
export function useProblemHandler() {
  const queryClient = useQueryClient();
  return useCallback(
    (error: unknown, setFieldErrors?: (errors: Record<string, string>) => void, known: string[] = []) => {
      if (error instanceof ApiProblem && error.status === 412) {
        const id = `stale-${Date.now()}`;
        notifications.show({
          id,
          color: "orange",
          autoClose: false,
          title: "Запись уже изменили",
          message: (
            <Stack gap="xs">
              <Text size="sm">Пока вы работали, её изменил кто-то другой. Обновите, чтобы увидеть новую версию.</Text>
              <Button
                size="xs"
                variant="light"
                onClick={() => {
                  notifications.hide(id);
                  void queryClient.invalidateQueries();
                }}
              >
                Обновить
              </Button>
            </Stack>
          ),
        });
        return;
      }
      if (error instanceof ApiProblem) {
        const fields = error.fieldErrors();
        const shown = Object.keys(fields).filter((f) => known.includes(f));
        if (setFieldErrors && shown.length > 0) {
          setFieldErrors(Object.fromEntries(shown.map((f) => [f, fields[f] ?? ""])));
          if (shown.length === Object.keys(fields).length) return;
        }
        notifications.show({
          color: "red",
          title: problemTitle(error.status),
          message: error.problem?.detail ?? `Сервер ответил ${error.status}`,
        });
        return;
      }
      if (error instanceof Error && error.name === "AbortError") return;
      notifications.show({ color: "red", title: "Нет связи с сервером", message: String(error) });
    },
    [queryClient],
  );
}
