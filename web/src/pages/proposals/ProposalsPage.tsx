import {
  Badge,
  Button,
  Checkbox,
  Group,
  Loader,
  Modal,
  NumberInput,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Textarea,
  Title,
} from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { useState } from "react";

import { api, newIdempotencyKey } from "../../api/client";
import { unwrap } from "../../api/problem";
import type { components } from "../../api/schema";
import { useClientSearch } from "../../lib/clients";
import { useEmployeeNames } from "../../lib/employees";
import { formatDateTime, formatMoney, parseDecimal } from "../../lib/format";
import { useMe } from "../../lib/me";
import { useProblemHandler } from "../../lib/problems";
import { AnchorLink } from "./AnchorLink";
import { DayInput } from "../../components/WhenInput";
import { PROPOSAL_STATUS } from "./labels";

type Status = components["schemas"]["ProposalStatus"];

const PAGE = 50;

/** «Коммерческие предложения»: the proposals I may see, newest first, by state; a manager asks for a new one. */
export function ProposalsPage() {
  const me = useMe();
  const canWrite = me.data?.permissions.includes("proposals:write") ?? false;
  const decidesBelowCost = me.data?.permissions.includes("proposals:approve_below_cost") ?? false;
  const [status, setStatus] = useState<Status | null>(null);
  const [belowCost, setBelowCost] = useState(false);
  const [asking, setAsking] = useState(false);
  const names = useEmployeeNames();
  const list = useInfiniteQuery({
    queryKey: ["proposals", "list", status, belowCost],
    initialPageParam: null as string | null,
    queryFn: async ({ pageParam, signal }) =>
      unwrap(
        await api.GET("/api/v1/proposals", {
          params: {
            query: {
              status: status ?? undefined,
              below_cost_pending: belowCost || undefined,
              cursor: pageParam ?? undefined,
              limit: PAGE,
            },
          },
          signal,
        }),
      ),
    getNextPageParam: (last) => last.next_cursor,
  });
  const rows = list.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <Stack maw={1100}>
      <Group justify="space-between">
        <Title order={2}>Коммерческие предложения</Title>
        {canWrite ? <Button onClick={() => setAsking(true)}>Запросить КП</Button> : null}
      </Group>
      {asking ? <RequestModal onClose={() => setAsking(false)} /> : null}
      <Group align="flex-end">
        <Select
          label="Статус"
          placeholder="Все"
          clearable
          w={260}
          value={status}
          onChange={(v) => setStatus(v as Status | null)}
          data={Object.entries(PROPOSAL_STATUS).map(([value, label]) => ({ value, label }))}
        />
        {decidesBelowCost ? (
          <Checkbox
            mb={8}
            label="Ждёт решения по цене ниже закупки"
            checked={belowCost}
            onChange={(e) => setBelowCost(e.currentTarget.checked)}
          />
        ) : null}
      </Group>
      {list.isPending ? <Loader aria-label="Загрузка" /> : null}
      {list.isSuccess && rows.length === 0 ? <Text c="dimmed">Предложений нет</Text> : null}
      {rows.length > 0 ? (
        <Table striped withTableBorder data-testid="proposals">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>№</Table.Th>
              <Table.Th>Спецодежда</Table.Th>
              <Table.Th>Статус</Table.Th>
              <Table.Th>Менеджер</Table.Th>
              <Table.Th>Срок</Table.Th>
              <Table.Th>Сумма</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((p) => (
              <Table.Tr key={p.id} data-proposal={p.id}>
                <Table.Td>
                  <AnchorLink to="/proposals/$proposalId" params={{ proposalId: p.id }}>
                    КП №{p.id}
                  </AnchorLink>
                </Table.Td>
                <Table.Td>{p.workwear_kind}</Table.Td>
                <Table.Td>
                  <Group gap={4}>
                    <Badge variant="light">{PROPOSAL_STATUS[p.status]}</Badge>
                    {p.below_cost_pending_positions.length > 0 ? (
                      <Badge variant="light" color="red">
                        ниже закупки — ждёт руководителя
                      </Badge>
                    ) : null}
                  </Group>
                </Table.Td>
                <Table.Td>{names.data?.get(p.manager_id) ?? "—"}</Table.Td>
                <Table.Td>{formatDateTime(p.due_at)}</Table.Td>
                <Table.Td>{formatMoney(p.total)}</Table.Td>
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
    </Stack>
  );
}

/** The manager's request: client and contact, kind of workwear, number of models, markup, deadline. */
function RequestModal({ onClose }: { onClose: () => void }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const onProblem = useProblemHandler();
  const [key] = useState(newIdempotencyKey);
  const [clientId, setClientId] = useState<string | null>(null);
  const [clientQuery, setClientQuery] = useState("");
  const [debounced] = useDebouncedValue(clientQuery, 250);
  const clients = useClientSearch(debounced);
  const client = useQuery({
    queryKey: ["clients", Number(clientId)],
    enabled: clientId !== null,
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET("/api/v1/clients/{client_id}", { params: { path: { client_id: Number(clientId) } }, signal }),
      ),
  });
  const [contactId, setContactId] = useState<string | null>(null);
  const [kind, setKind] = useState("");
  const [models, setModels] = useState<number | string>(1);
  const [markup, setMarkup] = useState("");
  const [deadline, setDeadline] = useState("");
  const [comment, setComment] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});

  const create = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST("/api/v1/proposals", {
          params: { header: { "Idempotency-Key": key } },
          body: {
            client_id: Number(clientId),
            contact_id: contactId ? Number(contactId) : null,
            workwear_kind: kind.trim(),
            models_count: Number(models) || 0,
            markup_percent: parseDecimal(markup, 2) ?? markup.trim(),
            deadline: deadline || null,
            comment: comment.trim() || null,
          },
        }),
      ),
    onSuccess: (created) => {
      void queryClient.invalidateQueries({ queryKey: ["proposals"] });
      void queryClient.invalidateQueries({ queryKey: ["tasks"] });
      onClose();
      void navigate({ to: "/proposals/$proposalId", params: { proposalId: created.id } });
    },
    onError: (error) =>
      onProblem(error, setErrors, [
        "client_id",
        "contact_id",
        "workwear_kind",
        "models_count",
        "markup_percent",
        "deadline",
        "comment",
        "assistant_id",
      ]),
  });

  const ready = clientId !== null && kind.trim() !== "" && markup.trim() !== "";
  return (
    <Modal opened onClose={onClose} title="Запрос коммерческого предложения" size="lg">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setErrors({});
          if (ready) create.mutate();
        }}
      >
        <Stack>
          <Select
            label="Клиент"
            placeholder="Название или ИНН"
            required
            searchable
            value={clientId}
            onChange={(v) => {
              setClientId(v);
              setContactId(null);
            }}
            searchValue={clientQuery}
            onSearchChange={setClientQuery}
            filter={({ options }) => options}
            nothingFoundMessage="Не найдено"
            data={(clients.data?.items ?? []).map((c) => ({ value: String(c.id), label: c.name }))}
            error={errors.client_id ?? errors.assistant_id}
            data-autofocus
          />
          <Select
            label="Контактное лицо"
            placeholder="Кому предназначено"
            clearable
            disabled={!client.data}
            value={contactId}
            onChange={setContactId}
            data={(client.data?.contacts ?? []).map((c) => ({ value: String(c.id), label: c.name }))}
            error={errors.contact_id}
          />
          <TextInput
            label="Вид спецодежды"
            required
            value={kind}
            onChange={(e) => setKind(e.currentTarget.value)}
            error={errors.workwear_kind}
          />
          <Group grow align="flex-start">
            <NumberInput
              label="Количество моделей"
              required
              min={1}
              max={200}
              allowDecimal={false}
              value={models}
              onChange={setModels}
              error={errors.models_count}
            />
            <TextInput
              label="Наценка, %"
              required
              inputMode="decimal"
              value={markup}
              onChange={(e) => setMarkup(e.currentTarget.value)}
              error={errors.markup_percent}
            />
            <DayInput
              label="Срок"
              description="Рабочий день; по умолчанию — следующий"
              value={deadline}
              onChange={setDeadline}
              error={errors.deadline}
            />
          </Group>
          <Textarea
            label="Комментарий"
            autosize
            minRows={2}
            value={comment}
            onChange={(e) => setComment(e.currentTarget.value)}
            error={errors.comment}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Отмена
            </Button>
            <Button type="submit" loading={create.isPending} disabled={!ready}>
              Запросить
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
