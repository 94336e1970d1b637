import { Alert, Anchor, Badge, Button, Card, Group, Loader, Select, SimpleGrid, Stack, Table, Text, TextInput, Textarea, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";

import { api, ifMatch, newIdempotencyKey } from "../../api/client";
import { unwrap } from "../../api/problem";
import type { components } from "../../api/schema";
import { saveOrThrow } from "../../lib/download";
import { formatDateTime, formatDay, formatMoney, todayIso } from "../../lib/format";
import { useEmployeeNames, useEmployeesWithRole } from "../../lib/employees";
import { useProblemHandler } from "../../lib/problems";
import { REPORT_STATUS } from "./labels";

type Report = components["schemas"]["DailyReportRead"];
type Figures = Report["figures"];

/** The day's figures by section, named as the printed report names them. */
function FiguresTable({ figures, labels }: { figures: Figures; labels: Record<string, string> }) {
  return (
    <SimpleGrid cols={{ base: 2, md: 4 }} spacing="xs" data-testid="figures">
      {Object.entries(figures).map(([section, measures]) => (
        <Card key={section} withBorder padding="xs">
          <Text size="sm" fw={600}>
            {labels[section] ?? section}
          </Text>
          {Object.entries(measures).map(([measure, value]) => (
            <Group key={measure} justify="space-between" gap="xs" wrap="nowrap" data-figure={`${section}.${measure}`}>
              <Text size="xs">{labels[`${section}.${measure}`] ?? measure}</Text>
              <Text size="xs" fw={600} style={{ whiteSpace: "nowrap" }}>
                {typeof value === "string" ? formatMoney(value) : value}
              </Text>
            </Group>
          ))}
        </Card>
      ))}
    </SimpleGrid>
  );
}

function useReportsOf(employeeId: number | undefined, day: string | undefined) {
  return useQuery({
    queryKey: ["daily-reports", "list", employeeId ?? null, day ?? null],
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET("/api/v1/daily-reports", {
          params: { query: { employee_id: employeeId, day, limit: 50 } },
          signal,
        }),
      ),
  });
}

/** The assistant's day: its figures as compiled now, their own words, and the report sent to a manager. */
export function MyDay({ employeeId }: { employeeId: number }) {
  const [day, setDay] = useState(todayIso);
  const existing = useReportsOf(employeeId, day);
  const report = existing.data?.items.find((r) => r.status !== "draft");
  return (
    <Stack>
      <Group>
        <TextInput type="date" label="День" value={day} max={todayIso()} onChange={(e) => e.currentTarget.value && setDay(e.currentTarget.value)} w={180} />
      </Group>
      {existing.isPending ? <Loader size="sm" aria-label="Загрузка" /> : report ? <ReportCard report={report} /> : <SubmitForm day={day} />}
    </Stack>
  );
}

function SubmitForm({ day }: { day: string }) {
  const queryClient = useQueryClient();
  const onProblem = useProblemHandler();
  const managers = useEmployeesWithRole("manager");
  const [key, setKey] = useState(newIdempotencyKey);
  const [text, setText] = useState("");
  const [managerId, setManagerId] = useState<string | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const figures = useQuery({
    queryKey: ["daily-reports", "figures", day],
    queryFn: async ({ signal }) => unwrap(await api.GET("/api/v1/daily-reports/figures", { params: { query: { day } }, signal })),
  });
  const submit = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST("/api/v1/daily-reports", {
          params: { header: { "Idempotency-Key": key } },
          body: { day, manager_id: Number(managerId ?? 0), text: text.trim() || null },
        }),
      ),
    onSuccess: () => {
      setKey(newIdempotencyKey());
      void queryClient.invalidateQueries({ queryKey: ["daily-reports"] });
      void queryClient.invalidateQueries({ queryKey: ["tasks"] });
    },
    onError: (error) => onProblem(error, setErrors, ["manager_id", "text", "day"]),
  });
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        setErrors({});
        if (!managerId) {
          setErrors({ manager_id: "Выберите менеджера" });
          return;
        }
        submit.mutate();
      }}
    >
      <Stack>
        <Title order={4}>Показатели за {formatDay(day)}</Title>
        {figures.data ? <FiguresTable figures={figures.data.figures} labels={figures.data.labels} /> : <Loader size="sm" aria-label="Загрузка" />}
        {errors.day ? <Alert color="red">{errors.day}</Alert> : null}
        <Textarea label="Итоги дня своими словами" autosize minRows={3} value={text} error={errors.text}
          onChange={(e) => setText(e.currentTarget.value)} data-testid="report-text" />
        <Select label="Кому" placeholder="Менеджер" data={managers.data ?? []} value={managerId} error={errors.manager_id}
          onChange={setManagerId} searchable w={320} data-testid="report-manager" />
        <Group>
          <Button type="submit" loading={submit.isPending}>
            Отправить отчёт
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** A report as sent, with the manager's answer; the one it was sent to answers here. */
function ReportCard({ report, author }: { report: Report; author?: string }) {
  const queryClient = useQueryClient();
  const onProblem = useProblemHandler();
  const names = useEmployeeNames();
  const [feedback, setFeedback] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const answer = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST("/api/v1/daily-reports/{report_id}/feedback", {
          params: { path: { report_id: report.id }, header: ifMatch(report.version) },
          body: { feedback },
        }),
      ),
    onSuccess: () => {
      setFeedback("");
      void queryClient.invalidateQueries({ queryKey: ["daily-reports"] });
    },
    onError: (error) => onProblem(error, setErrors, ["feedback"]),
  });
  return (
    <Card withBorder data-testid="daily-report" data-report={report.id}>
      <Stack gap="sm">
        <Group justify="space-between">
          <Title order={4}>
            Отчёт за {formatDay(report.day)}
            {author ? ` · ${author}` : ""}
          </Title>
          <Badge variant="light" data-testid="report-status">
            {REPORT_STATUS[report.status]}
          </Badge>
        </Group>
        <Text size="sm" c="dimmed">
          Отправлен {formatDateTime(report.submitted_at)}
          {report.manager_id ? `, менеджеру ${names.data?.get(report.manager_id) ?? ""}` : ""}
        </Text>
        <FiguresTable figures={report.figures} labels={report.labels} />
        <div>
          <Text size="sm" fw={600}>
            Итоги дня
          </Text>
          <Text size="sm" style={{ whiteSpace: "pre-wrap" }} data-testid="report-words">
            {report.text ?? "—"}
          </Text>
        </div>
        {report.feedback ? (
          <Alert color="blue" title={`Ответ менеджера${report.feedback_at ? `, ${formatDateTime(report.feedback_at)}` : ""}`} data-testid="report-feedback">
            <Text size="sm" style={{ whiteSpace: "pre-wrap" }}>
              {report.feedback}
            </Text>
          </Alert>
        ) : null}
        {report.allowed_actions.includes("feedback") ? (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              setErrors({});
              answer.mutate();
            }}
          >
            <Stack gap="xs">
              <Textarea label="Обратная связь" required autosize minRows={2} value={feedback} error={errors.feedback}
                onChange={(e) => setFeedback(e.currentTarget.value)} data-testid="feedback-text" />
              <Group>
                <Button type="submit" loading={answer.isPending}>
                  Ответить
                </Button>
              </Group>
            </Stack>
          </form>
        ) : null}
      </Stack>
    </Card>
  );
}

/** The reports one may read (one's own and those sent to one), each opened with its answer; the period's spreadsheet. */
export function DailyReports({ me }: { me: number }) {
  const reports = useReportsOf(undefined, undefined);
  const names = useEmployeeNames();
  const [openedId, setOpenedId] = useState<number | null>(null);
  const rows = (reports.data?.items ?? []).filter((r) => r.status !== "draft");
  const opened = rows.find((r) => r.id === openedId);
  return (
    <Stack>
      <Export />
      {reports.isPending ? <Loader size="sm" aria-label="Загрузка" /> : null}
      {reports.data && rows.length === 0 ? (
        <Text size="sm" c="dimmed">
          Отчётов нет
        </Text>
      ) : null}
      {rows.length > 0 ? (
        <Table striped withTableBorder fz="sm" data-testid="daily-reports">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>День</Table.Th>
              <Table.Th>Сотрудник</Table.Th>
              <Table.Th>Статус</Table.Th>
              <Table.Th>Ответ</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((r) => (
              <Table.Tr key={r.id} data-report={r.id}>
                <Table.Td>
                  <Anchor component="button" type="button" fz="sm" onClick={() => setOpenedId(r.id)}>
                    {formatDay(r.day)}
                  </Anchor>
                </Table.Td>
                <Table.Td>{r.employee_id === me ? "Я" : (names.data?.get(r.employee_id) ?? `№${r.employee_id}`)}</Table.Td>
                <Table.Td>{REPORT_STATUS[r.status]}</Table.Td>
                <Table.Td>
                  <Text size="sm" lineClamp={1}>
                    {r.feedback ?? "—"}
                  </Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      ) : null}
      {opened ? <ReportCard report={opened} author={names.data?.get(opened.employee_id)} /> : null}
    </Stack>
  );
}

/** The period's submitted reports as the department's spreadsheet (a sheet per person). */
function Export() {
  const onProblem = useProblemHandler();
  const [from, setFrom] = useState(() => `${todayIso().slice(0, 8)}01`);
  const [to, setTo] = useState(todayIso);
  const [busy, setBusy] = useState(false);
  const download = async () => {
    setBusy(true);
    try {
      await saveOrThrow(await api.GET("/api/v1/daily-reports/export", {
        params: { query: { date_from: from, date_to: to } },
        parseAs: "blob",
      }), `daily-reports-${from}-${to}.xlsx`);
    } catch (e) {
      onProblem(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Group align="flex-end" gap="xs">
      <TextInput type="date" label="С" value={from} onChange={(e) => setFrom(e.currentTarget.value)} w={170} />
      <TextInput type="date" label="По" value={to} onChange={(e) => setTo(e.currentTarget.value)} w={170} />
      <Button variant="default" loading={busy} onClick={() => void download()} data-testid="export-reports">
        Скачать таблицу за период
      </Button>
    </Group>
  );
}
