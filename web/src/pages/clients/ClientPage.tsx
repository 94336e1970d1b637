import { Anchor, Badge, Card, Group, Loader, SimpleGrid, Stack, Table, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useParams } from "@tanstack/react-router";

import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import type { components } from "../../api/schema";
import { formatDate, formatDateTime, formatMoney } from "../../lib/format";
import { useMe } from "../../lib/me";
import { ClientCredit } from "../credit/ClientCredit";
import { ClientLedger } from "../receivables/Ledger";
import { deferment } from "./ClientsPage";
import { CLIENT_EVENT, CONTACT_LEVEL, LEVEL_ORDER, MESSENGER, POTENTIAL, PURCHASE_FREQUENCY } from "./labels";
import { NotLoaded } from "../../components/NotLoaded";

type Client = components["schemas"]["ClientRead"];

/** A client's card: requisites, contacts from the buyer up to the director, the approved terms, the history. */
export function ClientPage() {
  const { clientId } = useParams({ from: "/app/clients/$clientId" });
  const client = useQuery({
    queryKey: ["clients", clientId, "card"],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET("/api/v1/clients/{client_id}", { params: { path: { client_id: clientId } }, signal })),
  });
  const me = useMe();
  if (!client.isSuccess) return <NotLoaded query={client} what="клиента" />;
  const c = client.data;
  const canHistory = me.data?.permissions.includes("history:read") ?? false;
  return (
    <Stack maw={1100}>
      <Title order={2}>{c.name}</Title>
      <Text size="sm" c="dimmed">
        ИНН {c.inn}
        {c.kpp ? ` · КПП ${c.kpp}` : ""}
        {c.onec_id ? ` · код 1С ${c.onec_id}` : ""}
      </Text>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Requisites client={c} />
        <Terms client={c} />
      </SimpleGrid>
      <ClientCredit clientId={c.id} />
      <Contacts client={c} />
      {me.data?.permissions.includes("payments:read") ? <ClientLedger clientId={c.id} /> : null}
      {canHistory ? <History clientId={c.id} /> : null}
    </Stack>
  );
}

function Field({ label, value }: { label: string; value: string | number | null | undefined }) {
  return (
    <Group gap="xs" wrap="nowrap" align="flex-start">
      <Text size="sm" c="dimmed" w={170} style={{ flexShrink: 0 }}>
        {label}
      </Text>
      <Text size="sm">{value === null || value === undefined || value === "" ? "—" : value}</Text>
    </Group>
  );
}

function Requisites({ client: c }: { client: Client }) {
  return (
    <Card withBorder aria-label="Реквизиты" component="section">
      <Title order={3} size="h4" mb="xs">
        Реквизиты
      </Title>
      <Stack gap={4}>
        <Field label="Юридический адрес" value={c.legal_address} />
        <Field label="Фактический адрес" value={c.actual_address} />
        <Field label="Адреса доставки" value={c.delivery_addresses.join("; ")} />
        <Field label="Численность" value={c.headcount} />
        <Field label="Потенциал" value={c.potential ? POTENTIAL[c.potential] : null} />
        <Field label="Частота закупок" value={c.purchase_frequency ? PURCHASE_FREQUENCY[c.purchase_frequency] : null} />
        <Field label="Комментарий" value={c.comment} />
      </Stack>
    </Card>
  );
}

/** The approved payment terms and the contract, read only (they are set by those who approve them). */
function Terms({ client: c }: { client: Client }) {
  const approved = c.deferment_days !== null;
  return (
    <Card withBorder aria-label="Условия оплаты" component="section" data-testid="client-terms">
      <Title order={3} size="h4" mb="xs">
        Условия оплаты
      </Title>
      <Stack gap={4}>
        {approved ? null : (
          <Text size="sm" c="dimmed">
            Условия не утверждены: работа по предоплате.
          </Text>
        )}
        <Field label="Отсрочка" value={deferment(c.deferment_days)} />
        <Field label="Кредитный лимит" value={approved ? (c.credit_limit ? formatMoney(c.credit_limit) : "без лимита") : null} />
        <Field label="Скидка" value={c.discount_percent ? `${c.discount_percent.replace(".", ",")} %` : null} />
        <Field label="Действуют с" value={c.terms_from ? formatDate(c.terms_from) : null} />
        <Field label="День оплаты" value={c.payment_day ? `${c.payment_day}-е число` : null} />
        <Field
          label="Договор"
          value={c.contract_number ? `№ ${c.contract_number}${c.contract_date ? ` от ${formatDate(c.contract_date)}` : ""}` : null}
        />
        <Field
          label="Неустойка"
          value={
            c.penalty_rate_per_day_percent
              ? `${c.penalty_rate_per_day_percent.replace(".", ",")} % в день` +
                (c.penalty_cap_percent ? `, не более ${c.penalty_cap_percent.replace(".", ",")} %` : "")
              : null
          }
        />
      </Stack>
    </Card>
  );
}

function Contacts({ client: c }: { client: Client }) {
  const contacts = [...c.contacts].sort((a, b) => LEVEL_ORDER.indexOf(a.level) - LEVEL_ORDER.indexOf(b.level));
  return (
    <section aria-label="Контакты" data-testid="client-contacts">
      <Title order={3} size="h4" mb="xs">
        Контакты
      </Title>
      {contacts.length === 0 ? (
        <Text size="sm" c="dimmed">
          Контактов нет
        </Text>
      ) : (
        <Table striped withTableBorder>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Уровень</Table.Th>
              <Table.Th>Имя</Table.Th>
              <Table.Th>Должность</Table.Th>
              <Table.Th>Телефоны</Table.Th>
              <Table.Th>Почта</Table.Th>
              <Table.Th>Мессенджеры</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {contacts.map((p) => (
              <Table.Tr key={p.id}>
                <Table.Td>
                  <Badge variant="light">{CONTACT_LEVEL[p.level]}</Badge>
                </Table.Td>
                <Table.Td>{p.name}</Table.Td>
                <Table.Td>{p.position ?? "—"}</Table.Td>
                <Table.Td>
                  {p.phones.map((ph) => (
                    <div key={ph}>
                      <Anchor href={`tel:${ph}`} size="sm">
                        {ph}
                      </Anchor>
                    </div>
                  ))}
                </Table.Td>
                <Table.Td>
                  {p.emails.map((em) => (
                    <div key={em}>
                      <Anchor href={`mailto:${em}`} size="sm">
                        {em}
                      </Anchor>
                    </div>
                  ))}
                </Table.Td>
                <Table.Td>{p.messengers.map((m) => `${MESSENGER[m.kind]}: ${m.handle}`).join(", ") || "—"}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </section>
  );
}

function History({ clientId }: { clientId: number }) {
  const history = useQuery({
    queryKey: ["clients", clientId, "history"],
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET("/api/v1/clients/{client_id}/history", {
          params: { path: { client_id: clientId }, query: { limit: 200 } },
          signal,
        }),
      ),
  });
  return (
    <section aria-label="История" data-testid="client-history">
      <Title order={3} size="h4" mb="xs">
        История
      </Title>
      {history.isPending ? <Loader size="sm" /> : null}
      <Table withTableBorder>
        <Table.Tbody>
          {(history.data?.items ?? []).map((e) => {
            const reason = typeof e.after?.reason === "string" ? e.after.reason : null;
            return (
              <Table.Tr key={e.id}>
                <Table.Td w={170}>{formatDateTime(e.occurred_at)}</Table.Td>
                <Table.Td>
                  {CLIENT_EVENT[e.action] ?? e.action}
                  {reason ? `: ${reason}` : ""}
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </section>
  );
}
