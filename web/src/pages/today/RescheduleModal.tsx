import { Text } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";

import { api, ifMatch } from "../../api/client";
import { unwrap } from "../../api/problem";
import { FormModal } from "../../components/FormModal";
import { WhenInput } from "../../components/WhenInput";
import { fromZonedInput, toZonedInput } from "../../lib/format";
import { useProblemHandler } from "../../lib/problems";
import type { Task } from "./TodayPage";

/** Move a task's deadline (Moscow time), over the version that was read. */
export function RescheduleModal({ task, onClose }: { task: Task; onClose: () => void }) {
  const queryClient = useQueryClient();
  const onProblem = useProblemHandler();
  const [when, setWhen] = useState(() => toZonedInput(task.due_at));
  const [errors, setErrors] = useState<Record<string, string>>({});

  const move = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.PATCH("/api/v1/tasks/{task_id}", {
          params: { path: { task_id: task.id }, header: ifMatch(task.version) },
          body: { due_at: fromZonedInput(when) },
        }),
      ),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ["tasks"] });
      onClose();
    },
    onError: (error) => {
      onProblem(error, setErrors, ["due_at"]);
      void queryClient.invalidateQueries({ queryKey: ["tasks"] });
    },
  });

  return (
    <FormModal
      title="Перенести задачу"
      onClose={onClose}
      onSubmit={() => {
        if (!when) {
          setErrors({ due_at: "Укажите дату" });
          return;
        }
        setErrors({});
        move.mutate();
      }}
      saving={move.isPending}
      submitLabel="Перенести"
    >
      <Text fw={600}>{task.title}</Text>
      <WhenInput label="Новый срок" value={when} onChange={setWhen} error={errors.due_at} testId="due" />
    </FormModal>
  );
}
