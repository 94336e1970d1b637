import { Anchor, Badge, Button, Group, Select, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate } from "@tanstack/react-router";
import { useState } from "react";

import { api, newIdempotencyKey } from "../../api/client";
import { ApiProblem, unwrap } from "../../api/problem";
import type { components } from "../../api/schema";
import { FormModal } from "../../components/FormModal";
import { DayInput } from "../../components/WhenInput";
import { useCompany } from "../../lib/company";
import { formatMoney } from "../../lib/format";
import { useProblemHandler } from "../../lib/problems";
import { formatDay } from "./days";
import { ClientSelect } from "./PaymentsClientSelect";
import { ClientName } from "./PaymentsPage";
import { ACT_STATUS, ACT_STATUS_COLOR } from "./ReconciliationLabels";
import { NotLoaded } from "../../components/NotLoaded";

type Status = components["schemas"]["ActStatus"];

const PAGE = 50;

/** «Акты сверки»: every act with its period, balance and state, newest first; a new one for a client
 * and any period. */
export function ReconciliationsPage() {
  const [client, setClient] = useState<number | null>(null);
  const [status, setStatus] = useState<Status | null>(null);
  const [creating, setCreating] = useState(false);
  const list = useInfiniteQuery({
    queryKey: ["reconciliation-acts", "list", client, status],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam, signal }) =>
      unwrap(
        await api.GET("/api/v1/reconciliation-acts", {
          params: { query: { client_id: client ?? undefined, status: status ?? undefined, cursor: pageParam, limit: PAGE } },
          signal,
        }),
      ),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const rows = list.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <Stack maw={1100}>
      <Group justify="space-between">
        <Title order={2}>Акты сверки</Title>
        <Button onClick={() => setCreating(true)}>Новый акт</Button>
      </Group>
      <Group align="flex-end" gap="sm">
        <ClientSelect label="Клиент" placeholder="Все клиенты" clearable w={320} value={client} onChange={setClient} />
        <Select label="Состояние" placeholder="Все" clearable w={200} value={status}
          onChange={(v) => setStatus(v as Status | null)}
          data={Object.entries(ACT_STATUS).map(([value, label]) => ({ value, label }))} />
      </Group>
      {list.isSuccess ? null : <NotLoaded query={list} what="акты" />}
      {list.isSuccess && rows.length === 0 ? <Text c="dimmed">Актов не найдено.</Text> : null}
      {rows.length > 0 ? (
        <Table withTableBorder striped data-testid="acts">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Акт</Table.Th>
              <Table.Th>Клиент</Table.Th>
              <Table.Th>Период</Table.Th>
              <Table.Th ta="right">Сальдо на конец</Table.Th>
              <Table.Th>Состояние</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((a) => (
              <Table.Tr key={a.id} data-act={a.id}>
                <Table.Td>
                  <Anchor renderRoot={(props) => <Link {...props} to="/reconciliation-acts/$actId" params={{ actId: a.id }} />}>
                    № {a.id}
                  </Anchor>
                </Table.Td>
                <Table.Td><ClientName id={a.client_id} /></Table.Td>
                <Table.Td>{formatDay(a.period_start)} – {formatDay(a.period_end)}</Table.Td>
                <Table.Td ta="right">{formatMoney(a.closing_balance)}</Table.Td>
                <Table.Td>
                  <Badge color={ACT_STATUS_COLOR[a.status]} variant="light">{ACT_STATUS[a.status]}</Badge>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      ) : null}
      {list.hasNextPage ? (
        <Button variant="subtle" loading={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>
          Показать ещё
        </Button>
      ) : null}
      {creating ? <NewActForm clientId={client} onClose={() => setCreating(false)} /> : null}
    </Stack>
  );
}

/** The first day of the quarter before the one ``today`` is in, and its last day. */
function lastQuarter(today: string): [string, string] {
  const year = Number(today.slice(0, 4));
  const quarter = Math.floor((Number(today.slice(5, 7)) - 1) / 3);
  const [y, q] = quarter === 0 ? [year - 1, 3] : [year, quarter - 1];
  const start = `${y}-${String(q * 3 + 1).padStart(2, "0")}-01`;
  const end = new Date(Date.UTC(y, q * 3 + 3, 0)).toISOString().slice(0, 10);
  return [start, end];
}

/** A new act for a client and a period; sent at once to the address given or the client's contact. */
function NewActForm({ clientId, onClose }: { clientId: number | null; onClose: () => void }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const onProblem = useProblemHandler();
  const today = useCompany().data?.today ?? "";
  const [from0, to0] = today ? lastQuarter(today) : ["", ""];
  // One key per attempt the API refused: it created nothing, and the corrected form is another body.
  const [key, setKey] = useState(newIdempotencyKey);
  const [client, setClient] = useState<number | null>(clientId);
  const [from, setFrom] = useState(from0);
  const [to, setTo] = useState(to0);
  const [email, setEmail] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const create = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST("/api/v1/reconciliation-acts", {
          params: { header: { "Idempotency-Key": key } },
          body: { client_id: client ?? 0, date_from: from, date_to: to, email: email.trim() || null },
        }),
      ),
    onSuccess: (act) => {
      void queryClient.invalidateQueries({ queryKey: ["reconciliation-acts"] });
      onClose();
      void navigate({ to: "/reconciliation-acts/$actId", params: { actId: act.id } });
    },
    onError: (error) => {
      if (error instanceof ApiProblem && error.status < 500) setKey(newIdempotencyKey());
      onProblem(error, setErrors, ["client_id", "date_from", "date_to", "email"]);
    },
  });
  const submit = () => {
    const mine: Record<string, string> = {};
    if (client === null) mine.client_id = "Выберите клиента";
    if (!from) mine.date_from = "Обязательное поле";
    if (!to) mine.date_to = "Обязательное поле";
    setErrors(mine);
    if (Object.keys(mine).length === 0) create.mutate();
  };
  return (
    <FormModal title="Новый акт сверки" onClose={onClose} onSubmit={submit} saving={create.isPending}>
      <ClientSelect label="Клиент" required value={client} onChange={setClient} autoFocus error={errors.client_id} />
      <Group grow align="flex-start">
        <DayInput label="Период с" required value={from} onChange={setFrom} maxDate={today} error={errors.date_from} />
        <DayInput label="Период по" required value={to} onChange={setTo} maxDate={today} error={errors.date_to} />
      </Group>
      <TextInput label="E-mail" description="Пусто — контакту клиента (главному бухгалтеру); без адреса акт останется неотправленным"
        value={email} onChange={(e) => setEmail(e.currentTarget.value)} error={errors.email} />
    </FormModal>
  );
}
