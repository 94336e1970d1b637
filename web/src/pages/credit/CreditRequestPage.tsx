import { Anchor, Badge, Card, Group, Loader, SimpleGrid, Stack, Table, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "@tanstack/react-router";
import type { ReactNode } from "react";

import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import { useClientName } from "../../lib/clients";
import { useEmployeeNames } from "../../lib/employees";
import { formatDate, formatDateTime, formatMoney } from "../../lib/format";
import { useMe } from "../../lib/me";
import { deferment } from "../clients/ClientsPage";
import { CreditActions } from "./CreditActions";
import { Dossier } from "./Dossier";
import { CREDIT_EVENT, CREDIT_STATUS, RECOMMENDATION, RELIABILITY, STATUS_COLOR } from "./labels";
import { useCreditRequest, type CreditRequest } from "./queries";
import { NotLoaded } from "../../components/NotLoaded";

/** One credit request: the terms asked and why, the dossier, the lawyer's verdict, the head's
 * recommendation, management's decision, the step the caller may take, and the history. */
export function CreditRequestPage() {
  const { requestId } = useParams({ from: "/app/credit/$requestId" });
  const one = useCreditRequest(requestId);
  const name = useClientName(one.data?.client_id);
  const me = useMe();
  if (!one.isSuccess) return <NotLoaded query={one} what="заявку" />;
  const r = one.data;
  return (
    <Stack maw={1100}>
      <Group gap="sm">
        <Title order={2}>Заявка на отсрочку №{r.id}</Title>
        <Badge size="lg" color={STATUS_COLOR[r.status]} data-testid="credit-status">
          {CREDIT_STATUS[r.status]}
        </Badge>
      </Group>
      <Text size="sm" data-testid="credit-terms-asked">
        <Anchor renderRoot={(props) => <Link {...props} to="/clients/$clientId" params={{ clientId: r.client_id }} />}>
          {name.data ?? `Клиент №${r.client_id}`}
        </Anchor>{" "}
        · отсрочка <b>{deferment(r.deferment_days)}</b> · лимит{" "}
        <b>{r.credit_limit ? formatMoney(r.credit_limit) : "без лимита"}</b>
        {Number(r.discount_percent) ? ` · скидка ${String(r.discount_percent).replace(".", ",")} %` : ""} · подана{" "}
        {formatDateTime(r.created_at)}
      </Text>
      <Text size="sm" style={{ whiteSpace: "pre-wrap" }}>
        <Text span c="dimmed" size="sm">
          Обоснование:{" "}
        </Text>
        {r.justification}
      </Text>
      <CreditActions r={r} />
      <Steps r={r} />
      <Dossier r={r} />
      {me.data?.permissions.includes("history:read") ? <History requestId={r.id} version={r.version} /> : null}
    </Stack>
  );
}

function Step({ title, done, testId, children }: { title: string; done: boolean; testId: string; children: ReactNode }) {
  return (
    <Card withBorder padding="sm" data-testid={testId}>
      <Text fw={600} size="sm" mb={4}>
        {title}
      </Text>
      {done ? (
        children
      ) : (
        <Text size="sm" c="dimmed">
          Ещё нет
        </Text>
      )}
    </Card>
  );
}

/** The three steps of the regulation side by side, each with who gave it and when. */
function Steps({ r }: { r: CreditRequest }) {
  const names = useEmployeeNames();
  const who = (id: number | null) => (id === null ? "—" : (names.data?.get(id) ?? `сотрудник №${id}`));
  const decided = r.status === "approved" || r.status === "rejected";
  return (
    <SimpleGrid cols={3} spacing="sm">
      <Step title="Заключение юриста" done={r.lawyer_verdict !== null} testId="credit-verdict">
        <Text size="sm" fw={500}>
          {r.lawyer_verdict ? RELIABILITY[r.lawyer_verdict] : ""}
        </Text>
        <Text size="sm" style={{ whiteSpace: "pre-wrap" }}>
          {r.lawyer_comment}
        </Text>
        <Text size="xs" c="dimmed">
          {who(r.lawyer_id)}, {formatDateTime(r.reviewed_at)}
        </Text>
      </Step>
      <Step title="Рекомендация руководителя отдела" done={r.recommendation !== null} testId="credit-recommendation">
        <Text size="sm" fw={500}>
          {r.recommendation ? RECOMMENDATION[r.recommendation] : ""}
        </Text>
        <Text size="sm" style={{ whiteSpace: "pre-wrap" }}>
          {r.recommendation_comment}
        </Text>
        <Text size="xs" c="dimmed">
          {who(r.recommended_by_id)}, {formatDateTime(r.recommended_at)}
        </Text>
      </Step>
      <Step title="Решение руководства" done={decided} testId="credit-decision">
        <Text size="sm" fw={500} c={r.status === "approved" ? "green" : "red"}>
          {r.status === "approved" ? `Согласовано с ${formatDate(r.effective_from)}` : "Отказано"}
        </Text>
        <Text size="sm" style={{ whiteSpace: "pre-wrap" }}>
          {r.decision_comment}
        </Text>
        <Text size="xs" c="dimmed">
          {who(r.decided_by_id)}, {formatDateTime(r.decided_at)}
          {r.status === "approved" ? (r.pushed_to_1c_at ? " · внесено в 1С" : " · ждёт внесения в 1С") : ""}
        </Text>
      </Step>
    </SimpleGrid>
  );
}

function History({ requestId, version }: { requestId: number; version: number }) {
  const names = useEmployeeNames();
  const history = useQuery({
    queryKey: ["credit-requests", requestId, "history", version],
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET("/api/v1/credit-requests/{request_id}/history", {
          params: { path: { request_id: requestId }, query: { limit: 200 } },
          signal,
        }),
      ),
  });
  return (
    <section aria-label="История" data-testid="credit-history">
      <Title order={3} mb="xs">
        История
      </Title>
      {history.isPending ? <Loader size="sm" /> : null}
      <Table withTableBorder>
        <Table.Tbody>
          {(history.data?.items ?? []).map((e) => {
            const comment = typeof e.after?.comment === "string" ? e.after.comment : null;
            const file = e.action === "file_added" && typeof e.after?.filename === "string" ? e.after.filename : null;
            return (
              <Table.Tr key={e.id}>
                <Table.Td w={170}>{formatDateTime(e.occurred_at)}</Table.Td>
                <Table.Td>{e.actor_id === null ? "система" : (names.data?.get(e.actor_id) ?? "")}</Table.Td>
                <Table.Td>
                  {CREDIT_EVENT[e.action] ?? e.action}
                  {file ? `: ${file}` : comment ? `: ${comment}` : ""}
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </section>
  );
}
