import { Alert, Anchor, Badge, Button, Group, Stack, Table, Text, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useParams } from "@tanstack/react-router";
import { useState } from "react";

import { api, ifMatch } from "../../api/client";
import { unwrap } from "../../api/problem";
import type { components } from "../../api/schema";
import { blobOf, PdfFrame } from "../../components/PdfFrame";
import { useCompany } from "../../lib/company";
import { useEmployeeNames } from "../../lib/employees";
import { formatDateTime, formatMoney } from "../../lib/format";
import { useMe } from "../../lib/me";
import { useProblemHandler } from "../../lib/problems";
import { CaseForm, type CaseField, type CaseValues } from "./CaseForm";
import { formatDay } from "./days";
import { ClientName } from "./PaymentsPage";
import { ACT_ACTION, ACT_EVENT, ACT_PERIODICITY, ACT_STATUS, ACT_STATUS_COLOR } from "./ReconciliationLabels";
import { NotLoaded } from "../../components/NotLoaded";

type Act = components["schemas"]["ActRead"];

/** The forms of the act's actions: where to send it, when it was signed, what differs. */
function formOf(action: string, act: Act, today: string): CaseField[] {
  switch (action) {
    case "send":
      return [{ name: "email", label: "E-mail (пусто — контакту клиента)", kind: "text" }];
    case "sign":
      return [
        { name: "signed_on", label: "Дата подписания", kind: "date", required: true, min: act.created_at.slice(0, 10), max: today },
        { name: "note", label: "Примечание", kind: "long" },
      ];
    case "discrepancy":
      return [{ name: "notes", label: "В чём расхождения", kind: "long", required: true }];
    default:
      return [];
  }
}

function bodyOf(action: string, v: CaseValues): object {
  const t = v.text;
  switch (action) {
    case "send":
      return { email: t.email || null };
    case "sign":
      return { signed_on: t.signed_on, note: t.note || null };
    default:
      return { notes: t.notes };
  }
}

/** One reconciliation act: its balances, the PDF as sent, the actions its state allows, its history. */
export function ReconciliationPage() {
  const { actId } = useParams({ from: "/app/reconciliation-acts/$actId" });
  const one = useQuery({
    queryKey: ["reconciliation-acts", actId],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET("/api/v1/reconciliation-acts/{act_id}", { params: { path: { act_id: actId } }, signal })),
  });
  if (!one.isSuccess) return <NotLoaded query={one} what="акт" />;
  const a = one.data;
  return (
    <Stack maw={1100}>
      <Group gap="sm">
        <Title order={2}>Акт сверки № {a.id}</Title>
        <Badge size="lg" color={ACT_STATUS_COLOR[a.status]} data-testid="act-status">
          {ACT_STATUS[a.status]}
        </Badge>
      </Group>
      <Text size="sm">
        <Anchor renderRoot={(props) => <Link {...props} to="/clients/$clientId" params={{ clientId: a.client_id }} />}>
          <ClientName id={a.client_id} />
        </Anchor>{" "}
        · за {formatDay(a.period_start)} – {formatDay(a.period_end)} ({ACT_PERIODICITY[a.periodicity]}) · редакция {a.revision}
      </Text>
      <Table withTableBorder maw={560} data-testid="act-totals">
        <Table.Tbody>
          <Table.Tr><Table.Td>Сальдо на начало</Table.Td><Table.Td ta="right">{formatMoney(a.opening_balance)}</Table.Td></Table.Tr>
          <Table.Tr><Table.Td>Отгружено (дебет)</Table.Td><Table.Td ta="right">{formatMoney(a.debit_total)}</Table.Td></Table.Tr>
          <Table.Tr><Table.Td>Оплачено (кредит)</Table.Td><Table.Td ta="right">{formatMoney(a.credit_total)}</Table.Td></Table.Tr>
          <Table.Tr>
            <Table.Td><b>Сальдо на конец</b></Table.Td>
            <Table.Td ta="right" data-testid="act-closing">
              <b>{formatMoney(a.closing_balance)}</b>
            </Table.Td>
          </Table.Tr>
        </Table.Tbody>
      </Table>
      <Text size="sm" data-testid="act-state">
        {a.sent_at ? `Отправлен ${formatDateTime(a.sent_at)} на ${a.recipient ?? "—"}.` : "Ещё не отправлен."}
        {a.signed_on ? ` Подписан клиентом ${formatDay(a.signed_on)}.` : ""}
      </Text>
      {a.status === "discrepancy" && a.discrepancy_notes ? (
        <Alert color="orange" title="Расхождения" data-testid="act-discrepancy">
          {a.discrepancy_notes}
        </Alert>
      ) : null}
      <ActActions act={a} />
      <PdfFrame
        queryKey={["reconciliation-act", a.id, a.version]}
        load={async (signal) =>
          blobOf(
            await api.GET("/api/v1/reconciliation-acts/{act_id}/pdf", { params: { path: { act_id: a.id } }, parseAs: "blob", signal }),
            "Акт сверки",
          )
        }
        title={`Акт сверки № ${a.id}`}
        testId="act-pdf"
        failed="Не удалось получить PDF акта."
        height={480}
      />
      <History act={a} />
    </Stack>
  );
}

/** The act's `allowed_actions` as buttons, each with its form; sent with the act's version. */
function ActActions({ act }: { act: Act }) {
  const queryClient = useQueryClient();
  const onProblem = useProblemHandler();
  const today = useCompany().data?.today ?? "";
  const [open, setOpen] = useState<string | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const take = useMutation({
    mutationFn: async ({ action, values }: { action: string; values: CaseValues }) => {
      const post = api.POST as unknown as (
        path: string,
        init: { params: { path: { act_id: number }; header: Record<string, string> }; body: object },
      ) => Promise<{ data?: Act; error?: unknown; response: Response }>;
      return unwrap(
        await post(`/api/v1/reconciliation-acts/{act_id}/${action}`, {
          params: { path: { act_id: act.id }, header: ifMatch(act.version) },
          body: bodyOf(action, values),
        }),
      );
    },
    onSuccess: async (updated) => {
      setOpen(null);
      setErrors({});
      queryClient.setQueryData(["reconciliation-acts", act.id], updated);
      await queryClient.invalidateQueries({ queryKey: ["reconciliation-acts"] });
      void queryClient.invalidateQueries({ queryKey: ["tasks"] });
    },
    onError: (error) => onProblem(error, setErrors, ["email", "signed_on", "note", "notes"]),
  });
  if (act.allowed_actions.length === 0) return null;
  return (
    <Group gap="xs" data-testid="act-actions">
      {act.allowed_actions.map((action) => (
        <Button key={action} variant={action === "discrepancy" ? "light" : "filled"} color={action === "discrepancy" ? "orange" : undefined}
          onClick={() => { setErrors({}); setOpen(action); }}>
          {ACT_ACTION[action] ?? action}
        </Button>
      ))}
      {open ? (
        <CaseForm title={ACT_ACTION[open] ?? open} fields={formOf(open, act, today)} errors={errors} busy={take.isPending}
          onClose={() => setOpen(null)} onSubmit={(values) => take.mutate({ action: open, values })} />
      ) : null}
    </Group>
  );
}

function History({ act }: { act: Act }) {
  const me = useMe();
  const names = useEmployeeNames();
  const allowed = me.data?.permissions.includes("history:read") ?? false;
  const history = useQuery({
    queryKey: ["reconciliation-acts", act.id, "history", act.version],
    enabled: allowed,
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET("/api/v1/reconciliation-acts/{act_id}/history", {
          params: { path: { act_id: act.id }, query: { limit: 100 } },
          signal,
        }),
      ),
  });
  if (!allowed) return null;
  return (
    <section aria-label="История" data-testid="act-history">
      <Title order={3} size="h4" mb="xs">
        История
      </Title>
      <Table withTableBorder>
        <Table.Tbody>
          {(history.data?.items ?? []).map((e) => {
            const after = e.after ?? {};
            const detail =
              typeof after.recipient === "string" ? `на ${after.recipient}` :
              typeof after.signed_on === "string" ? formatDay(after.signed_on) :
              typeof after.notes === "string" ? after.notes : "";
            return (
              <Table.Tr key={e.id}>
                <Table.Td w={170}>{formatDateTime(e.occurred_at)}</Table.Td>
                <Table.Td>{ACT_EVENT[e.action] ?? e.action}{detail ? `: ${detail}` : ""}</Table.Td>
                <Table.Td w={260}>{e.actor_id !== null ? (names.data?.get(e.actor_id) ?? "") : "система"}</Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </section>
  );
}
