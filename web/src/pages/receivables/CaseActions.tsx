import { Button, Group, Text } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";

import { api, ifMatch, newIdempotencyKey } from "../../api/client";
import { unwrap } from "../../api/problem";
import type { components } from "../../api/schema";
import { useProblemHandler } from "../../lib/problems";
import { CONTACT_LEVEL, LEVEL_ORDER } from "../clients/labels";
import { CaseForm, type CaseField, type CaseValues } from "./CaseForm";
import { CASE_ACTION, CLOSE_REASON } from "./labels";
import { checkPostal, normalizePostal } from "./postal";

type Case = components["schemas"]["CaseRead"];
type FileKind = components["schemas"]["CaseFileKind"];

/** Keep a scan with the case; its id. */
export async function uploadCaseFile(caseId: number, kind: FileKind, file: File, key: string): Promise<number> {
  const row = unwrap(
    await api.POST("/api/v1/collection-cases/{case_id}/attachments", {
      params: { path: { case_id: caseId }, header: { "Idempotency-Key": key } },
      body: { kind, file: "" },
      bodySerializer: () => {
        const form = new FormData();
        form.append("kind", kind);
        form.append("file", file, file.name);
        return form;
      },
    }),
  );
  return row.id;
}

function plusDays(day: string, n: number): string {
  const d = new Date(`${day}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** The forms of the actions that take one, by the action's name. */
function formOf(action: string, today: string): { fields: CaseField[]; known: string[] } | null {
  switch (action) {
    case "guarantee":
      return {
        fields: [
          { name: "file", label: "Скан гарантийного письма", kind: "file", required: true },
          { name: "promised_on", label: "Оплата обещана до (не более 7 дней)", kind: "date", required: true, min: today, max: plusDays(today, 7) },
        ],
        known: ["file", "promised_on", "file_id"],
      };
    case "guarantee-refusal":
      return { fields: [{ name: "comment", label: "Что сказал клиент", kind: "long", required: true }], known: ["comment"] };
    case "calls":
      return {
        fields: [
          { name: "level", label: "Кому звонили", kind: "select", required: true, options: LEVEL_ORDER.map((l) => ({ value: l, label: CONTACT_LEVEL[l] })) },
          { name: "reached", label: "Дозвонились", kind: "check" },
          { name: "result", label: "Итог разговора", kind: "long", required: true },
          { name: "promised_on", label: "Новая обещанная дата оплаты", kind: "date", min: today },
        ],
        known: ["level", "result", "promised_on"],
      };
    case "negotiation-done":
      return { fields: [{ name: "comment", label: "Итог переговоров", kind: "long", required: true }], known: ["comment"] };
    case "send":
      return {
        fields: [
          { name: "tracking_number", label: "Почтовый идентификатор (ШПИ)", kind: "text", required: true },
          { name: "email", label: "E-mail для PDF (если не контакт клиента)", kind: "text" },
        ],
        known: ["tracking_number", "email"],
      };
    case "delivery-receipt":
      return { fields: [{ name: "file", label: "Скан уведомления о вручении", kind: "file", required: true }], known: ["file", "file_id"] };
    case "court":
      return {
        fields: [
          { name: "court_case_number", label: "Номер дела", kind: "text" },
          { name: "court_name", label: "Суд", kind: "text" },
          { name: "hearing_on", label: "Дата заседания", kind: "date" },
          { name: "hearing_note", label: "О заседании", kind: "text" },
          { name: "judgment", label: "Решение", kind: "long" },
          { name: "enforcement", label: "Исполнение", kind: "long" },
        ],
        known: ["court_case_number", "court_name", "hearing", "judgment", "enforcement"],
      };
    case "close":
      return {
        fields: [
          { name: "reason", label: "Причина", kind: "select", required: true, options: (["settled", "written_off"] as const).map((r) => ({ value: r, label: CLOSE_REASON[r] })) },
          { name: "comment", label: "Комментарий", kind: "long", required: true },
        ],
        known: ["reason", "comment"],
      };
    default:
      return null;
  }
}

/** What each action sends, from its form (a scan is kept first, its id sent). */
async function bodyOf(c: Case, action: string, v: CaseValues, key: string): Promise<object | undefined> {
  const t = v.text;
  const none = (s: string | undefined) => (s ? s : null);
  switch (action) {
    case "guarantee": {
      const file = v.files.file;
      if (!file) return undefined;
      return { promised_on: t.promised_on, file_id: await uploadCaseFile(c.id, "guarantee_letter", file, key) };
    }
    case "delivery-receipt": {
      const file = v.files.file;
      if (!file) return undefined;
      return { file_id: await uploadCaseFile(c.id, "delivery_receipt", file, key) };
    }
    case "calls":
      return { level: t.level, reached: v.checks.reached ?? false, result: t.result, promised_on: none(t.promised_on) };
    case "send":
      return { tracking_number: normalizePostal(t.tracking_number ?? ""), email: none(t.email) };
    case "court":
      return {
        court_case_number: none(t.court_case_number),
        court_name: none(t.court_name),
        hearing: t.hearing_on ? { on: t.hearing_on, note: t.hearing_note || "—" } : null,
        judgment: none(t.judgment),
        enforcement: none(t.enforcement),
      };
    default:
      return t;
  }
}

const PATHS: Record<string, string> = {
  approve: "claim/approve",
  send: "claim/send",
};

/** The case's actions as buttons, exactly those `allowed_actions` lists (the claim's editor is in
 * its own section); each with its form, a change sent with the case's version. */
export function CaseActions({ c, today }: { c: Case; today: string }) {
  const queryClient = useQueryClient();
  const onProblem = useProblemHandler();
  const [open, setOpen] = useState<{ action: string; key: string } | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [postal, setPostal] = useState("");

  const act = useMutation({
    mutationFn: async ({ action, values, key }: { action: string; values?: CaseValues; key: string }) => {
      const body = values ? await bodyOf(c, action, values, key) : undefined;
      const post = api.POST as unknown as (
        path: string,
        init: { params: { path: { case_id: number }; header: Record<string, string> }; body?: object },
      ) => Promise<{ data?: object; error?: unknown; response: Response }>;
      const header: Record<string, string> = action === "calls" ? { "Idempotency-Key": key } : ifMatch(c.version);
      return unwrap(
        await post(`/api/v1/collection-cases/{case_id}/${PATHS[action] ?? action}`, {
          params: { path: { case_id: c.id }, header },
          body,
        }),
      );
    },
    onSuccess: async (updated) => {
      setOpen(null);
      setErrors({});
      // A step answers with the case (a call with itself): the page shows the new version at once.
      if ("stage" in updated) queryClient.setQueryData(["collection-cases", c.id], updated);
      await queryClient.invalidateQueries({ queryKey: ["collection-cases"] });
      void queryClient.invalidateQueries({ queryKey: ["tasks"] });
    },
    onError: (error) => onProblem(error, setErrors, open ? (formOf(open.action, today)?.known ?? []) : []),
  });

  const buttons = c.allowed_actions.filter((a) => a !== "claim");
  if (buttons.length === 0) return null;
  const form = open ? formOf(open.action, today) : null;
  const check = checkPostal(postal);
  return (
    <Group gap="xs" data-testid="case-actions">
      {buttons.map((action) => (
        <Button
          key={action}
          size="sm"
          variant={action === "close" || action === "guarantee-refusal" ? "light" : "filled"}
          color={action === "close" ? "red" : undefined}
          loading={act.isPending && act.variables.action === action}
          onClick={() => {
            const key = newIdempotencyKey();
            setErrors({});
            setPostal("");
            if (formOf(action, today)) setOpen({ action, key });
            else act.mutate({ action, key });
          }}
        >
          {CASE_ACTION[action] ?? action}
        </Button>
      ))}
      {open && form ? (
        <CaseForm
          title={CASE_ACTION[open.action] ?? open.action}
          fields={form.fields}
          errors={errors}
          busy={act.isPending}
          onClose={() => setOpen(null)}
          onChange={(name, value) => {
            if (name === "tracking_number") setPostal(value);
          }}
          valid={open.action !== "send" || check.ok}
          onSubmit={(values) => act.mutate({ action: open.action, values, key: open.key })}
        >
          {open.action === "send" ? (
            <Text size="sm" c={check.ok ? "green" : check.complete ? "red" : "dimmed"} data-testid="postal-check" aria-live="polite">
              {check.ok ? "Идентификатор верный" : check.reason}
            </Text>
          ) : null}
        </CaseForm>
      ) : null}
    </Group>
  );
}
