import { SegmentedControl, Text, Textarea } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";

import { api, ifMatch, newIdempotencyKey } from "../../api/client";
import { unwrap } from "../../api/problem";
import { FormModal } from "../../components/FormModal";
import { WhenInput } from "../../components/WhenInput";
import { formatDateTime, fromZonedInput } from "../../lib/format";
import { useMe } from "../../lib/me";
import { useProblemHandler } from "../../lib/problems";
import type { Task } from "./TodayPage";

/** Close a task with its outcome; a call says whether the person was reached and when to call next. */
export function CompleteTaskModal({ task, onClose }: { task: Task; onClose: () => void }) {
  const isCall = task.kind === "call";
  // The feedback call after delivery: not reached, the service itself sets the next one.
  const isFeedback = task.purpose === "feedback_call";
  const me = useMe();
  const queryClient = useQueryClient();
  const onProblem = useProblemHandler();
  const [reached, setReached] = useState<"yes" | "no">("yes");
  const [result, setResult] = useState("");
  const [nextStep, setNextStep] = useState("");
  const [nextCall, setNextCall] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  // One key for this form: a repeated click or a retry after an error makes one next call.
  const [key] = useState(newIdempotencyKey);

  const complete = useMutation({
    mutationFn: async () => {
      if (isCall && !isFeedback && nextCall && me.data) {
        unwrap(
          await api.POST("/api/v1/tasks", {
            headers: { "Idempotency-Key": key },
            body: {
              kind: "call",
              title: task.title,
              subject_type: task.subject_type,
              subject_id: task.subject_id,
              assignee_id: me.data.id,
              due_at: fromZonedInput(nextCall),
            },
          }),
        );
      }
      const step = [nextStep.trim(), nextCall ? `Следующий звонок: ${formatDateTime(fromZonedInput(nextCall))}` : ""]
        .filter(Boolean)
        .join(". ");
      return unwrap(
        await api.POST("/api/v1/tasks/{task_id}/complete", {
          params: { path: { task_id: task.id }, header: ifMatch(task.version) },
          body: {
            reached: isCall ? reached === "yes" : null,
            result: result.trim() || null,
            next_step: step || null,
          },
        }),
      );
    },
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ["tasks"] });
      onClose();
    },
    onError: (error) => {
      onProblem(error, setErrors, ["result", "next_step", "reached", "due_at"]);
      void queryClient.invalidateQueries({ queryKey: ["tasks"] });
    },
  });

  return (
    <FormModal
      title={isCall ? "Итог звонка" : "Задача выполнена"}
      size="lg"
      onClose={onClose}
      onSubmit={() => {
        setErrors({});
        complete.mutate();
      }}
      saving={complete.isPending}
    >
      <Text fw={600}>{task.title}</Text>
      {isCall ? (
        <SegmentedControl
          aria-label="Дозвонились?"
          value={reached}
          onChange={(v) => setReached(v === "no" ? "no" : "yes")}
          data={[
            { value: "yes", label: "Дозвонились" },
            { value: "no", label: "Не дозвонились" },
          ]}
        />
      ) : null}
      <Textarea
        label="Результат"
        autosize
        minRows={2}
        value={result}
        onChange={(e) => setResult(e.currentTarget.value)}
        error={errors.result}
        data-autofocus
      />
      <Textarea
        label="Следующий шаг"
        autosize
        minRows={1}
        value={nextStep}
        onChange={(e) => setNextStep(e.currentTarget.value)}
        error={errors.next_step}
      />
      {isFeedback && reached === "no" ? (
        <Text size="sm" c="dimmed" data-testid="next-feedback-call">
          Следующий звонок обратной связи будет поставлен на следующий рабочий день.
        </Text>
      ) : null}
      {isCall && !isFeedback ? (
        <WhenInput label="Следующий звонок" value={nextCall} onChange={setNextCall} error={errors.due_at} testId="next-call" />
      ) : null}
    </FormModal>
  );
}
