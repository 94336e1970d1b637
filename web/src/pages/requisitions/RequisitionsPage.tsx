import { Anchor, Badge, Button, Group, Stack, Table, Tabs, Text, TextInput, Textarea, Title } from "@mantine/core";
import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { useState } from "react";

import { api, ifMatch } from "../../api/client";
import { unwrap } from "../../api/problem";
import type { components } from "../../api/schema";
import { FormModal } from "../../components/FormModal";
import { formatDate, toZonedInput } from "../../lib/format";
import { useMe } from "../../lib/me";
import { useProblemHandler } from "../../lib/problems";
import { NotLoaded } from "../../components/NotLoaded";

type Requisition = components["schemas"]["RequisitionRead"];
type Status = components["schemas"]["RequisitionStatus"];

const PAGE = 100;

/** The book's parts, in the order supply works them. */
const TABS: { status: Status; label: string; empty: string }[] = [
  { status: "requested", label: "Открытые", empty: "Открытых позиций нет" },
  { status: "ordered", label: "Заказано", empty: "Заказанных без даты нет" },
  { status: "expected", label: "Ожидаются", empty: "Ожидаемых поставок нет" },
  { status: "arrived", label: "Пришло", empty: "Пришедших нет" },
  { status: "cancelled", label: "Не можем обеспечить", empty: "Таких позиций нет" },
];

/** A date of the API (`YYYY-MM-DD`) as «07.12.2026». */
function day(value: string | null): string {
  return value ? formatDate(`${value}T12:00:00Z`) : "—";
}

/** «Книга заявок»: the lines to procure by their state; supply orders them, gives the date, records the arrival or that it cannot fill. */
export function RequisitionsPage() {
  const [tab, setTab] = useState<Status>("requested");
  const me = useMe();
  const canWrite = me.data?.permissions.includes("requisitions:write") ?? false;
  return (
    <Stack maw={1100}>
      <Title order={2}>Книга заявок</Title>
      <Tabs value={tab} onChange={(v) => v && setTab(v as Status)} keepMounted={false}>
        <Tabs.List>
          {TABS.map((t) => (
            <Tabs.Tab key={t.status} value={t.status}>
              {t.label}
            </Tabs.Tab>
          ))}
        </Tabs.List>
        {TABS.map((t) => (
          <Tabs.Panel key={t.status} value={t.status} pt="sm">
            <Book status={t.status} empty={t.empty} canWrite={canWrite} />
          </Tabs.Panel>
        ))}
      </Tabs>
    </Stack>
  );
}

function Book({ status, empty, canWrite }: { status: Status; empty: string; canWrite: boolean }) {
  const book = useInfiniteQuery({
    queryKey: ["requisitions", status],
    initialPageParam: null as string | null,
    queryFn: async ({ pageParam, signal }) =>
      unwrap(
        await api.GET("/api/v1/requisitions", {
          params: { query: { status, cursor: pageParam ?? undefined, limit: PAGE } },
          signal,
        }),
      ),
    getNextPageParam: (last) => last.next_cursor ?? null,
  });
  const rows = book.data?.pages.flatMap((p) => p.items) ?? [];
  if (!book.isSuccess) return <NotLoaded query={book} what="книгу заявок" size="sm" />;
  return (
    <Stack gap="sm">
      {rows.length === 0 ? (
        <Text size="sm" c="dimmed">
          {empty}
        </Text>
      ) : (
        <Table striped withTableBorder data-testid={`book-${status}`}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th w={90}>Заявка</Table.Th>
              <Table.Th>Наименование</Table.Th>
              <Table.Th w={70}>Кол-во</Table.Th>
              <Table.Th w={110}>Запрошено</Table.Th>
              <Table.Th w={130}>{status === "arrived" ? "Пришло" : "Ожидается"}</Table.Th>
              {canWrite ? <Table.Th w={330} /> : null}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((r) => (
              <Line key={r.id} line={r} canWrite={canWrite} />
            ))}
          </Table.Tbody>
        </Table>
      )}
      <Group justify="space-between">
        <Text size="sm" c="dimmed" data-testid={`book-${status}-shown`}>
          Показано: {rows.length}
        </Text>
        {book.hasNextPage ? (
          <Button variant="default" loading={book.isFetchingNextPage} onClick={() => void book.fetchNextPage()}>
            Показать ещё
          </Button>
        ) : null}
      </Group>
    </Stack>
  );
}

type Action = "ordered" | "expected" | "arrived" | "cancel";

function Line({ line: r, canWrite }: { line: Requisition; canWrite: boolean }) {
  const queryClient = useQueryClient();
  const onProblem = useProblemHandler();
  const [asking, setAsking] = useState<"expected" | "cancel" | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const act = useMutation({
    mutationFn: async ({ action, body }: { action: Action; body: object }) => {
      const init = { params: { path: { requisition_id: r.id }, header: ifMatch(r.version) } };
      switch (action) {
        case "ordered":
          return unwrap(await api.POST("/api/v1/requisitions/{requisition_id}/ordered", { ...init, body }));
        case "expected":
          return unwrap(
            await api.POST("/api/v1/requisitions/{requisition_id}/expected", {
              ...init,
              body: body as { expected_on: string },
            }),
          );
        case "arrived":
          return unwrap(await api.POST("/api/v1/requisitions/{requisition_id}/arrived", { ...init, body }));
        case "cancel":
          return unwrap(
            await api.POST("/api/v1/requisitions/{requisition_id}/cancel", { ...init, body: body as { comment: string } }),
          );
      }
    },
    onSuccess: () => {
      setAsking(null);
      void queryClient.invalidateQueries({ queryKey: ["requisitions"] });
      void queryClient.invalidateQueries({ queryKey: ["tasks"] });
    },
    onError: (error, { action }) =>
      onProblem(
        error,
        // The API's reason is in English; the one field this form has is said in Russian.
        (errors) => setFieldErrors(action === "expected" && errors.expected_on ? { expected_on: "Дата уже прошла" } : errors),
        ["expected_on", "comment"],
      ),
  });
  const allowed = new Set(r.allowed_actions);
  const busy = (a: Action) => act.isPending && act.variables.action === a;
  return (
    <Table.Tr data-requisition={r.id}>
      <Table.Td>
        <Anchor renderRoot={(props) => <Link {...props} to="/orders/$orderId" params={{ orderId: r.order_id }} />}>
          №{r.order_id}
        </Anchor>
      </Table.Td>
      <Table.Td>
        {r.name}
        {r.comment ? (
          <Text size="xs" c="dimmed">
            {r.comment}
          </Text>
        ) : null}
      </Table.Td>
      <Table.Td>{r.quantity}</Table.Td>
      <Table.Td>{day(r.requested_on)}</Table.Td>
      <Table.Td>
        {r.status === "arrived" ? day(r.arrived_on) : r.expected_on ? <Badge variant="light">{day(r.expected_on)}</Badge> : "—"}
      </Table.Td>
      {canWrite ? (
        <Table.Td>
          <Group gap={4} justify="flex-end">
            {allowed.has("ordered") ? (
              <Button size="compact-sm" variant="default" loading={busy("ordered")} onClick={() => act.mutate({ action: "ordered", body: {} })}>
                Заказано
              </Button>
            ) : null}
            {allowed.has("expected") ? (
              <Button size="compact-sm" variant="default" onClick={() => setAsking("expected")}>
                Дата поставки
              </Button>
            ) : null}
            {allowed.has("arrived") ? (
              <Button size="compact-sm" variant="default" loading={busy("arrived")} onClick={() => act.mutate({ action: "arrived", body: {} })}>
                Пришло
              </Button>
            ) : null}
            {allowed.has("cancel") ? (
              <Button size="compact-sm" variant="light" color="red" onClick={() => setAsking("cancel")}>
                Не можем обеспечить
              </Button>
            ) : null}
          </Group>
          {asking === "expected" ? (
            <ExpectedModal
              line={r}
              busy={act.isPending}
              error={fieldErrors.expected_on}
              onClose={() => {
                setAsking(null);
                setFieldErrors({});
              }}
              onSubmit={(expected_on) => {
                setFieldErrors({});
                act.mutate({ action: "expected", body: { expected_on } });
              }}
            />
          ) : null}
          {asking === "cancel" ? (
            <CancelModal
              line={r}
              busy={act.isPending}
              error={fieldErrors.comment}
              onClose={() => {
                setAsking(null);
                setFieldErrors({});
              }}
              onSubmit={(comment) => act.mutate({ action: "cancel", body: { comment } })}
            />
          ) : null}
        </Table.Td>
      ) : null}
    </Table.Tr>
  );
}

function ExpectedModal(props: {
  line: Requisition;
  busy: boolean;
  error?: string;
  onClose: () => void;
  onSubmit: (expectedOn: string) => void;
}) {
  const [value, setValue] = useState(props.line.expected_on ?? toZonedInput(new Date()).slice(0, 10));
  return (
    <FormModal
      title={`Дата поставки: ${props.line.name}`}
      onClose={props.onClose}
      onSubmit={() => props.onSubmit(value)}
      saving={props.busy}
    >
      <TextInput
        type="date"
        label="Ожидаемая дата"
        required
        value={value}
        error={props.error}
        onChange={(e) => setValue(e.currentTarget.value)}
        data-autofocus
      />
    </FormModal>
  );
}

function CancelModal(props: {
  line: Requisition;
  busy: boolean;
  error?: string;
  onClose: () => void;
  onSubmit: (comment: string) => void;
}) {
  const [comment, setComment] = useState("");
  return (
    <FormModal
      title={`Не можем обеспечить: ${props.line.name}`}
      onClose={props.onClose}
      onSubmit={() => props.onSubmit(comment)}
      saving={props.busy}
      submitLabel="Подтвердить"
      danger
    >
      <Textarea
        label="Причина"
        required
        value={comment}
        error={props.error}
        onChange={(e) => setComment(e.currentTarget.value)}
        data-autofocus
      />
    </FormModal>
  );
}
