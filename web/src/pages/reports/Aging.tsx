import { Anchor, Button, Card, Group, Loader, SegmentedControl, Select, Stack, Table, Text, Title } from "@mantine/core";
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { useState } from "react";

import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import type { components } from "../../api/schema";
import { formatDay, formatMoney } from "../../lib/format";
import { amountAxis } from "../statistics/axis";
import { Bars } from "../statistics/Bars";
import { BUCKET_LABEL, BUCKETS, type Bucket } from "./labels";

type GroupBy = components["schemas"]["GroupBy"];
type DsoGroupBy = components["schemas"]["DsoGroupBy"];
type Row = components["schemas"]["AgingRowRead"];

const GROUPS: { value: GroupBy; label: string }[] = [
  { value: "client", label: "По клиентам" },
  { value: "manager", label: "По менеджерам" },
  { value: "department", label: "По отделам" },
];
const NOBODY: Record<GroupBy, string> = { client: "Без клиента", manager: "Без менеджера", department: "Без отдела" };
const COLUMN: Record<GroupBy, string> = { client: "Клиент", manager: "Менеджер", department: "Отдел" };
const CHART_ROWS = 10;

const rub = (value: number) => formatMoney(value);

/** Aging of the open debt by client, manager or department, its chart, and each row's invoices. */
export function Aging() {
  const [groupBy, setGroupBy] = useState<GroupBy>("client");
  const [opened, setOpened] = useState<{ key: number | null; name: string } | null>(null);
  const report = useQuery({
    queryKey: ["reports", "aging", groupBy],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET("/api/v1/reports/aging", { params: { query: { group_by: groupBy, limit: 100 } }, signal })),
  });
  const name = (r: Row) => r.name ?? NOBODY[groupBy];
  const top = (report.data?.rows ?? []).slice(0, CHART_ROWS);
  const data = top.map((r) => ({ label: name(r), ...Object.fromEntries(BUCKETS.map((b) => [b.key, Number(r.buckets[b.key])])) }));
  return (
    <Stack>
      <Group justify="space-between">
        <SegmentedControl
          value={groupBy}
          onChange={(v) => {
            setGroupBy(v as GroupBy);
            setOpened(null);
          }}
          data={GROUPS}
          aria-label="Группировка"
        />
        {report.data ? (
          <Text size="sm" data-testid="aging-total">
            На {formatDay(report.data.as_of)}: <b>{formatMoney(report.data.total)}</b>, групп: {report.data.groups}
          </Text>
        ) : null}
      </Group>
      {report.isPending ? <Loader size="sm" aria-label="Загрузка" /> : null}
      {report.data && report.data.rows.length === 0 ? (
        <Text c="dimmed" size="sm">
          Открытой задолженности нет
        </Text>
      ) : null}
      {report.data && report.data.rows.length > 0 ? (
        <>
          <Bars
            testId="aging-chart"
            data={data}
            stacked
            series={BUCKETS.map((b) => ({ name: b.key, label: b.label, color: b.color }))}
            axis={amountAxis(top.map((r) => Number(r.total)))}
            format={rub}
          />
          <Table striped withTableBorder fz="xs" data-testid="aging-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{COLUMN[groupBy]}</Table.Th>
                {BUCKETS.map((b) => (
                  <Table.Th key={b.key} ta="right">
                    {b.label}
                  </Table.Th>
                ))}
                <Table.Th ta="right">Итого</Table.Th>
                <Table.Th ta="right">Счетов</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {report.data.rows.map((r) => (
                <Table.Tr key={r.key ?? "none"} data-key={r.key ?? "none"}>
                  <Table.Td>
                    <Anchor component="button" type="button" fz="xs" onClick={() => setOpened({ key: r.key, name: name(r) })}>
                      {name(r)}
                    </Anchor>
                  </Table.Td>
                  {BUCKETS.map((b) => (
                    <Table.Td key={b.key} ta="right" style={{ whiteSpace: "nowrap" }}>
                      {formatMoney(r.buckets[b.key])}
                    </Table.Td>
                  ))}
                  <Table.Td ta="right" fw={600} style={{ whiteSpace: "nowrap" }}>
                    {formatMoney(r.total)}
                  </Table.Td>
                  <Table.Td ta="right">{r.invoices}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
            <Table.Tfoot>
              <Table.Tr>
                <Table.Th>Всего</Table.Th>
                {BUCKETS.map((b) => (
                  <Table.Th key={b.key} ta="right" style={{ whiteSpace: "nowrap" }}>
                    {formatMoney(report.data.totals[b.key])}
                  </Table.Th>
                ))}
                <Table.Th ta="right" style={{ whiteSpace: "nowrap" }}>
                  {formatMoney(report.data.total)}
                </Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Tfoot>
          </Table>
        </>
      ) : null}
      {opened ? <DrillDown groupBy={groupBy} group={opened} onClose={() => setOpened(null)} /> : null}
      <Dso />
    </Stack>
  );
}

/** The open invoices behind one row of the report, the longest overdue first. */
function DrillDown(props: { groupBy: GroupBy; group: { key: number | null; name: string }; onClose: () => void }) {
  const [bucket, setBucket] = useState<Bucket | null>(null);
  const invoices = useInfiniteQuery({
    queryKey: ["reports", "aging", "invoices", props.groupBy, props.group.key, bucket],
    initialPageParam: null as string | null,
    queryFn: async ({ pageParam, signal }) =>
      unwrap(
        await api.GET("/api/v1/reports/aging/invoices", {
          params: {
            query: {
              group_by: props.groupBy,
              key: props.group.key ?? undefined,
              bucket: bucket ?? undefined,
              cursor: pageParam ?? undefined,
              limit: 50,
            },
          },
          signal,
        }),
      ),
    getNextPageParam: (last) => last.next_cursor ?? null,
  });
  const rows = invoices.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <Card withBorder data-testid="aging-invoices">
      <Stack gap="sm">
        <Group justify="space-between">
          <Title order={4}>Счета: {props.group.name}</Title>
          <Group gap="xs">
            <Select
              size="xs"
              aria-label="Срок просрочки"
              placeholder="Все сроки"
              clearable
              value={bucket}
              onChange={(v) => setBucket(v as Bucket | null)}
              data={BUCKETS.map((b) => ({ value: b.key, label: b.label }))}
            />
            <Button size="xs" variant="default" onClick={props.onClose}>
              Закрыть
            </Button>
          </Group>
        </Group>
        {invoices.isPending ? <Loader size="sm" aria-label="Загрузка" /> : null}
        {!invoices.isPending && rows.length === 0 ? (
          <Text size="sm" c="dimmed">
            Открытых счетов нет
          </Text>
        ) : null}
        {rows.length > 0 ? (
          <Table fz="sm" striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Счёт</Table.Th>
                <Table.Th>Клиент</Table.Th>
                <Table.Th>Выставлен</Table.Th>
                <Table.Th>Срок оплаты</Table.Th>
                <Table.Th ta="right">Дней просрочки</Table.Th>
                <Table.Th ta="right">Долг</Table.Th>
                <Table.Th>Срок</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((i) => (
                <Table.Tr key={i.id} data-invoice={i.id}>
                  <Table.Td>
                    <Anchor renderRoot={(p) => <Link {...p} to="/orders/$orderId" params={{ orderId: i.order_id }} />}>
                      № {i.number}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>{i.client_name}</Table.Td>
                  <Table.Td>{formatDay(i.issued_on)}</Table.Td>
                  <Table.Td>{formatDay(i.due_on)}</Table.Td>
                  <Table.Td ta="right">{i.days_past_due}</Table.Td>
                  <Table.Td ta="right" style={{ whiteSpace: "nowrap" }}>
                    {formatMoney(i.outstanding)}
                  </Table.Td>
                  <Table.Td>{BUCKET_LABEL[i.bucket]}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        ) : null}
        {invoices.hasNextPage ? (
          <Button variant="default" loading={invoices.isFetchingNextPage} onClick={() => void invoices.fetchNextPage()}>
            Показать ещё
          </Button>
        ) : null}
      </Stack>
    </Card>
  );
}

const DSO_GROUPS: { value: DsoGroupBy; label: string }[] = [
  { value: "company", label: "Компания" },
  { value: "manager", label: "По менеджерам" },
  { value: "department", label: "По отделам" },
];
const PERIODS = ["30", "60", "90", "180", "365"];

/** Days sales outstanding: for the company, per manager or per department, over a period of sales. */
function Dso() {
  const [groupBy, setGroupBy] = useState<DsoGroupBy>("company");
  const [days, setDays] = useState("90");
  const dso = useQuery({
    queryKey: ["reports", "dso", groupBy, days],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET("/api/v1/reports/dso", { params: { query: { group_by: groupBy, days: Number(days) } }, signal })),
  });
  const rows = dso.data?.rows ?? [];
  const nameOf = (name: string | null) => (groupBy === "company" ? "Компания" : (name ?? "Не указано"));
  const dayCount = (v: number) => `${v.toLocaleString("ru-RU", { maximumFractionDigits: 1 })} дн.`;
  return (
    <Card withBorder data-testid="dso">
      <Stack gap="sm">
        <Group justify="space-between">
          <Title order={4}>Оборачиваемость дебиторской задолженности (DSO)</Title>
          <Group gap="xs">
            <SegmentedControl size="xs" value={groupBy} onChange={(v) => setGroupBy(v as DsoGroupBy)} data={DSO_GROUPS} aria-label="Группировка DSO" />
            <Select
              size="xs"
              w={130}
              aria-label="Период продаж"
              value={days}
              onChange={(v) => v && setDays(v)}
              data={PERIODS.map((p) => ({ value: p, label: `${p} дней` }))}
              allowDeselect={false}
            />
          </Group>
        </Group>
        {dso.isPending ? <Loader size="sm" aria-label="Загрузка" /> : null}
        {rows.some((r) => r.dso !== null) ? (
          <Bars
            testId="dso-chart"
            data={rows.filter((r) => r.dso !== null).slice(0, CHART_ROWS).map((r) => ({ label: nameOf(r.name), dso: Number(r.dso) }))}
            series={[{ name: "dso", label: "DSO, дней", color: "blue.6" }]}
            axis={amountAxis(rows.map((r) => Number(r.dso ?? 0)))}
            format={dayCount}
          />
        ) : null}
        {dso.data ? (
          <Table fz="sm" striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th />
                <Table.Th ta="right">Задолженность</Table.Th>
                <Table.Th ta="right">Продажи с {formatDay(dso.data.date_from)}</Table.Th>
                <Table.Th ta="right">DSO, дней</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((r) => (
                <Table.Tr key={r.key ?? "none"}>
                  <Table.Td>{nameOf(r.name)}</Table.Td>
                  <Table.Td ta="right">{formatMoney(r.receivables)}</Table.Td>
                  <Table.Td ta="right">{formatMoney(r.sales)}</Table.Td>
                  <Table.Td ta="right">{r.dso === null ? "—" : Number(r.dso).toLocaleString("ru-RU")}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        ) : null}
      </Stack>
    </Card>
  );
}
