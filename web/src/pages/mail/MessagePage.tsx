import { Alert, Anchor, Badge, Button, Group, List, Stack, Table, Text, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useParams } from "@tanstack/react-router";

import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import type { components } from "../../api/schema";
import { saveOrThrow } from "../../lib/download";
import { formatDateTime } from "../../lib/format";
import { useProblemHandler } from "../../lib/problems";
import { MAIL_KIND, MAIL_KIND_COLOR } from "./labels";
import { NotLoaded } from "../../components/NotLoaded";

type Mail = components["schemas"]["InboundEmailDetail"];

/** One letter from the shared mailbox: where it came from, its new text, its files and what it led to. */
export function MessagePage() {
  const { emailId } = useParams({ from: "/app/mail/$emailId" });
  const mail = useQuery({
    queryKey: ["mail", emailId],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET("/api/v1/inbound-emails/{email_id}", { params: { path: { email_id: emailId } }, signal })),
  });
  if (!mail.isSuccess) return <NotLoaded query={mail} what="письмо" />;
  const m = mail.data;
  return (
    <Stack maw={1100}>
      <Group gap="sm">
        <Title order={2}>{m.subject || "(без темы)"}</Title>
        <Badge size="lg" color={MAIL_KIND_COLOR[m.kind]} data-testid="mail-kind-badge">
          {MAIL_KIND[m.kind]}
        </Badge>
      </Group>
      <Text size="sm" c="dimmed">
        От {m.sender ?? "неизвестного отправителя"} · получено {formatDateTime(m.received_at)} · папка {m.folder}
      </Text>
      <LedTo mail={m} />
      {m.kind === "failed" ? (
        <Alert color="red" title="Письмо не разобрано" data-testid="mail-failure">
          {m.outcome}
        </Alert>
      ) : null}
      <Retry mail={m} />
      <section aria-label="Текст письма">
        <Title order={3} size="h4" mb="xs">
          {m.kind === "reply" ? "Ответ клиента (без цитаты)" : "Текст"}
        </Title>
        <Text size="sm" style={{ whiteSpace: "pre-wrap" }} data-testid="mail-text">
          {m.text || "—"}
        </Text>
      </section>
      <Files mail={m} />
      <section aria-label="Заголовки">
        <Title order={3} size="h4" mb="xs">
          Заголовки
        </Title>
        <Table withTableBorder data-testid="mail-headers">
          <Table.Tbody>
            {m.headers.map((h, i) => (
              <Table.Tr key={`${h.name}-${i}`}>
                <Table.Td w={140}>{h.name}</Table.Td>
                <Table.Td style={{ wordBreak: "break-all" }}>{h.value}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </section>
    </Stack>
  );
}

/** The order, the document and the task the letter led to; a client's answer is confirmed by a person on its document. */
function LedTo({ mail: m }: { mail: Mail }) {
  const d = m.document;
  return (
    <Stack gap="xs" data-testid="mail-led-to">
      {m.order_id ? (
        <Text size="sm">
          Заявка:{" "}
          <Anchor renderRoot={(props) => <Link {...props} to="/orders/$orderId" params={{ orderId: m.order_id ?? 0 }} />} data-testid="mail-order">
            №{m.order_id}
          </Anchor>
        </Text>
      ) : null}
      {d ? (
        <Alert color={m.kind === "reply" ? "green" : "orange"} title={m.kind === "reply" ? `Клиент ответил: ${d.title}` : d.title} data-testid="mail-document">
          <Stack gap={6}>
            {m.kind === "reply" ? (
              <Text size="sm">
                Ничего не согласовано и не подписано автоматически: прочтите ответ и отметьте решение клиента в документе.
              </Text>
            ) : null}
            <DocumentLink document={d} confirm={m.kind === "reply"} />
          </Stack>
        </Alert>
      ) : null}
      {m.task_id ? <Text size="sm">Задача №{m.task_id} — в «Сегодня» у ответственного</Text> : null}
      {m.kind !== "failed" && m.outcome && !m.order_id && !d ? (
        <Text size="sm" c="dimmed">
          {m.outcome}
        </Text>
      ) : null}
    </Stack>
  );
}

function DocumentLink({ document: d, confirm }: { document: NonNullable<Mail["document"]>; confirm: boolean }) {
  const label = confirm && d.about === "invoice" ? `Открыть ${d.title.toLowerCase()} — согласование записывается там` : `Открыть: ${d.title}`;
  if (d.order_id) {
    return (
      <Anchor renderRoot={(props) => <Link {...props} to="/orders/$orderId" params={{ orderId: d.order_id ?? 0 }} />} data-testid="mail-document-link">
        {label}
      </Anchor>
    );
  }
  if (d.about === "proposal") {
    return (
      <Anchor renderRoot={(props) => <Link {...props} to="/proposals/$proposalId" params={{ proposalId: d.id }} />} data-testid="mail-document-link">
        {label}
      </Anchor>
    );
  }
  if (d.about === "collection_case") {
    return (
      <Anchor renderRoot={(props) => <Link {...props} to="/receivables/$caseId" params={{ caseId: d.id }} />} data-testid="mail-document-link">
        {label}
      </Anchor>
    );
  }
  return <Text size="sm">{d.title}</Text>;
}

function Files({ mail: m }: { mail: Mail }) {
  const onProblem = useProblemHandler();
  const save = async (part: number | null, name: string) => {
    try {
      if (part === null) {
        await saveOrThrow(
          await api.GET("/api/v1/inbound-emails/{email_id}/raw", { params: { path: { email_id: m.id } }, parseAs: "blob" }),
          name,
        );
      } else {
        await saveOrThrow(
          await api.GET("/api/v1/inbound-emails/{email_id}/parts/{index}", {
            params: { path: { email_id: m.id, index: part } },
            parseAs: "blob",
          }),
          name,
        );
      }
    } catch (e) {
      onProblem(e);
    }
  };
  return (
    <section aria-label="Вложения">
      <Title order={3} size="h4" mb="xs">
        Вложения
      </Title>
      {m.parts.length === 0 ? (
        <Text size="sm" c="dimmed">
          Нет
        </Text>
      ) : (
        <List size="sm" data-testid="mail-parts">
          {m.parts.map((p) => (
            <List.Item key={p.index}>
              {p.downloadable ? (
                <Anchor component="button" type="button" onClick={() => void save(p.index, p.filename ?? "вложение")}>
                  {p.filename ?? "без имени"}
                </Anchor>
              ) : (
                <Text span size="sm">
                  {p.filename ?? "без имени"}
                </Text>
              )}{" "}
              <Text span c="dimmed" size="sm">
                {p.size ? `${Math.ceil(p.size / 1024)} КБ` : ""}
                {p.problem ? ` не принято: ${p.problem}` : ""}
              </Text>
            </List.Item>
          ))}
        </List>
      )}
      {m.raw_available ? (
        <Button variant="subtle" size="xs" mt="xs" onClick={() => void save(null, `письмо-${m.id}.eml`)}>
          Скачать письмо целиком (.eml)
        </Button>
      ) : null}
    </section>
  );
}

/** A failed letter taken again, when the API offers it. */
function Retry({ mail: m }: { mail: Mail }) {
  const queryClient = useQueryClient();
  const onProblem = useProblemHandler();
  const retry = useMutation({
    mutationFn: async () =>
      unwrap(await api.POST("/api/v1/inbound-emails/{email_id}/retry", { params: { path: { email_id: m.id } } })),
    onSuccess: (updated) => {
      queryClient.setQueryData(["mail", m.id], updated);
      void queryClient.invalidateQueries({ queryKey: ["mail", "list"] });
      void queryClient.invalidateQueries({ queryKey: ["orders"] });
    },
    onError: (error) => onProblem(error),
  });
  if (!m.allowed_actions.includes("retry")) return null;
  return (
    <Button w="fit-content" loading={retry.isPending} onClick={() => retry.mutate()} data-testid="mail-retry">
      Разобрать снова
    </Button>
  );
}
