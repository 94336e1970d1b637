import { Alert, Anchor, Badge, Button, Group, Stack, Table, Text, Timeline, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "@tanstack/react-router";

import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import type { components } from "../../api/schema";
import { useClientName } from "../../lib/clients";
import { useCompany } from "../../lib/company";
import { saveFile } from "../../lib/download";
import { formatDateTime, formatMoney } from "../../lib/format";
import { CONTACT_LEVEL } from "../clients/labels";
import { CaseActions } from "./CaseActions";
import { ClaimSection } from "./Claim";
import { CasePayments } from "./PaymentsOfCase";
import { daysBetween, daysText, formatDay } from "./days";
import { CLOSE_REASON, DEADLINE, FILE_KIND, STAGE, STAGES } from "./labels";
import { NotLoaded } from "../../components/NotLoaded";

type Case = components["schemas"]["CaseRead"];

/** When each stage was reached, from the case's own dates. */
function stageDate(c: Case, stage: Case["stage"]): string | null {
  switch (stage) {
    case "guarantee_requested":
      return formatDay(c.opened_on);
    case "guarantee_received":
      return c.promised_on ? `оплата обещана до ${formatDay(c.promised_on)}` : null;
    case "escalated":
      return c.breached_on ? formatDay(c.breached_on) : null;
    case "waiting":
      return c.negotiated_on ? `${formatDay(c.negotiated_on)}, ждём до ${formatDay(c.wait_ends_on)}` : null;
    case "claim_requested":
      return c.claim_requested_on ? formatDay(c.claim_requested_on) : null;
    case "claim_approved":
      return c.claim_approved_at ? formatDateTime(c.claim_approved_at) : null;
    case "claim_sent":
      return c.claim_sent_on ? `${formatDay(c.claim_sent_on)}, ШПИ ${c.tracking_number ?? "—"}` : null;
    case "delivered":
      return c.delivered_on ? formatDay(c.delivered_on) : null;
    case "court_ready":
      return c.court_allowed_on ? `с ${formatDay(c.court_allowed_on)}` : null;
    case "in_court":
      return c.court_case_number ? `дело ${c.court_case_number}` : null;
    case "closed":
      return c.closed_at ? `${formatDateTime(c.closed_at)}${c.close_reason ? `, ${CLOSE_REASON[c.close_reason]}` : ""}` : null;
  }
}

/** One collection case: the regulation's steps and their deadlines, the calls, the guarantee letter,
 * the claim with its penalty table and PDF, the post's tracking, the clock to court and its package. */
export function CasePage() {
  const { caseId } = useParams({ from: "/app/receivables/$caseId" });
  const company = useCompany();
  const today = company.data?.today ?? new Date().toISOString().slice(0, 10);
  const one = useQuery({
    queryKey: ["collection-cases", caseId],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET("/api/v1/collection-cases/{case_id}", { params: { path: { case_id: caseId } }, signal })),
  });
  const name = useClientName(one.data?.client_id);
  if (!one.isSuccess) return <NotLoaded query={one} what="дело" />;
  const c = one.data;
  const reached = STAGES.indexOf(c.stage);
  return (
    <Stack maw={1100}>
      <Group gap="sm">
        <Title order={2}>Дело о задолженности №{c.id}</Title>
        <Badge size="lg" data-testid="case-stage">
          {STAGE[c.stage]}
        </Badge>
      </Group>
      <Text size="sm">
        <Anchor renderRoot={(props) => <Link {...props} to="/clients/$clientId" params={{ clientId: c.client_id }} />}>
          {name.data ?? `Клиент №${c.client_id}`}
        </Anchor>{" "}
        · просроченный долг <b data-testid="case-debt">{formatMoney(c.overdue_debt)}</b> · просрочка{" "}
        <span data-testid="case-days">{daysText(c.days_overdue)}</span> · открыто {formatDay(c.opened_on)} (долг{" "}
        {formatMoney(c.debt_at_open)})
      </Text>
      <CaseActions c={c} today={today} />
      <Group align="flex-start" grow wrap="nowrap">
        <Stack gap="xs" miw={0}>
          <Title order={3}>Шаги регламента</Title>
          <Timeline active={c.stage === "closed" ? STAGES.length - 1 : reached} bulletSize={14} lineWidth={2} data-testid="case-steps">
            {STAGES.filter((s) => s !== "closed" || c.stage === "closed").map((s) => (
              <Timeline.Item key={s} title={STAGE[s]} lh={1.2}>
                <Text size="xs" c="dimmed">
                  {stageDate(c, s) ?? ""}
                </Text>
              </Timeline.Item>
            ))}
          </Timeline>
        </Stack>
        <Stack gap="xs" miw={0}>
          <Title order={3}>Сроки</Title>
          <Deadlines c={c} today={today} />
          <CourtClock c={c} today={today} />
        </Stack>
      </Group>
      <Calls c={c} />
      <CasePayments c={c} />
      <ClaimSection c={c} />
      <Tracking c={c} />
      <CourtPackage c={c} />
      <Files c={c} />
    </Stack>
  );
}

/** The last stage each deadline is kept in: past it, the deadline is behind the case. */
const DEADLINE_STAGE: Record<Case["deadlines"][number]["step"], Case["stage"]> = {
  guarantee_answer: "guarantee_requested",
  confirmation_call: "guarantee_received",
  promise_breach: "guarantee_received",
  claim_request: "waiting",
  claim_prepared: "claim_requested",
  tracking_check: "claim_sent",
  claim_payment: "delivered",
  court_allowed: "delivered",
};

function Deadlines({ c, today }: { c: Case; today: string }) {
  const at = STAGES.indexOf(c.stage);
  return (
    <Table withTableBorder data-testid="case-deadlines">
      <Table.Tbody>
        {c.deadlines.map((d) => {
          const left = daysBetween(today, d.due_on);
          const passed = at > STAGES.indexOf(DEADLINE_STAGE[d.step]);
          return (
            <Table.Tr key={d.step} data-step={d.step}>
              <Table.Td>{DEADLINE[d.step]}</Table.Td>
              <Table.Td>{formatDay(d.due_on)}</Table.Td>
              <Table.Td>
                <Text size="xs" c={passed || left < 0 ? "dimmed" : left === 0 ? "orange" : undefined}>
                  {passed ? "пройден" : left < 0 ? "истёк" : left === 0 ? "сегодня" : `через ${daysText(left)}`}
                </Text>
              </Table.Td>
            </Table.Tr>
          );
        })}
      </Table.Tbody>
    </Table>
  );
}

/** The 30 days after the claim was sent before the case may go to court. */
function CourtClock({ c, today }: { c: Case; today: string }) {
  if (!c.claim_sent_on || !c.court_allowed_on) return null;
  const left = daysBetween(today, c.court_allowed_on);
  return (
    <Alert color={left <= 0 ? "red" : "blue"} data-testid="court-clock" title="Претензионный срок">
      Претензия отправлена {formatDay(c.claim_sent_on)}
      {c.delivered_on ? `, вручена ${formatDay(c.delivered_on)}` : ""}.{" "}
      {left > 0
        ? `В суд — с ${formatDay(c.court_allowed_on)}: осталось ${daysText(left)}.`
        : `Срок истёк: в суд можно с ${formatDay(c.court_allowed_on)}.`}
    </Alert>
  );
}

function Calls({ c }: { c: Case }) {
  const calls = useQuery({
    queryKey: ["collection-cases", c.id, "calls", c.version],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET("/api/v1/collection-cases/{case_id}/calls", { params: { path: { case_id: c.id } }, signal })),
  });
  const rows = calls.data?.items ?? [];
  if (rows.length === 0) return null;
  return (
    <Stack gap="xs">
      <Title order={3}>Звонки</Title>
      <Table withTableBorder striped data-testid="case-calls">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Когда</Table.Th>
            <Table.Th>Кому</Table.Th>
            <Table.Th>Дозвонились</Table.Th>
            <Table.Th>Итог</Table.Th>
            <Table.Th>Обещана оплата</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((call) => (
            <Table.Tr key={call.id}>
              <Table.Td>{formatDateTime(call.created_at)}</Table.Td>
              <Table.Td>{CONTACT_LEVEL[call.level as keyof typeof CONTACT_LEVEL] ?? call.level}</Table.Td>
              <Table.Td>{call.reached ? "да" : "нет"}</Table.Td>
              <Table.Td>{call.result}</Table.Td>
              <Table.Td>{formatDay(call.promised_on)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}

function Tracking({ c }: { c: Case }) {
  if (!c.tracking_number) return null;
  const rows = c.tracking as { at: string; operation: string; attribute: string; place: string }[];
  return (
    <Stack gap="xs" data-testid="case-tracking">
      <Title order={3}>Почта: {c.tracking_number}</Title>
      <Text size="sm" c="dimmed">
        {c.tracking_checked_at ? `Проверено ${formatDateTime(c.tracking_checked_at)}` : "Почта ещё не проверялась"}
      </Text>
      {rows.length > 0 ? (
        <Table withTableBorder striped>
          <Table.Tbody>
            {rows.map((op, i) => (
              <Table.Tr key={i}>
                <Table.Td>{formatDateTime(op.at)}</Table.Td>
                <Table.Td>
                  {op.operation}
                  {op.attribute ? `: ${op.attribute}` : ""}
                </Table.Td>
                <Table.Td>{op.place}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      ) : null}
    </Stack>
  );
}

function CourtPackage({ c }: { c: Case }) {
  const shown = c.stage === "court_ready" || c.stage === "in_court";
  const docs = useQuery({
    queryKey: ["collection-cases", c.id, "court-package", c.version],
    enabled: shown,
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET("/api/v1/collection-cases/{case_id}/court-package", { params: { path: { case_id: c.id } }, signal }),
      ),
  });
  if (!shown) return null;
  const download = async () => {
    const { data, response } = await api.GET("/api/v1/collection-cases/{case_id}/court-package.zip", {
      params: { path: { case_id: c.id } },
      parseAs: "blob",
    });
    if (response.ok && data instanceof Blob) saveFile(data, response, `court-package-${c.id}.zip`);
  };
  return (
    <Stack gap="xs" data-testid="court-package">
      <Group justify="space-between">
        <Title order={3}>Документы для суда</Title>
        <Button variant="light" size="xs" onClick={() => void download()}>
          Скачать архив
        </Button>
      </Group>
      <Table withTableBorder striped>
        <Table.Tbody>
          {(docs.data?.items ?? []).map((d, i) => (
            <Table.Tr key={i}>
              <Table.Td>{d.title}</Table.Td>
              <Table.Td>{d.date}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}

function Files({ c }: { c: Case }) {
  const files = useQuery({
    queryKey: ["collection-cases", c.id, "files", c.version],
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET("/api/v1/collection-cases/{case_id}/attachments", { params: { path: { case_id: c.id } }, signal }),
      ),
  });
  const rows = files.data?.items ?? [];
  if (rows.length === 0) return null;
  const open = async (fileId: number, filename: string) => {
    const { data, response } = await api.GET("/api/v1/collection-cases/{case_id}/attachments/{file_id}", {
      params: { path: { case_id: c.id, file_id: fileId } },
      parseAs: "blob",
    });
    if (response.ok && data instanceof Blob) saveFile(data, response, filename);
  };
  return (
    <Stack gap="xs">
      <Title order={3}>Сканы</Title>
      <Table withTableBorder striped data-testid="case-files">
        <Table.Tbody>
          {rows.map((f) => (
            <Table.Tr key={f.id}>
              <Table.Td>{FILE_KIND[f.kind]}</Table.Td>
              <Table.Td>
                <Anchor component="button" type="button" size="sm" onClick={() => void open(f.id, f.filename)}>
                  {f.filename}
                </Anchor>
              </Table.Td>
              <Table.Td>{formatDateTime(f.created_at)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}
