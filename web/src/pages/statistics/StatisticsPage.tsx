import { Alert, Button, Card, Group, Loader, SegmentedControl, Select, SimpleGrid, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";

import { api } from "../../api/client";
import { ApiProblem, unwrap } from "../../api/problem";
import type { components } from "../../api/schema";
import { saveOrThrow } from "../../lib/download";
import { formatDay, formatMoney, formatPercent, todayIso } from "../../lib/format";
import { useEmployeeNames } from "../../lib/employees";
import { useMe } from "../../lib/me";
import { useProblemHandler } from "../../lib/problems";
import { useDepartments } from "../admin/departments";
import { amountAxis, countAxis, shareAxis } from "./axis";
import { Bars } from "./Bars";

type Section = components["schemas"]["SectionRead"];
type Measure = Section["measures"][string];
type Who = "all" | "employee" | "department";

const grouped = new Intl.NumberFormat("ru-RU", { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat("ru-RU", { minimumFractionDigits: 1, maximumFractionDigits: 1 });

/** A measure as the printed report writes it: shares «33 %», money «1 234,50 ₽», hours «12,5», counts «1 250». */
export function shown(key: string, value: Measure | undefined): string {
  if (value === null || value === undefined) return "—";
  if (key.endsWith("_share")) return formatPercent(Number(value));
  if (typeof value === "string") return formatMoney(value);
  return Number.isInteger(value) ? grouped.format(value) : oneDecimal.format(value);
}

const isCount = (key: string, value: Measure) => typeof value === "number" && Number.isInteger(value) && !key.endsWith("_share");

/** «Статистика»: every process's figures for a period, for an employee, a department or everybody; the PDF. */
export function StatisticsPage() {
  const me = useMe();
  const all = me.data?.permissions.includes("statistics:read_all") ?? false;
  const [from, setFrom] = useState(() => `${todayIso().slice(0, 8)}01`);
  const [to, setTo] = useState(todayIso);
  const [who, setWho] = useState<Who>("all");
  const [employeeId, setEmployeeId] = useState<string | null>(null);
  const [departmentId, setDepartmentId] = useState<string | null>(null);
  const query = {
    date_from: from,
    date_to: to,
    employee_id: who === "employee" && employeeId ? Number(employeeId) : undefined,
    department_id: who === "department" && departmentId ? Number(departmentId) : undefined,
  };
  const stats = useQuery({
    queryKey: ["statistics", query],
    enabled: Boolean(from && to),
    retry: false,
    queryFn: async ({ signal }) => unwrap(await api.GET("/api/v1/statistics", { params: { query }, signal })),
  });
  const fieldErrors = stats.error instanceof ApiProblem ? stats.error.fieldErrors() : {};
  return (
    <Stack maw={1100}>
      <Group justify="space-between">
        <Title order={2}>Статистика</Title>
        <PdfButton query={query} />
      </Group>
      <Group align="flex-start" gap="sm">
        <TextInput type="date" label="С" value={from} onChange={(e) => setFrom(e.currentTarget.value)} error={fieldErrors.date_from} w={170} data-testid="stats-from" />
        <TextInput type="date" label="По" value={to} onChange={(e) => setTo(e.currentTarget.value)} error={fieldErrors.date_to} w={170} data-testid="stats-to" />
        {all ? <WhoPicker who={who} setWho={setWho} employeeId={employeeId} setEmployeeId={setEmployeeId} departmentId={departmentId} setDepartmentId={setDepartmentId} errors={fieldErrors} /> : null}
      </Group>
      {stats.isFetching && !stats.data ? <Loader size="sm" aria-label="Загрузка" /> : null}
      {stats.error && Object.keys(fieldErrors).length === 0 ? (
        <Alert color="red">{stats.error instanceof ApiProblem ? (stats.error.problem?.detail ?? stats.error.message) : String(stats.error)}</Alert>
      ) : null}
      {stats.data ? (
        <>
          <Text size="sm" c="dimmed" data-testid="stats-period">
            Период: {formatDay(stats.data.date_from)} – {formatDay(stats.data.date_to)}
          </Text>
          {stats.data.sections.map((s) => (
            <SectionCard key={s.key} section={s} />
          ))}
        </>
      ) : null}
    </Stack>
  );
}

function WhoPicker(props: {
  who: Who;
  setWho: (w: Who) => void;
  employeeId: string | null;
  setEmployeeId: (v: string | null) => void;
  departmentId: string | null;
  setDepartmentId: (v: string | null) => void;
  errors: Record<string, string>;
}) {
  const employees = useEmployeeNames();
  const departments = useDepartments();
  return (
    <Group align="flex-end" gap="sm">
      <Stack gap={4}>
        <Text size="sm" fw={500}>
          Чьи
        </Text>
        <SegmentedControl
          value={props.who}
          onChange={(v) => props.setWho(v as Who)}
          data={[
            { value: "all", label: "Все" },
            { value: "employee", label: "Сотрудник" },
            { value: "department", label: "Отдел" },
          ]}
          aria-label="Чья статистика"
        />
      </Stack>
      {props.who === "employee" ? (
        <Select label="Сотрудник" searchable w={260} value={props.employeeId} onChange={props.setEmployeeId} error={props.errors.employee_id}
          data={[...(employees.data?.entries() ?? [])].map(([id, name]) => ({ value: String(id), label: name }))} data-testid="stats-employee" />
      ) : null}
      {props.who === "department" ? (
        <Select label="Отдел" w={260} value={props.departmentId} onChange={props.setDepartmentId} error={props.errors.department_id}
          data={(departments.data?.items ?? []).map((d) => ({ value: String(d.id), label: d.name }))} data-testid="stats-department" />
      ) : null}
    </Group>
  );
}

function PdfButton({ query }: { query: { date_from: string; date_to: string; employee_id?: number; department_id?: number } }) {
  const onProblem = useProblemHandler();
  const [busy, setBusy] = useState(false);
  const download = async () => {
    setBusy(true);
    try {
      await saveOrThrow(await api.GET("/api/v1/statistics/pdf", { params: { query }, parseAs: "blob" }), `statistics-${query.date_from}-${query.date_to}.pdf`);
    } catch (e) {
      onProblem(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Button variant="default" loading={busy} onClick={() => void download()} data-testid="stats-pdf">
      Скачать PDF
    </Button>
  );
}

function SectionCard({ section: s }: { section: Section }) {
  const names = useEmployeeNames();
  const label = (key: string) => s.labels[key] ?? key;
  const counts = Object.entries(s.measures).filter(([k, v]) => isCount(k, v));
  const shares = Object.entries(s.measures).filter(([k]) => k.endsWith("_share"));
  const cycles = Object.entries(s.cycle_hours).filter(([, v]) => v !== null);
  const onTime = s.on_time;
  return (
    <Card withBorder data-testid={`section-${s.key}`}>
      <Stack gap="sm">
        <Title order={4}>{s.title}</Title>
        <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
          <Table fz="sm" striped>
            <Table.Tbody>
              {Object.entries(s.measures).map(([k, v]) => (
                <Table.Tr key={k} data-measure={k}>
                  <Table.Td>{label(k)}</Table.Td>
                  <Table.Td ta="right" style={{ whiteSpace: "nowrap" }}>
                    {shown(k, v)}
                  </Table.Td>
                </Table.Tr>
              ))}
              {Object.entries(s.cycle_hours).map(([k, v]) => (
                <Table.Tr key={k} data-measure={k}>
                  <Table.Td>{label(k)}, ч</Table.Td>
                  <Table.Td ta="right">{shown(k, v)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <Stack gap="xs">
            {counts.length > 0 ? (
              <Bars testId={`chart-${s.key}-counts`} data={counts.map(([k, v]) => ({ label: label(k), value: Number(v) }))}
                series={[{ name: "value", label: "Количество", color: "blue.6" }]} axis={countAxis(counts.map(([, v]) => Number(v)))} labelWidth={170} />
            ) : null}
            {shares.length > 0 ? (
              <Bars testId={`chart-${s.key}-shares`} data={shares.map(([k, v]) => ({ label: label(k), value: v === null ? null : Number(v) }))}
                series={[{ name: "value", label: "Доля", color: "teal.6" }]} axis={shareAxis()} labelWidth={170} />
            ) : null}
            {cycles.length > 0 ? (
              <Bars testId={`chart-${s.key}-cycle`} data={cycles.map(([k, v]) => ({ label: label(k), value: v }))}
                series={[{ name: "value", label: "Часов в среднем", color: "grape.6" }]} axis={amountAxis(cycles.map(([, v]) => v))} labelWidth={170} />
            ) : null}
            {onTime ? (
              <>
                <Text size="sm" fw={600} data-testid={`on-time-${s.key}`}>
                  Сроки регламента: в срок {onTime.done_on_time}, с опозданием {onTime.done_late}, просрочено {onTime.overdue_open}
                  {onTime.share_on_time === null ? "" : ` (${formatPercent(onTime.share_on_time)} в срок)`}
                </Text>
                <Bars testId={`chart-${s.key}-on-time`} stacked labelWidth={80}
                  data={[{ label: "Шаги", met: onTime.done_on_time, late: onTime.done_late, missed: onTime.overdue_open }]}
                  series={[
                    { name: "met", label: "В срок", color: "teal.6" },
                    { name: "late", label: "С опозданием", color: "orange.6" },
                    { name: "missed", label: "Просрочено", color: "red.6" },
                  ]}
                  axis={countAxis([onTime.done_on_time + onTime.done_late + onTime.overdue_open])} />
              </>
            ) : null}
          </Stack>
        </SimpleGrid>
        {s.by_employee.length > 0 ? (
          <Table fz="sm" striped withTableBorder>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Сотрудник</Table.Th>
                <Table.Th ta="right">Получено</Table.Th>
                <Table.Th ta="right">Выставлен счёт</Table.Th>
                <Table.Th ta="right">Доставлено</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {s.by_employee.map((r) => (
                <Table.Tr key={r.employee_id}>
                  <Table.Td>{names.data?.get(r.employee_id) ?? `№${r.employee_id}`}</Table.Td>
                  <Table.Td ta="right">{r.received}</Table.Td>
                  <Table.Td ta="right">{r.invoiced}</Table.Td>
                  <Table.Td ta="right">{r.delivered}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        ) : null}
      </Stack>
    </Card>
  );
}
