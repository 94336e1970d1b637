import { Button, Group, Select, Textarea } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";

import { api, ifMatch } from "../../api/client";
import { unwrap } from "../../api/problem";
import { DayInput } from "../../components/WhenInput";
import { FormModal } from "../../components/FormModal";
import { useProblemHandler } from "../../lib/problems";
import { CREDIT_ACTION, RECOMMENDATION, RELIABILITY } from "./labels";
import type { CreditRequest } from "./queries";

type Action = "verdict" | "recommend" | "approve" | "reject";
const ACTIONS: Action[] = ["verdict", "recommend", "approve", "reject"];

const CHOICE: Partial<Record<Action, { field: string; label: string; options: { value: string; label: string }[] }>> = {
  verdict: {
    field: "verdict",
    label: "Надёжность контрагента",
    options: Object.entries(RELIABILITY).map(([value, label]) => ({ value, label })),
  },
  recommend: {
    field: "recommendation",
    label: "Рекомендация руководству",
    options: Object.entries(RECOMMENDATION).map(([value, label]) => ({ value, label })),
  },
};

const COMMENT: Record<Action, string> = {
  verdict: "Что показала проверка (суды, долги, банкротство, учредители)",
  recommend: "Обоснование для руководства",
  approve: "Решение",
  reject: "Причина отказа",
};

/** The step the caller may take now, exactly as `allowed_actions` lists them; each with its form,
 * sent with the request's version. */
export function CreditActions({ r }: { r: CreditRequest }) {
  const [open, setOpen] = useState<Action | null>(null);
  const buttons = ACTIONS.filter((a) => r.allowed_actions.includes(a));
  if (buttons.length === 0) return null;
  return (
    <Group gap="xs" data-testid="credit-actions">
      {buttons.map((a) => (
        <Button key={a} variant={a === "reject" ? "light" : "filled"} color={a === "reject" ? "red" : undefined}
          onClick={() => setOpen(a)}>
          {CREDIT_ACTION[a]}
        </Button>
      ))}
      {open ? <ActionForm r={r} action={open} onClose={() => setOpen(null)} /> : null}
    </Group>
  );
}

function ActionForm({ r, action, onClose }: { r: CreditRequest; action: Action; onClose: () => void }) {
  const queryClient = useQueryClient();
  const onProblem = useProblemHandler();
  const choice = CHOICE[action];
  const [picked, setPicked] = useState<string | null>(null);
  const [comment, setComment] = useState("");
  const [from, setFrom] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const known = ["comment", "effective_from", ...(choice ? [choice.field] : [])];

  const send = useMutation({
    mutationFn: async () => {
      const body: Record<string, string | null> = { comment: comment.trim() };
      if (choice) body[choice.field] = picked;
      if (action === "approve") body.effective_from = from || null;
      const post = api.POST as unknown as (
        path: string,
        init: { params: { path: { request_id: number }; header: Record<string, string> }; body: object },
      ) => Promise<{ data?: CreditRequest; error?: unknown; response: Response }>;
      return unwrap(
        await post(`/api/v1/credit-requests/{request_id}/${action}`, {
          params: { path: { request_id: r.id }, header: ifMatch(r.version) },
          body,
        }),
      );
    },
    onSuccess: async (updated) => {
      queryClient.setQueryData(["credit-requests", r.id], updated);
      onClose();
      await queryClient.invalidateQueries({ queryKey: ["credit-requests"] });
      // The approved terms are the client's now: its card reads them again.
      void queryClient.invalidateQueries({ queryKey: ["clients", r.client_id] });
      void queryClient.invalidateQueries({ queryKey: ["tasks"] });
    },
    onError: (error) => onProblem(error, setErrors, known),
  });

  const submit = () => {
    const local: Record<string, string> = {};
    if (choice && !picked) local[choice.field] = "Выберите";
    if (!comment.trim()) local.comment = "Обязательное поле";
    setErrors(local);
    if (Object.keys(local).length === 0) send.mutate();
  };

  return (
    <FormModal title={`${CREDIT_ACTION[action]}: заявка №${r.id}`} onClose={onClose} onSubmit={submit} saving={send.isPending}>
      {choice ? (
        <Select label={choice.label} required data={choice.options} value={picked} allowDeselect={false} data-autofocus
          onChange={setPicked} error={errors[choice.field]} />
      ) : null}
      {action === "approve" ? (
        <DayInput label="Условия действуют с (пусто — с сегодня)" value={from} onChange={setFrom} error={errors.effective_from} />
      ) : null}
      <Textarea label={COMMENT[action]} required autosize minRows={3} maxLength={5000} value={comment}
        data-autofocus={choice ? undefined : true}
        onChange={(e) => setComment(e.currentTarget.value)} error={errors.comment} />
    </FormModal>
  );
}
